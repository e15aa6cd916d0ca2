"""usage.compare: what each bundle uses against the manifests covering it (scan's and audit's)."""

from __future__ import annotations

from trtc_privacy.diagnostics import Severity
from trtc_privacy.linter import Selection
from trtc_privacy.usage import Bundle, Evidence, Use, compare, reasons_text

FT = "NSPrivacyAccessedAPICategoryFileTimestamp"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"
UD = "NSPrivacyAccessedAPICategoryUserDefaults"


def use(cat: str, path: str, symbol: str, line=None, arch="") -> Use:
    return Use(cat, Evidence(path, line, 3 if line else None, arch=arch, symbol=symbol))


def app(uses, declared) -> Bundle:
    return Bundle("the app", "the app's executable", True, uses,
                  {c: (None, None) for c in declared}, "App/PrivacyInfo.xcprivacy")


def fw(name: str, uses, declared) -> Bundle:
    return Bundle(f"{name}.framework", f"Frameworks/{name}.framework/{name}", False, uses,
                  None if declared is None else {c: (7, 4) for c in declared},
                  f"Pods/{name}.framework/PrivacyInfo.xcprivacy")


def test_app_use_not_declared_is_an_itms_91053_error_with_all_evidence() -> None:
    b = app([use(UD, "App/A.swift", "UserDefaults", 4), use(UD, "App/B.m", "NSUserDefaults", 9),
             use(UD, "App/A.swift", "UserDefaults", 4)], [])
    [d] = compare([b])
    assert (d.rule, d.severity, d.itms) == ("api-not-declared", Severity.ERROR, "ITMS-91053")
    assert d.path == "App/PrivacyInfo.xcprivacy"
    assert d.evidence == ("App/A.swift:4:3: UserDefaults", "App/B.m:9:3: NSUserDefaults")
    assert "CA92.1" in d.hint and "C56D.1" not in d.hint  # never an SDK-only reason for an app


def test_framework_gap_names_its_manifest_and_offers_sdk_reasons() -> None:
    f = fw("TXFFmpeg", [use(FT, "TXFFmpeg", "_fstat", arch="arm64")], [BT])
    diags = compare([app([], []), f])
    [err] = [d for d in diags if d.rule == "api-not-declared"]
    assert "Frameworks/TXFFmpeg.framework/TXFFmpeg uses File timestamp" in err.message
    assert err.path == "Pods/TXFFmpeg.framework/PrivacyInfo.xcprivacy"
    assert err.evidence == ("TXFFmpeg (arm64): _fstat",)
    assert "0A2A.1 [third-party SDKs only]" in err.hint
    [note] = [d for d in diags if d.rule == "api-declared-not-used"]
    assert (note.line, note.column, note.severity) == (7, 4, Severity.NOTE)
    assert BT in note.message


def test_framework_covered_only_by_the_app_is_a_warning() -> None:
    f = fw("Kit", [use(UD, "Kit", "_OBJC_CLASS_$_NSUserDefaults")], None)
    diags = compare([app([], [UD]), f])
    assert [(d.rule, d.severity) for d in diags] == [("api-declared-by-app-only",
                                                      Severity.WARNING)]
    # the app's declaration is used (by the framework): no declared-not-used note


def test_declared_by_own_manifest_is_quiet() -> None:
    f = fw("Kit", [use(FT, "Kit", "_stat")], [FT])
    assert compare([app([use(BT, "a.c", "mach_absolute_time", 1)], [BT]), f]) == []


def test_one_use_in_two_categories_gives_two_findings() -> None:
    ev = Evidence("libX.a", arch="arm64", symbol="_getattrlist")
    b = app([Use(FT, ev), Use("NSPrivacyAccessedAPICategoryDiskSpace", ev)], [FT])
    [d] = compare([b])
    assert "Disk space" in d.message


def test_selection_turns_rules_off_and_changes_severity() -> None:
    b = app([use(UD, "a.m", "NSUserDefaults", 1)], [BT])
    assert {d.rule for d in compare([b])} == {"api-not-declared", "api-declared-not-used"}
    sel = Selection(ignore={"api-declared-not-used"}, severity={"api-not-declared": "warning"})
    [d] = compare([b], sel)
    assert d.severity is Severity.WARNING


def test_reasons_text_comes_from_apples_catalogue() -> None:
    assert "C617.1" in reasons_text(FT, for_app=True)
    assert "0A2A.1" not in reasons_text(FT, for_app=True)
    assert "0A2A.1" in reasons_text(FT, for_app=False)
