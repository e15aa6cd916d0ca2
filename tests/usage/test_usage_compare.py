"""usage.compare: what each bundle uses against the manifests covering it (scan's and audit's)."""

from __future__ import annotations

from trtc_privacy.diagnostics import Severity
from trtc_privacy.lint.engine import Selection
from trtc_privacy.usage.uses import BundleUsage, Evidence, Use, compare, reasons_text

FT = "NSPrivacyAccessedAPICategoryFileTimestamp"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"
UD = "NSPrivacyAccessedAPICategoryUserDefaults"


def use(cat: str, path: str, symbol: str, line=None, arch="") -> Use:
    return Use(cat, Evidence(path, line, 3 if line else None, arch=arch, symbol=symbol))


def app(uses, declared) -> BundleUsage:
    return BundleUsage("the app", "the app's executable", True, uses,
                  {c: (None, None) for c in declared}, "App/PrivacyInfo.xcprivacy")


def fw(name: str, uses, declared) -> BundleUsage:
    return BundleUsage(f"{name}.framework", f"Frameworks/{name}.framework/{name}", False, uses,
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


# -- what the caller knows that changes a finding: BundleUsage's resource_declared, platform, complete


def test_a_resource_bundles_declaration_is_named_in_the_hint_never_coverage() -> None:
    b = app([use(BT, "a.c", "mach_absolute_time", 1)], [])
    b.resource_declared = {BT: ("Kit_Privacy.bundle/PrivacyInfo.xcprivacy",),
                           FT: ("Kit_Privacy.bundle/PrivacyInfo.xcprivacy",)}
    [d] = compare([b])  # FT is declared only there and used by nothing: no finding about it
    assert (d.rule, d.severity, d.itms) == ("api-not-declared", Severity.ERROR, "ITMS-91053")
    assert d.hint.startswith("Kit_Privacy.bundle/PrivacyInfo.xcprivacy declares it, but a "
                             "resource bundle's manifest is not counted for the executable; "
                             "declare " + BT)
    b.resource_declared = {BT: ("A.bundle/PrivacyInfo.xcprivacy", "B.bundle/PrivacyInfo.xcprivacy")}
    [d] = compare([b])
    assert d.hint.startswith("A.bundle/PrivacyInfo.xcprivacy, B.bundle/PrivacyInfo.xcprivacy "
                             "declare it, but")
    b.resource_declared = {}
    [d] = compare([b])
    assert d.hint.startswith("declare " + BT)


def test_on_macos_findings_are_made_as_notes_without_an_itms_number() -> None:
    f = fw("StatKit", [use(FT, "StatKit", "_stat"), use(UD, "StatKit", "NSUserDefaults")], [BT])
    f.platform = "macos"
    assert not f.requires_reasons
    diags = {d.rule: d for d in compare([app([], [UD]), f])}
    assert set(diags) == {"api-not-declared", "api-declared-by-app-only", "api-declared-not-used"}
    gap, by_app, unused = (diags["api-not-declared"], diags["api-declared-by-app-only"],
                           diags["api-declared-not-used"])
    for d in (gap, by_app):
        assert (d.severity, d.itms) == (Severity.NOTE, "")
        assert d.message.endswith("(on macOS Apple does not require required-reason "
                                  "declarations, so this is a note)")
    assert "ITMS-91053" not in gap.message and "no manifest covering it declares" in gap.message
    assert "macOS" not in unused.message  # a note already: said as on iOS
    # the configuration's severity still has the last word, as for any finding
    [d] = [x for x in compare([app([], [UD]), f], Selection(severity={"api-not-declared":
                                                                       "error"}))
           if x.rule == "api-not-declared"]
    assert d.severity is Severity.ERROR
    f.platform = "maccatalyst"
    assert {d.severity for d in compare([app([], [UD]), f])} == {Severity.NOTE}
    f.platform = "ios"
    [d] = [x for x in compare([app([], [UD]), f]) if x.rule == "api-not-declared"]
    assert (d.severity, d.itms) == (Severity.ERROR, "ITMS-91053")


def test_a_partly_read_bundle_makes_no_declared_not_used() -> None:
    """What could not be read may use any category, so nothing is said to be unused."""
    f = fw("Store", [use(BT, "Store", "_mach_absolute_time")], [BT, UD])
    assert [d.rule for d in compare([f])] == ["api-declared-not-used"]  # read whole: UD unused
    f.complete = False
    assert compare([f]) == []
    f.uses.append(use(FT, "Store", "_stat"))  # what was seen still counts
    assert [d.rule for d in compare([f])] == ["api-not-declared"]


def test_the_apps_declarations_cover_a_partly_read_framework() -> None:
    a = app([use(BT, "a.c", "mach_absolute_time", 1)], [BT, UD])
    f = fw("Store", [], [])
    assert [d.rule for d in compare([a, f])] == ["api-declared-not-used"]
    f.complete = False  # UD may be used by the framework's unreadable part, covered by the app
    assert compare([a, f]) == []
    f.complete, a.complete = True, False
    assert compare([a, f]) == []
    f.declared = {UD: (3, 1)}  # the app is still partly read: only the framework's own note,
    # since the framework was read whole and its manifest covers only itself
    assert [(d.rule, d.path) for d in compare([a, f])] == [
        ("api-declared-not-used", "Pods/Store.framework/PrivacyInfo.xcprivacy")]


def test_the_apps_binary_use_covered_only_by_an_sdk_only_reason_is_a_warning() -> None:
    """audit's case: the app's executable calls stat, and its manifest gives only 0A2A.1."""
    from trtc_privacy.manifest.model import ApiType, Manifest
    from trtc_privacy.usage.audit import Read, _reasons

    reasons = _reasons([Read(None, Manifest(api_types=[ApiType(FT, ["0A2A.1"])])),  # type: ignore[arg-type]
                        Read(None, None)])  # type: ignore[arg-type]
    b = app([use(FT, "App.app/App", "_stat", arch="arm64")], [FT])
    b.reasons = reasons
    [d] = compare([b])
    assert (d.rule, d.severity) == ("api-declared-sdk-only", Severity.WARNING)
    assert d.evidence == ("App.app/App (arm64): _stat",)
    assert "C617.1" in d.hint and "0A2A.1" not in d.hint
    b.reasons = {FT: ("0A2A.1", "C617.1")}
    assert compare([b]) == []
