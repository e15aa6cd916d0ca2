"""The package as users get it: a wheel that carries its data, Python 3.9 syntax, both entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import trtc_privacy
from conftest import REPO, run_cli
from trtc_privacy.resources import manifests_dir, templates_dir


def test_source_needs_nothing_newer_than_python_3_9() -> None:
    """vermin reads every module and names the first feature that needs a newer Python."""
    pytest.importorskip("vermin")
    exe = Path(sys.executable).with_name("vermin")
    r = subprocess.run([str(exe), "--target=3.9-", "--violations",
                        "--no-tips", "--eval-annotations", "--backport", "typing_extensions",
                        str(REPO / "trtc_privacy")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_data_is_found_next_to_the_imported_package() -> None:
    assert (manifests_dir() / "index.json").is_file()
    assert (templates_dir() / "PrivacyInfo.xcprivacy.j2").is_file()
    if os.environ.get("CI"):
        # .ci/run installs the built wheel; the suite must exercise it, not the source tree
        assert "site-packages" in trtc_privacy.__file__, trtc_privacy.__file__


@pytest.mark.skipif(not os.environ.get("CI") and not os.environ.get("TRTC_PRIVACY_BUILD_TEST"),
                    reason="builds a wheel (slow); runs in CI or with TRTC_PRIVACY_BUILD_TEST=1")
def test_built_wheel_carries_templates_manifests_and_catalogue(tmp_path: Path) -> None:
    pytest.importorskip("build")
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path),
                        str(REPO)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(tmp_path.glob("trtc_privacy-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "trtc_privacy/manifests/index.json" in names
    assert "trtc_privacy/templates/PrivacyInfo.xcprivacy.j2" in names
    assert "trtc_privacy/data/apple.json" in names
    for pid, version in (("trtc", "11.7"), ("trtc-professional", "11.7"),
                         ("tuicallkit", "2.3.0.920"), ("tuiroomkit", "2.3.0"),
                         ("tuilivekit", "2.1.1")):
        assert f"trtc_privacy/manifests/{pid}/{version}/PrivacyInfo.xcprivacy" in names


def test_version_from_both_entry_points(tmp_path: Path) -> None:
    r = run_cli(["--version"], cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"trtc-privacy {trtc_privacy.__version__}"
    script = Path(sys.executable).with_name("trtc-privacy")
    if script.exists():
        r2 = subprocess.run([str(script), "--version"], capture_output=True, text=True, cwd=tmp_path)
        assert r2.stdout == r.stdout


def test_unknown_command_and_option_are_usage_errors(tmp_path: Path) -> None:
    r = run_cli(["frobnicate"], cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run_cli(["merge", "--no-such-option"], cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
