"""``lint --fix``: meaning-preserving repairs through the one writer, idempotent, minimal."""

from __future__ import annotations

import difflib
import os
import plistlib
import shutil
from pathlib import Path
from typing import List

import pytest
from helpers import invoke, shared_path
from helpers.manifests import UD, P, api, data, doc, two

from trtc_privacy.lint.fix import fix_file

#: corpus files --fix can repair, and the rules that must be gone afterwards
FIXABLE = {
    "781flyingdutchman__background_downloader__7cec01ff.xcprivacy": {"unknown-data-type"},
    "TimOliver__TOCropViewController__5bf3c551.xcprivacy": {"empty-value"},
    "appspector__ios-sdk__26b2a637.xcprivacy": {"unknown-purpose", "duplicate-data-type"},
    "newrelic__newrelic-ios-agent__26b2a637.xcprivacy": {"unknown-purpose", "unknown-data-type",
                                                         "empty-value"},
    "google__GoogleUtilities__dbab5357.xcprivacy": {"unknown-purpose", "empty-value"},
    "seayoo-io__combo-demo-unity__29b6745e.xcprivacy": {"duplicate-api-category"},
    "braze-inc__braze-swift-sdk__0d15921b.xcprivacy": {"empty-value"},
}


def _copy(tmp_path: Path, name: str) -> Path:
    src = shared_path("corpus", name)
    d = tmp_path / name.replace(".xcprivacy", "")
    d.mkdir()
    dst = d / "PrivacyInfo.xcprivacy"
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o644)
    return dst


def _changed_old_lines(before: str, after: str) -> List[str]:
    sm = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    old = before.splitlines()
    return [old[i] for tag, i1, i2, _, _ in sm.get_opcodes() if tag != "equal"
            for i in range(i1, i2)]


@pytest.mark.parametrize("name", sorted(FIXABLE))
def test_fix_repairs_corpus_files_minimally_and_idempotently(tmp_path: Path, name: str) -> None:
    path = _copy(tmp_path, name)
    before = path.read_text(encoding="utf-8")
    r = invoke(["lint", "--fix", "-f", "json", str(path)], cwd=tmp_path)
    assert "fixed:" in r.stderr and "internal error" not in r.stderr, r.stderr
    after = path.read_text(encoding="utf-8")
    assert after != before
    # every line that changed carried a problem --fix addresses (or is part of a folded entry)
    fixed_lines = {int(ln.split(":")[1]) for ln in r.stderr.splitlines() if ": fixed: " in ln}
    assert fixed_lines
    # what remains: none of the fixed rules
    import json

    remaining = {d["rule"] for d in json.loads(r.stdout)["diagnostics"]}
    assert not (FIXABLE[name] & remaining), remaining
    # the file still parses, and its meaning is the same where no fix applied
    plistlib.loads(after.encode("utf-8"))
    # a second --fix changes nothing and writes nothing
    mtime = path.stat().st_mtime_ns
    r2 = invoke(["lint", "--fix", str(path)], cwd=tmp_path)
    assert "nothing to fix" in r2.stderr
    assert path.read_text(encoding="utf-8") == after and path.stat().st_mtime_ns == mtime


def test_fix_touches_only_the_fixed_lines(tmp_path: Path) -> None:
    path = _copy(tmp_path, "newrelic__newrelic-ios-agent__26b2a637.xcprivacy")
    before = path.read_text(encoding="utf-8")
    out = fix_file(str(path))
    changed = _changed_old_lines(before, out.after)
    assert changed == [
        "\t\t<dict/>",
        "\t\t\t\t<string>App functionality</string>",
        "\t\t\t\t<string>App functionality</string>",
        "\t\t\t<string>Performance data</string>",
        "\t\t\t<string>Crash data</string>",
        "\t\t\t<string>Product interaction</string>",
        "\t\t\t<string>Other diagnostic data</string>",
    ]


def test_fold_keeps_every_declaration(tmp_path: Path) -> None:
    path = _copy(tmp_path, "seayoo-io__combo-demo-unity__29b6745e.xcprivacy")
    old = plistlib.loads(path.read_bytes())
    fix_file(str(path))
    new = plistlib.loads(path.read_bytes())

    def union(m):
        out = {}
        for e in m["NSPrivacyAccessedAPITypes"]:
            out.setdefault(e["NSPrivacyAccessedAPIType"], set()).update(
                e["NSPrivacyAccessedAPITypeReasons"])
        return out

    assert union(old) == union(new)
    assert len(new["NSPrivacyAccessedAPITypes"]) == len(union(new))
    assert {k: v for k, v in old.items() if k != "NSPrivacyAccessedAPITypes"} == \
        {k: v for k, v in new.items() if k != "NSPrivacyAccessedAPITypes"}


def test_fix_folds_reasons_purposes_and_domains(tmp_path: Path) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    text = doc("\t<key>NSPrivacyTracking</key>\n\t<true/>\n\t<key>NSPrivacyTrackingDomains</key>\n"
               "\t<array>\n\t\t<string>a.example.com</string>\n\t\t<string>a.example.com</string>\n"
               "\t</array>\n" + two(api(UD, "CA92.1", "CA92.1"), api(UD, "c56d.1"))
               + data("NSPrivacyCollectedDataTypeCrashData", [P, P]), data_types=False)
    p.write_text(text, encoding="utf-8")
    out = fix_file(str(p), "sdk")
    assert not out.not_fixed, out.not_fixed
    value = plistlib.loads(p.read_bytes())
    assert value["NSPrivacyTrackingDomains"] == ["a.example.com"]
    assert value["NSPrivacyAccessedAPITypes"] == [
        {"NSPrivacyAccessedAPIType": UD, "NSPrivacyAccessedAPITypeReasons": ["CA92.1", "C56D.1"]}]
    assert value["NSPrivacyCollectedDataTypes"][0]["NSPrivacyCollectedDataTypePurposes"] == [P]
    assert {f.rule for f in out.fixed} == {"duplicate-tracking-domain", "duplicate-reason",
                                           "unknown-reason", "duplicate-api-category",
                                           "duplicate-purpose"}


def test_fix_reports_what_it_could_not_fix(tmp_path: Path) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    text = doc(two(data("NSPrivacyCollectedDataTypeCrashData", [P]),
                   data("NSPrivacyCollectedDataTypeCrashData", [P], tracking="true"))
               + api(UD, "Because we like it"), data_types=False)
    p.write_text(text, encoding="utf-8")
    r = invoke(["lint", "--fix", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 1
    assert "nothing to fix" in r.stderr
    assert "not fixed: NSPrivacyCollectedDataTypeCrashData is already declared" in r.stderr
    assert "differ in NSPrivacyCollectedDataTypeTracking" in r.stderr
    assert "not fixed: unknown reason code \"Because we like it\"" in r.stderr
    assert "no unambiguous spelling" in r.stderr
    assert p.read_text(encoding="utf-8") == text


def test_fix_respects_ignored_rules(tmp_path: Path) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    text = doc(data("NSPrivacyCollectedDataTypePhotosOrVideos", [P]), data_types=False)
    p.write_text(text, encoding="utf-8")
    r = invoke(["lint", "--fix", "--ignore", "unknown-data-type", "PrivacyInfo.xcprivacy"],
                cwd=tmp_path)
    assert r.returncode == 0 and p.read_text(encoding="utf-8") == text


# -- fixes attached to what their check found ---------------------------------------------------


def test_a_spelling_fix_writes_what_its_check_guessed(tmp_path: Path) -> None:
    """The fix takes the check's guess (Finding.repair) instead of guessing again."""
    from trtc_privacy.lint import engine
    from trtc_privacy.lint.fix import fix_document
    from trtc_privacy.lint.rules.base import Finding
    from trtc_privacy.manifest.reader import parse
    from trtc_privacy.selection import Selection

    text = doc(data("NSPrivacyCollectedDataTypePhotosOrVideos", [P]), data_types=False)
    d = parse(text.encode("utf-8"), "PrivacyInfo.xcprivacy")
    found = engine.walk(d, "app", engine.dispatch(Selection()))
    [(rule, f)] = [(r, f) for r, f in found if r.name == "unknown-data-type"]
    assert (f.subject, f.repair) == ("NSPrivacyCollectedDataTypePhotosOrVideos",
                                     "NSPrivacyCollectedDataTypePhotosorVideos")
    told = Finding(f.element, f.message, f.hint, subject=f.subject,
                   repair="NSPrivacyCollectedDataTypeCrashData")
    after, fixed, _ = fix_document(d, None, [(rule, told)])
    assert "<string>NSPrivacyCollectedDataTypeCrashData</string>" in after
    assert [x.description for x in fixed] == [
        "replaced \"NSPrivacyCollectedDataTypePhotosOrVideos\" with "
        "\"NSPrivacyCollectedDataTypeCrashData\""]


def test_not_fixed_is_matched_by_value_not_by_message_text(tmp_path: Path) -> None:
    """A long free-text reason is shortened in its message; its reason is still the refusal."""
    p = tmp_path / "PrivacyInfo.xcprivacy"
    sentence = "Calculate cache expiring date for disk files based on the device's own clock"
    p.write_text(doc(api(UD, sentence), data_types=False), encoding="utf-8")
    out = fix_file(str(p), "sdk")
    [(d, why)] = out.not_fixed
    assert d.rule == "unknown-reason" and sentence not in d.message
    assert why == "no unambiguous spelling of a known identifier"


def test_lint_fix_discovers_and_lints_each_file_once(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """One search of the folder; one lint walk per file, and one more of a file whose text
    changed (its fixed text): what lint prints is that lint."""
    from trtc_privacy import discover
    from trtc_privacy.lint import engine

    for name, body in (("a", data("NSPrivacyCollectedDataTypePhotosOrVideos", [P])),
                       ("b", data("NSPrivacyCollectedDataTypeCrashData", [P])),
                       ("c", api(UD, "CA92.1", "CA92.1"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "PrivacyInfo.xcprivacy").write_text(doc(body, data_types=False),
                                                               encoding="utf-8")
    walks: List[str] = []
    searches: List[str] = []
    real_walk, real_search = engine.walk, discover.walk

    def walk(d, *args, **kw):
        walks.append(os.path.basename(os.path.dirname(d.path)))
        return real_walk(d, *args, **kw)

    def search(top, *args, **kw):
        searches.append(top)
        return real_search(top, *args, **kw)

    monkeypatch.setattr(engine, "walk", walk)
    monkeypatch.setattr(discover, "walk", search)
    r = invoke(["lint", "--fix", ".", "-f", "json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert searches == ["."]
    assert sorted(walks) == ["a", "a", "b", "c", "c"]
    monkeypatch.setattr(engine, "walk", real_walk)
    again = invoke(["lint", ".", "-f", "json"], cwd=tmp_path)
    assert r.stdout == again.stdout
