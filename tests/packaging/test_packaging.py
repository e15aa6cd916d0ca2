"""The package as users get it: a wheel that carries its data, Python 3.9 syntax, both entry points."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import REPO, run_cli

import trtc_privacy
from trtc_privacy.knowledge.resources import manifests_dir, templates_dir


def test_source_needs_nothing_newer_than_python_3_9() -> None:
    """vermin reads every module and names the first feature that needs a newer Python."""
    pytest.importorskip("vermin")
    exe = Path(sys.executable).with_name("vermin")
    r = subprocess.run([str(exe), "--target=3.9-", "--violations",
                        "--no-tips", "--eval-annotations", "--backport", "typing_extensions",
                        str(REPO / "trtc_privacy")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_data_is_found_next_to_the_imported_package() -> None:
    assert (manifests_dir() / "catalogue.json").is_file()
    assert (templates_dir() / "PrivacyInfo.xcprivacy.j2").is_file()
    installed = os.environ.get("TRTC_PRIVACY_TEST_INSTALLED")
    if installed:
        # run by test_the_installed_wheel_passes_tests: the package must be the wheel's
        assert Path(trtc_privacy.__file__).resolve().is_relative_to(Path(installed).resolve()), \
            trtc_privacy.__file__


# Building needs the index (setuptools in an isolated environment): about 20 s in all.
BUILD = pytest.mark.skipif(bool(os.environ.get("TRTC_PRIVACY_NO_BUILD")),
                           reason="TRTC_PRIVACY_NO_BUILD is set: no sdist or wheel is built")


def _build(args: list, out: Path, source: Path = REPO) -> None:
    pytest.importorskip("build")
    r = subprocess.run([sys.executable, "-m", "build", *args, "--outdir", str(out), str(source)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def _record(wheel: Path) -> dict:
    """path -> (hash, size) from the wheel's RECORD, leaving out the dist-info folder."""
    z = zipfile.ZipFile(wheel)
    name = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
    rows = [line.split(",") for line in z.read(name).decode().splitlines() if line]
    return {p: (h, size) for p, h, size in rows if ".dist-info/" not in p}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` of this tree: an sdist, and a wheel built from that sdist."""
    out = tmp_path_factory.mktemp("dist")
    _build([], out)
    return out


@BUILD
def test_built_wheel_carries_templates_manifests_and_catalogue(dists: Path) -> None:
    wheel = next(dists.glob("trtc_privacy-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "trtc_privacy/manifests/catalogue.json" in names
    assert "trtc_privacy/templates/PrivacyInfo.xcprivacy.j2" in names
    assert "trtc_privacy/knowledge/data/apple.json" in names
    assert f"trtc_privacy-{trtc_privacy.__version__}.dist-info/licenses/LICENSE" in names
    from trtc_privacy.knowledge.vendors import catalogue

    for mf in catalogue().manifests.values():  # every manifest the catalogue points at
        assert f"trtc_privacy/manifests/{mf.path}" in names
    assert not any(n.startswith(("tests/", "examples/", "docs/")) for n in names)


@BUILD
def test_the_sdist_builds_the_same_wheel_as_the_tree(dists: Path, tmp_path: Path) -> None:
    """``python -m build`` makes the wheel from the sdist; a wheel straight from the tree matches."""
    _build(["--wheel"], tmp_path)
    from_tree = _record(next(tmp_path.glob("*.whl")))
    from_sdist = _record(next(dists.glob("*.whl")))
    assert from_sdist == from_tree
    sdist = next(dists.glob("trtc_privacy-*.tar.gz"))
    import tarfile

    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "dev",
                   "action.yml", ".pre-commit-hooks.yaml", "tests/conftest.py",
                   "examples/VideoCallApp/Podfile.lock"):
        assert needed in names, needed


@BUILD
def test_twine_accepts_the_sdist_and_wheel(dists: Path) -> None:
    pytest.importorskip("twine")
    files = sorted(str(p) for p in dists.iterdir())
    r = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("PASSED") == 2, r.stdout
    meta = zipfile.ZipFile(next(dists.glob("*.whl")))
    text = meta.read(next(n for n in meta.namelist() if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in text
    assert "Project-URL: Changelog," in text
    assert "Description-Content-Type: text/markdown" in text
    assert "Requires-Python: >=3.9" in text


@BUILD
def test_the_installed_wheel_passes_tests(dists: Path, tmp_path: Path) -> None:
    """The wheel, installed on its own, runs from outside the source tree on every kind of shipped
    data (vendor manifests, templates, Apple's catalogue), and passes the suite's slice about
    merging, configuration, commands and hostile files."""
    wheel = next(dists.glob("trtc_privacy-*.whl"))
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                        str(target), str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    env = dict(os.environ, PYTHONPATH=str(target), TRTC_PRIVACY_TEST_INSTALLED=str(target),
               NO_COLOR="1")
    where = subprocess.run([sys.executable, "-c", "import trtc_privacy; print(trtc_privacy.__file__)"],
                           cwd="/", env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(target)), where.stdout + where.stderr
    sdks = subprocess.run([sys.executable, "-m", "trtc_privacy", "sdks", "--format", "json"],
                          cwd="/", env=env, capture_output=True, text=True)
    assert sdks.returncode == 0 and "tuicallkit" in sdks.stdout, sdks.stderr
    example = REPO / "examples" / "VideoCallApp"
    report = subprocess.run([sys.executable, "-m", "trtc_privacy", "report", "--config",
                             str(example / ".trtc-privacy.toml"), "--markdown", "-"],
                            cwd="/", env=env, capture_output=True, text=True)
    assert report.returncode == 0 and "| Audio Data |" in report.stdout, report.stderr
    lint = subprocess.run([sys.executable, "-m", "trtc_privacy", "lint", "--format", "json",
                           str(example)], cwd="/", env=env, capture_output=True, text=True)
    assert lint.returncode == 0 and json.loads(lint.stdout)["summary"]["errors"] == 0, lint.stderr
    tests = REPO / "tests"
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"),
                        str(tests / "packaging" / "test_packaging.py")
                        + "::test_data_is_found_next_to_the_imported_package",
                        # merging, commands, configuration and hostile files, against the wheel
                        *(str(tests / name) for name in (
                            "merge/test_init.py", "merge/test_pipeline.py", "cli/test_cli.py",
                            "test_config.py", "merge/test_versions.py", "merge/test_xcode.py",
                            "lint/test_engine_defects.py", "hostile/test_files.py",
                            "manifest/test_reader.py", "hostile/test_repeated_keys.py",
                            "cli/test_messages.py"))],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and "failed" not in r.stdout


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


def test_python_m_runs_from_a_checkout_that_is_not_installed(tmp_path: Path) -> None:
    """``python -m trtc_privacy`` at the root of a checkout finds the vendor manifests and
    templates beside the package, as it finds them inside an installed one."""
    checkout = tmp_path / "checkout"
    for folder in ("trtc_privacy", "manifests", "templates"):
        shutil.copytree(REPO / folder, checkout / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    # no installed copy may answer: drop the editable install's finder and site-packages' copy
    code = ("import os, sys, runpy\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
            "sys.argv = ['trtc_privacy'] + sys.argv[1:]\n"
            "import trtc_privacy\n"
            "assert trtc_privacy.__file__.startswith(os.getcwd()), trtc_privacy.__file__\n"
            "runpy.run_module('trtc_privacy', run_name='__main__')\n")
    for args, expect in ((["show", "tuicallkit"], "<key>NSPrivacyCollectedDataTypes</key>"),
                         (["init", "--sdk", "trtc", "new.xcprivacy"], "written")):
        r = subprocess.run([sys.executable, "-c", code, *args], cwd=checkout,
                           capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
        assert r.returncode == 0 and expect in r.stdout, r.stdout + r.stderr
