"""Each lint rule: a case that triggers it at the right line and column, and a near case that
does not. ``@`` marks where the diagnostic must point (it is removed before linting)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Tuple

import pytest
from helpers.manifests import (
    DS,
    FT,
    HEAD,
    TRACK_FALSE,
    TRACK_TRUE,
    UD,
    P,
    api,
    data,
    doc,
    domains,
    two,
)

from trtc_privacy.lint.engine import lint_file
from trtc_privacy.lint.rules import all_rules, by_itms, get

# (rule, kind, text that triggers it with @ at the expected place, near text that does not)
CASES: List[Tuple[str, str, str, str]] = [
    ("not-well-formed", "app",
     HEAD + '<plist version="1.0">\n<dict>\n\t<key>NSPrivacyTracking</key>\n\t<true>\n'
     "</dict>@\n</plist>\n",  # lxml reports the mismatched end tag just after its ">"
     doc(TRACK_TRUE)),
    ("forbidden-dtd", "app",
     '<?xml version="1.0"?>\n<!DOCTYPE plist [@<!ENTITY a "x">]>\n<plist version="1.0">\n'
     "<dict>\n\t<key>NSPrivacyTracking</key>\n\t<false/>\n</dict>\n</plist>\n",
     doc(TRACK_FALSE)),
    ("not-a-plist", "app", doc("\t@$priv_tracking\n"), doc("\t<!-- $priv_tracking -->\n")),
    ("root-not-dict", "app", doc('<plist version="1.0">\n@<array/>\n</plist>\n'),
     doc('<plist version="1.0">\n<dict/>\n</plist>\n')),
    ("unknown-key", "app", doc("\t@<key>NSPrivacyTrackingDomain</key>\n\t<array/>\n"),
     doc("\t<key>NSPrivacyTrackingDomains</key>\n\t<array/>\n")),
    ("wrong-type", "app", doc("\t<key>NSPrivacyTracking</key>\n\t@<string>NO</string>\n"),
     doc(TRACK_FALSE)),
    ("missing-key", "app",
     doc("\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n\t\t@<dict>\n"
         f"\t\t\t<key>NSPrivacyAccessedAPIType</key>\n\t\t\t<string>{UD}</string>\n"
         "\t\t</dict>\n\t</array>\n"),
     doc(api(UD, "CA92.1"))),
    ("missing-collected-data-types", "app", doc("@" + TRACK_FALSE.lstrip("\t"), data_types=False)
     .replace("<dict>\n@", "@<dict>\n"), doc(TRACK_FALSE)),
    ("empty-value", "app", doc(data("NSPrivacyCollectedDataTypeCrashData", ["@<string></string>"]),
                               data_types=False),
     doc(data("NSPrivacyCollectedDataTypeCrashData", [P]), data_types=False)),
    ("duplicate-key", "app", doc(TRACK_FALSE + "\t@<key>NSPrivacyTracking</key>\n\t<false/>\n"),
     doc(TRACK_FALSE)),
    ("empty-manifest", "app", doc('<plist version="1.0">\n@<dict>\n</dict>\n</plist>\n'),
     doc(TRACK_FALSE)),
    ("unknown-api-category", "app", doc(api("FileTimestamp", "C617.1", mark="@")),
     doc(api(FT, "C617.1"))),
    ("unknown-reason", "app", doc(api(FT, "@<string>C617.2</string>")), doc(api(FT, "C617.1"))),
    ("reason-wrong-category", "app", doc(api(DS, "@<string>CA92.1</string>")),
     doc(api(UD, "CA92.1"))),
    ("sdk-only-reason", "app", doc(api(UD, "@<string>C56D.1</string>")), doc(api(UD, "CA92.1"))),
    ("app-type-reason", "app", doc(api(DS, "@<string>B728.1</string>")), doc(api(DS, "E174.1"))),
    ("empty-reasons", "app", doc(api(UD).replace("\t\t\t<array>\n\t\t\t</array>",
                                                 "\t\t\t@<array/>")),
     doc(api(UD, "CA92.1"))),
    ("duplicate-api-category", "app",
     doc(two(api(UD, "CA92.1"), api(UD, "1C8F.1", mark="@"))),
     doc(api(UD, "CA92.1", "1C8F.1"))),
    ("duplicate-reason", "app", doc(api(UD, "CA92.1", "@<string>CA92.1</string>")),
     doc(api(UD, "CA92.1", "1C8F.1"))),
    ("unknown-data-type", "app",
     doc(data("NSPrivacyCollectedDataTypePhotosOrVideos", [P], mark="@"), data_types=False),
     doc(data("NSPrivacyCollectedDataTypePhotosorVideos", [P]), data_types=False)),
    ("unknown-purpose", "app",
     doc(data("NSPrivacyCollectedDataTypeCrashData", ["@<string>App functionality</string>"]),
         data_types=False),
     doc(data("NSPrivacyCollectedDataTypeCrashData", [P]), data_types=False)),
    ("empty-purposes", "app",
     doc(data("NSPrivacyCollectedDataTypeCrashData", []).replace(
         "\t\t\t<array>\n\t\t\t</array>", "\t\t\t@<array/>"), data_types=False),
     doc(data("NSPrivacyCollectedDataTypeCrashData", [P]), data_types=False)),
    ("duplicate-data-type", "app",
     doc(two(data("NSPrivacyCollectedDataTypeCrashData", [P]),
             data("NSPrivacyCollectedDataTypeCrashData", [P], mark="@")), data_types=False),
     doc(data("NSPrivacyCollectedDataTypeCrashData", [P]), data_types=False)),
    ("duplicate-purpose", "app",
     doc(data("NSPrivacyCollectedDataTypeCrashData", [P, f"@<string>{P}</string>"]),
         data_types=False),
     doc(data("NSPrivacyCollectedDataTypeCrashData",
              [P, "NSPrivacyCollectedDataTypePurposeAnalytics"]), data_types=False)),
    ("data-tracking-without-tracking", "app",
     doc(TRACK_FALSE + data("NSPrivacyCollectedDataTypeDeviceID", [P], tracking="true")
         .replace("\t\t\t<true/>", "\t\t\t@<true/>"), data_types=False),
     doc(TRACK_TRUE + domains("ads.example.com") +
         data("NSPrivacyCollectedDataTypeDeviceID", [P], tracking="true"), data_types=False)),
    ("tracking-without-domains", "app", doc(TRACK_TRUE.replace("\t<true/>", "\t@<true/>")),
     doc(TRACK_TRUE + domains("ads.example.com"))),
    ("domains-without-tracking", "app", doc(TRACK_FALSE + domains("@<string>ads.example.com</string>")),
     doc(TRACK_FALSE + domains())),
    ("invalid-tracking-domain", "app",
     doc(TRACK_TRUE + domains("@<string>https://ads.example.com/path</string>")),
     doc(TRACK_TRUE + domains("ads.example.com"))),
    ("duplicate-tracking-domain", "app",
     doc(TRACK_TRUE + domains("ads.example.com", "@<string>ads.example.com</string>")),
     doc(TRACK_TRUE + domains("ads.example.com", "t.example.com"))),
    ("padded-identifier", "app",
     doc(api(UD, "@<string> CA92.1</string>")),
     doc(api(UD, "CA92.1"))),
]


def write(tmp_path: Path, text: str,
          name: str = "PrivacyInfo.xcprivacy") -> Tuple[Path, Optional[Tuple[int, int]]]:
    where = None
    if "@" in text:
        i = text.index("@")
        before = text[:i]
        where = (before.count("\n") + 1, i - (before.rfind("\n") + 1) + 1)
        text = text[:i] + text[i + 1:]
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p, where


@pytest.mark.parametrize("rule,kind,bad,near", CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_at_the_marked_place(tmp_path: Path, rule: str, kind: str, bad: str,
                                           near: str) -> None:
    p, where = write(tmp_path, bad)
    found = [d for d in lint_file(str(p), kind) if d.rule == rule]
    assert found, f"{rule} not reported for:\n{p.read_text()}"
    assert (found[0].line, found[0].column) == where
    assert found[0].severity == get(rule).severity
    assert found[0].message and found[0].hint


@pytest.mark.parametrize("rule,kind,bad,near", CASES, ids=[c[0] for c in CASES])
def test_near_case_is_clean_for_the_rule(tmp_path: Path, rule: str, kind: str, bad: str,
                                         near: str) -> None:
    p, _ = write(tmp_path, near)
    assert [d for d in lint_file(str(p), kind) if d.rule == rule] == []


def test_every_rule_has_a_case_and_the_issue_names_all_exist() -> None:
    required = """not-well-formed forbidden-dtd not-a-plist root-not-dict unknown-key wrong-type
    missing-key empty-value unknown-api-category unknown-reason reason-wrong-category
    sdk-only-reason empty-reasons duplicate-api-category duplicate-reason unknown-data-type
    unknown-purpose empty-purposes duplicate-data-type duplicate-purpose tracking-without-domains
    domains-without-tracking invalid-tracking-domain duplicate-tracking-domain
    data-tracking-without-tracking duplicate-key wrong-file-name empty-manifest""".split()
    names = [r.name for r in all_rules() if r.scope == "lint"]
    assert set(required) <= set(names)
    covered = {c[0] for c in CASES} | {"wrong-file-name"}
    assert set(names) == covered


def test_rules_are_documented_data() -> None:
    for r in all_rules():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", r.name)
        assert len(r.explanation) > 80 and r.hint and r.summary
        assert all(re.fullmatch(r"ITMS-9\d{4}", c) for c in r.itms)
        # the explanation says why the severity was chosen
        assert r.severity.value in r.explanation or "error" in r.explanation \
            or "warning" in r.explanation or "note" in r.explanation, r.name


def test_sdk_only_reason_does_not_apply_to_sdk_manifests(tmp_path: Path) -> None:
    p, _ = write(tmp_path, doc(api(UD, "C56D.1")))
    assert [d.rule for d in lint_file(str(p), "sdk")] == []
    assert [d.rule for d in lint_file(str(p), "app")] == ["sdk-only-reason"]


def test_wrong_file_name(tmp_path: Path) -> None:
    p, _ = write(tmp_path, doc(TRACK_FALSE), name="Privacyinfo.xcprivacy")
    found = [d for d in lint_file(str(p)) if d.rule == "wrong-file-name"]
    assert len(found) == 1 and found[0].line is None and "Privacyinfo" in found[0].message
    ok, _ = write(tmp_path, doc(TRACK_FALSE))
    assert lint_file(str(ok)) == []


def test_hints_name_the_right_answer(tmp_path: Path) -> None:
    p, _ = write(tmp_path, doc(api(DS, "CA92.1")))
    (d,) = lint_file(str(p))
    assert "declare CA92.1 under NSPrivacyAccessedAPICategoryUserDefaults" in d.hint
    p, _ = write(tmp_path, doc(data("NSPrivacyCollectedDataTypePhotosOrVideos", [P]),
                                data_types=False))
    (d,) = lint_file(str(p))
    assert '"NSPrivacyCollectedDataTypePhotosorVideos"' in d.hint


def test_by_itms_finds_the_predicting_rules() -> None:
    assert {r.name for r in by_itms("ITMS-91055")} == {"unknown-reason", "reason-wrong-category"}
    assert [r.name for r in by_itms("91064")] == ["domains-without-tracking"]


def test_docs_rules_table_is_generated_from_the_rules() -> None:
    """Regenerate docs/rules.md's table with `trtc-privacy rules --format markdown` between the
    markers."""
    from helpers import REPO

    from trtc_privacy.lint.rules import markdown_table

    readme = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    begin, end = "<!-- rules-table:begin -->\n", "<!-- rules-table:end -->"
    assert begin in readme and end in readme
    table = readme.split(begin, 1)[1].split(end, 1)[0]
    assert table == markdown_table()
    for r in all_rules():
        assert f"`{r.name}`" in table
