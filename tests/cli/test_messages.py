"""Messages name what the command in hand does: show merges nothing, init writes a new file."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli


def test_show_below_the_minimum_names_the_merge_that_would_add_the_declarations() -> None:
    out = run_cli(["show", "trtc@11.0"])
    assert out.returncode == 0, out.stderr
    assert "this merge" not in out.stderr
    assert "`trtc-privacy merge APP_MANIFEST --sdk trtc@11.0` adds them" in out.stderr
    assert out.stdout.startswith("<?xml")


def test_init_below_the_minimum_says_the_new_file_declares_them(tmp_path: Path) -> None:
    out = run_cli(["init", "--sdk", "trtc@11.0"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "this merge" not in out.stderr and "the new file declares them" in out.stderr
