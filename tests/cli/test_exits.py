"""Issue 21, item B: every documented exit code and message is what happens (docs/formats.md,
docs/configuration.md), and every code the tool can exit with is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO, invoke

from trtc_privacy.cli.exits import EXIT_CODES, EXIT_PIPE_CLOSED, EXIT_USAGE

EXAMPLE = REPO / "examples" / "VideoCallApp"


def test_docs_formats_lists_every_exit_code_the_tool_has() -> None:
    page = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    table = page.split("## Exit codes", 1)[1].split("\n\n", 2)[1]
    listed = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert listed == set(EXIT_CODES)


def test_a_closed_pipe_ends_quietly_with_the_documented_code() -> None:
    """`merge --diff | head -8`, with the reader gone before the first byte: 141, no traceback,
    not 120 (the interpreter's failed last flush) nor 1 (click's choice)."""
    for argv in (["merge", "--diff"], ["merge", "--diff", "-f", "json"], ["sdks"]):
        read, write = os.pipe()
        os.close(read)
        try:
            ran = subprocess.run([sys.executable, "-m", "trtc_privacy", *argv], stdout=write,
                                 stderr=subprocess.PIPE, cwd=EXAMPLE, text=True, timeout=60,
                                 env={**os.environ, "NO_COLOR": "1"})
        finally:
            os.close(write)
        assert ran.returncode == EXIT_PIPE_CLOSED, (argv, ran.stderr)
        assert "Traceback" not in ran.stderr and "Broken pipe" not in ran.stderr


def test_invalid_toml_at_the_end_of_the_file_has_a_line_and_column(tmp_path: Path) -> None:
    (tmp_path / ".trtc-privacy.toml").write_text('sdks = ["trtc"\n', encoding="utf-8")
    ran = invoke(["versions"], cwd=tmp_path)
    assert ran.returncode == EXIT_USAGE
    assert ".trtc-privacy.toml:1:15: error: invalid TOML: Unclosed array\n" in ran.stderr


def test_every_configuration_error_is_reported_at_once(tmp_path: Path) -> None:
    """docs/configuration.md's example, as it is printed."""
    (tmp_path / ".trtc-privacy.toml").write_text(
        'sdk = ["trtc"]\nkind = "app"\nlockfiles = 3\n', encoding="utf-8")
    ran = invoke(["merge"], cwd=tmp_path)
    assert ran.returncode == EXIT_USAGE
    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    shown = page.split("before anything is written:\n\n```text\n", 1)[1].split("```", 1)[0]
    expected = shown.replace("/Users/me/app/", str(tmp_path.resolve()) + os.sep)
    assert ran.stderr.replace(str(tmp_path) + os.sep, str(tmp_path.resolve()) + os.sep) == expected


def test_lint_of_a_folder_with_no_manifest_says_so_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "Pods").mkdir()
    ran = invoke(["lint", "Pods"], cwd=tmp_path)
    assert ran.returncode == EXIT_USAGE
    assert "Pods: error: no PrivacyInfo.xcprivacy found here, so nothing was linted" in ran.stderr


def test_an_option_is_never_counted_as_a_file(tmp_path: Path) -> None:
    ran = invoke(["init", "--sdk", "trtc@11.6"], cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "3 warnings in 1 file\n" in ran.stderr
