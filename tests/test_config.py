"""Project configuration: found upwards, drives merge / merge --check / versions with no
arguments, overridden by options, and a malformed file is a clear exit-2 error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, invoke

LOCATION = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+)(?::(?P<col>\d+))?: error: (?P<msg>.+)$",
                      re.M)


def project(root: Path, config: str, name: str = ".trtc-privacy.toml",
            lock: str = "Podfile.lock") -> Path:
    """An iOS project in ios/ with its configuration at the repository root (a monorepo)."""
    (root / "ios" / "App").mkdir(parents=True)
    shutil.copy(FIXTURES / "xcode" / "PrivacyInfo.xcprivacy",
                root / "ios" / "App" / "PrivacyInfo.xcprivacy")
    shutil.copy(FIXTURES / "integrations" / lock, root / "ios" / "Podfile.lock")
    (root / name).write_text(config)
    return root / "ios" / "App" / "PrivacyInfo.xcprivacy"


CONFIG = 'app-manifest = "ios/App/PrivacyInfo.xcprivacy"\nlockfiles = ["ios/Podfile.lock"]\n'


def test_configuration_drives_merge_check_then_merge_then_check_again(tmp_path: Path) -> None:
    app = project(tmp_path, CONFIG)
    deep = tmp_path / "ios" / "App"  # found from a subdirectory upwards
    before = app.read_bytes()

    check = invoke(["merge", "--check"], cwd=deep)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "out of date" in check.stdout
    assert app.read_bytes() == before

    merged = invoke(["merge"], cwd=deep)
    assert merged.returncode == 0, merged.stderr
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in app.read_text()

    again = invoke(["merge", "--check"], cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


def test_configuration_drives_versions(tmp_path: Path) -> None:
    project(tmp_path, CONFIG, lock="Podfile-old.lock")  # TRTC SDK 11.0, below 11.7
    r = invoke(["versions"], cwd=tmp_path / "ios" / "App")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "11.7" in r.stdout + r.stderr

    shutil.copy(FIXTURES / "integrations" / "Podfile.lock", tmp_path / "ios" / "Podfile.lock")
    ok = invoke(["versions"], cwd=tmp_path / "ios" / "App")
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_pyproject_table_is_read_and_a_pyproject_without_it_is_skipped(tmp_path: Path) -> None:
    app = project(tmp_path, "[tool.trtc-privacy]\n" + CONFIG, name="pyproject.toml")
    (tmp_path / "ios" / "pyproject.toml").write_text('[project]\nname = "not-ours"\n')
    r = invoke(["merge"], cwd=tmp_path / "ios")
    assert r.returncode == 0, r.stderr
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in app.read_text()


def test_the_dotfile_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    app = project(tmp_path, 'app-manifest = "ios/App/PrivacyInfo.xcprivacy"\nsdks = ["tuicallkit"]\n')
    (tmp_path / "pyproject.toml").write_text('[tool.trtc-privacy]\napp-manifest = "elsewhere"\n')
    r = invoke(["merge"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "NSPrivacyCollectedDataTypeUserID" in app.read_text()


def test_command_line_options_replace_the_configured_values(tmp_path: Path) -> None:
    app = project(tmp_path, CONFIG)
    r = invoke(["merge", "--sdk", "chat@8.4.6667"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = app.read_text()
    assert "C617.1" in text  # the Chat SDK given on the command line
    assert "NSPrivacyCollectedDataTypeAudioData" not in text  # not the configured lockfile's SDK

    other = tmp_path / "Other.xcprivacy"
    shutil.copy(FIXTURES / "xcode" / "PrivacyInfo.xcprivacy", other)
    r2 = invoke(["merge", str(other), "--check"], cwd=tmp_path)
    assert r2.returncode == 1  # the configured lockfile, against the file given
    assert str(other) in r2.stdout


def test_an_explicit_config_file_is_used_instead_of_the_one_found(tmp_path: Path) -> None:
    app = project(tmp_path, 'app-manifest = "nowhere.xcprivacy"\n')
    explicit = tmp_path / "ci.toml"
    explicit.write_text(CONFIG)
    r = invoke(["merge", "--config", str(explicit)], cwd=tmp_path / "ios")
    assert r.returncode == 0, r.stderr
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in app.read_text()


@pytest.mark.parametrize("text, line, words", [
    ('app-manifest = "a.xcprivacy"\nsdks = "trtc" "x"\n', 2, ["invalid TOML"]),
    ('app-manifest = "a.xcprivacy"\n\nlockfiles = 3\n', 3,
     ['"lockfiles"', "expected a list of strings", "int"]),
    ('sdk = ["trtc"]\n', 1, ['unknown configuration key "sdk"', "sdks"]),
    ('xcode-fail-on = "debug"\n', 1, ['"xcode-fail-on"', "always, release, never", "'debug'"]),
    ('app-manifest = ["a", "b"]\n', 1, ['"app-manifest"', "expected a string"]),
])
def test_a_malformed_configuration_names_the_file_the_key_and_what_was_expected(
        tmp_path: Path, text: str, line: int, words: list) -> None:
    app = project(tmp_path, text)
    before = app.read_bytes()
    for args in (["merge"], ["merge", "--check"], ["versions"]):
        r = invoke(args, cwd=tmp_path / "ios")
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        m = LOCATION.search(r.stderr)
        assert m, r.stderr
        assert Path(m["path"]).resolve() == (tmp_path / ".trtc-privacy.toml").resolve()
        assert int(m["line"]) == line
        for w in words:
            assert w in r.stderr, (w, r.stderr)
    assert app.read_bytes() == before


def test_a_pyproject_table_error_names_the_dotted_key(tmp_path: Path) -> None:
    project(tmp_path, '[tool.trtc-privacy]\nsdks = [1, 2]\n', name="pyproject.toml")
    r = invoke(["merge", "--check"], cwd=tmp_path)
    assert r.returncode == 2
    assert '"tool.trtc-privacy.sdks"' in r.stderr and "pyproject.toml:2:" in r.stderr


def test_without_configuration_merge_asks_for_the_manifest(tmp_path: Path) -> None:
    r = invoke(["merge", "--check"], cwd=tmp_path)
    assert r.returncode == 2
    assert "no APP_MANIFEST given" in r.stderr and ".trtc-privacy.toml" in r.stderr


# -- defect 8: every configuration mistake names the file, the line, the key and what was expected


@pytest.mark.parametrize("text,line,words", [
    # a typo in a [severity] rule name used to be ignored silently
    ('app-manifest = "ios/App/PrivacyInfo.xcprivacy"\n[severity]\nsdk-only-reasn = "error"\n',
     3, ['"severity.sdk-only-reasn"', 'unknown rule "sdk-only-reasn"', 'did you mean "sdk-only-reason"']),
    # a string where a list is meant used to be accepted
    ('app-manifest = "ios/App/PrivacyInfo.xcprivacy"\nlockfiles = "ios/Podfile.lock"\n',
     2, ['"lockfiles"', "expected a list of strings", "'ios/Podfile.lock'"]),
    # a bad severity value used to print a Python dict and no line
    ('app-manifest = "ios/App/PrivacyInfo.xcprivacy"\n\n[severity]\nunknown-reason = "fatal"\n',
     4, ['"severity.unknown-reason"', "error, warning, note, off", "'fatal'"]),
    ('ignore = ["sdk-only-reasn"]\n', 1, ['"ignore"', 'unknown rule "sdk-only-reasn"']),
])
def test_configuration_mistakes_are_named_at_their_line(tmp_path: Path, text: str, line: int,
                                                        words: list) -> None:
    from helpers import invoke

    project(tmp_path, text)
    for args in (["merge", "--check"], ["lint", "App"], ["versions"]):
        r = invoke(args, cwd=tmp_path / "ios")
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        m = LOCATION.search(r.stderr)
        assert m and int(m["line"]) == line, r.stderr
        assert Path(m["path"]).resolve() == (tmp_path / ".trtc-privacy.toml").resolve()
        assert "{" not in m["msg"]
        for w in words:
            assert w in r.stderr, (w, r.stderr)


def test_an_unknown_product_in_sdks_is_reported_at_the_configuration_line(tmp_path: Path) -> None:
    from helpers import invoke

    project(tmp_path, 'app-manifest = "ios/App/PrivacyInfo.xcprivacy"\n\nsdks = ["trtc", "nope"]\n')
    r = invoke(["merge", "--check"], cwd=tmp_path / "ios")
    assert r.returncode == 2
    m = LOCATION.search(r.stderr)
    assert m and int(m["line"]) == 3, r.stderr
    assert m["path"].endswith(".trtc-privacy.toml") and 'unknown product or pod "nope"' in m["msg"]
    assert "--sdk" not in r.stderr


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    from helpers import invoke

    app = project(tmp_path, "")
    (tmp_path / ".trtc-privacy.toml").write_bytes(
        b"\xef\xbb\xbf" + CONFIG.encode("utf-8"))
    r = invoke(["merge"], cwd=tmp_path / "ios")
    assert r.returncode == 0, r.stderr
    assert "written" in r.stdout and app.exists()
