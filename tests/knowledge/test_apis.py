"""The required-reason API catalogue (data/apis.json): complete, sourced, and looked up exactly."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import FrozenSet

from trtc_privacy.knowledge import apis
from trtc_privacy.knowledge.apple import vocabulary as apple
from trtc_privacy.knowledge.resources import data_dir

FT = "NSPrivacyAccessedAPICategoryFileTimestamp"
DS = "NSPrivacyAccessedAPICategoryDiskSpace"
UD = "NSPrivacyAccessedAPICategoryUserDefaults"


def raw() -> dict:
    return json.loads((data_dir() / "apis.json").read_text(encoding="utf-8"))


def test_every_category_of_apples_vocabulary_has_binary_and_source_forms() -> None:
    cat = apis.catalogue()
    for category in apple().categories:
        assert any(category in e.categories for e in cat.binary), category
        assert any(category in e.categories for e in cat.source), category
    assert set(cat.categories()) == set(apple().categories)


def test_schema_and_sources() -> None:
    doc = raw()
    assert set(doc) >= {"about", "read_on", "sources", "apis", "kinds", "matches"}
    names = set()
    for a in doc["apis"]:
        assert a["status"] in apis.STATUSES and a["source"], a
        assert a["categories"] and set(a["categories"]) <= set(apple().categories), a
        assert a["binary"] or a["source_forms"], a
        for b in a["binary"]:
            assert b["kind"] in apis.BINARY_KINDS and b["kind"] in doc["kinds"], b
            assert b.get("status", a["status"]) in apis.STATUSES
            assert b["symbol"] not in names, f"{b['symbol']} listed twice"
            names.add(b["symbol"])
        for s in a["source_forms"]:
            assert s["match"] in apis.SOURCE_MATCHES and s["match"] in doc["matches"], s
            if s["match"] in ("implicit", "property"):
                assert s.get("context"), s
    for e in apis.catalogue().binary + apis.catalogue().source:
        assert e.source and e.status in apis.STATUSES, e
        # a source key is resolved to its text; a bare key left over would be a typo
        assert e.source not in doc["sources"], e


def test_every_derived_form_says_where_it_comes_from() -> None:
    """A derived form is not on Apple's list, so its source cannot be Apple's list either."""
    doc = raw()
    apple_sources = {doc["sources"]["apple-list"], doc["sources"]["apple-symbol"]}
    for e in apis.catalogue().binary + apis.catalogue().source:
        if e.status == "derived":
            assert e.source not in apple_sources, e


#: Derived binary forms found missing by the real-binary trial (issue 22), with their API
DERIVED = {
    "_kCFURLVolumeAvailableCapacityForImportantUsageKey":
        "volumeAvailableCapacityForImportantUsageKey",
    "_kCFURLVolumeAvailableCapacityForOpportunisticUsageKey":
        "volumeAvailableCapacityForOpportunisticUsageKey",
    "17URLResourceValuesV23volumeAvailableCapacity": "volumeAvailableCapacityKey",
    "17URLResourceValuesV40volumeAvailableCapacityForImportantUsage":
        "volumeAvailableCapacityForImportantUsageKey",
    "17URLResourceValuesV44volumeAvailableCapacityForOpportunisticUsage":
        "volumeAvailableCapacityForOpportunisticUsageKey",
    "17URLResourceValuesV19volumeTotalCapacity": "volumeTotalCapacityKey",
    "_OBJC_METACLASS_$_NSUserDefaults": "UserDefaults",
}


def test_derived_forms_of_the_real_binary_trial() -> None:
    forms = {e.form: e for e in apis.catalogue().binary}
    for form, api in DERIVED.items():
        e = forms[form]
        assert (e.api, e.status) == (api, "derived"), e
        assert e.categories == ((UD,) if api == "UserDefaults" else (DS,)), e
        # a Swift token's length prefix is the length of the name after it
        m = re.fullmatch(r"17URLResourceValuesV(\d+)(\w+)", form)
        assert m is None or int(m.group(1)) == len(m.group(2)), form
    spellings = {e.form: e for e in apis.catalogue().source}
    for usage in ("Important", "Opportunistic"):
        cf = spellings[f"kCFURLVolumeAvailableCapacityFor{usage}UsageKey"]
        assert (cf.status, cf.categories) == ("derived", (DS,))


def test_derived_forms_are_looked_up_as_imports() -> None:
    """The CF keys exactly; the Swift getters inside their mangled imports; the metaclass
    exactly (a subclass of one's own named NSUserDefaultsX is not NSUserDefaults)."""
    for name, api in (
            ("_kCFURLVolumeAvailableCapacityForImportantUsageKey",
             "volumeAvailableCapacityForImportantUsageKey"),
            ("_$s10Foundation17URLResourceValuesV23volumeAvailableCapacitySiSgvg",
             "volumeAvailableCapacityKey"),
            ("_$s10Foundation17URLResourceValuesV40volumeAvailableCapacityForImportantUsages5"
             "Int64VSgvg", "volumeAvailableCapacityForImportantUsageKey"),
            ("_$s10Foundation17URLResourceValuesV44volumeAvailableCapacityForOpportunisticUsages5"
             "Int64VSgvg", "volumeAvailableCapacityForOpportunisticUsageKey"),
            ("_$s10Foundation17URLResourceValuesV19volumeTotalCapacitySiSgvg",
             "volumeTotalCapacityKey"),
            ("_OBJC_METACLASS_$_NSUserDefaults", "UserDefaults")):
        hit = apis.category_of_symbol(name)
        assert hit is not None and hit.api == api, name
    for decoy in ("_OBJC_METACLASS_$_NSUserDefaultsController",
                  "_$s10Foundation17URLResourceValuesV17volumeIsRemovableSbSgvg",
                  "_kCFURLVolumeAvailableCapacityForImportantUsageKeyX"):
        assert apis.category_of_symbol(decoy) is None, decoy


def test_apples_listed_symbols_are_all_there() -> None:
    """Apple's list as concrete binary symbols: 13 + 2 + 13 + 1 + 1 (getattrlist* in two)."""
    by_cat: dict = {}
    for e in apis.catalogue().binary:
        if e.status == "apple":
            for c in e.categories:
                by_cat.setdefault(c, set()).add(e.form)
    assert len(by_cat[FT]) == 13 and len(by_cat[DS]) == 13
    assert by_cat["NSPrivacyAccessedAPICategorySystemBootTime"] == {"_mach_absolute_time",
                                                                   "systemUptime"}
    assert by_cat["NSPrivacyAccessedAPICategoryActiveKeyboards"] == {"activeInputModes"}
    assert by_cat["NSPrivacyAccessedAPICategoryUserDefaults"] == {"_OBJC_CLASS_$_NSUserDefaults"}


def test_lookups() -> None:
    assert apis.category_of_symbol("_getattrlist").categories == (FT, DS)
    assert apis.category_of_symbol("_stat$INODE64").status == "derived"
    assert apis.category_of_symbol("_stat").status == "apple"
    for decoy in ("_my_lstat", "_vm_stat", "stat", "_statx_like",
                  "_OBJC_CLASS_$_NSUserDefaultsController", "_NSFileCreationDateX"):
        assert apis.category_of_symbol(decoy) is None, decoy
    assert apis.category_of_symbol("_$s7SwiftUI10AppStorageVMn").api == "AppStorage"
    assert apis.category_of_symbol("_c_function_10AppStorageV") is None  # not Swift-mangled
    assert apis.category_of_selector("systemUptime").api == "systemUptime"
    assert apis.category_of_selector("systemUptime:") is None
    assert apis.category_of_selector("activeInputModes").categories == (
        "NSPrivacyAccessedAPICategoryActiveKeyboards",)


def test_a_selector_stub_import_is_a_send_of_its_selector() -> None:
    """Xcode 14+ objects call ``_objc_msgSend$<selector>`` stubs instead of using selrefs."""
    assert apis.category_of_symbol("_objc_msgSend$systemUptime").api == "systemUptime"
    assert apis.category_of_symbol("_objc_msgSend$activeInputModes").categories == (
        "NSPrivacyAccessedAPICategoryActiveKeyboards",)
    for decoy in ("_objc_msgSend$processInfo", "_objc_msgSend$systemUptime:",
                  "_objc_msgSend$", "objc_msgSend$systemUptime",
                  "_objc_msgSendSuper2$systemUptime", "_objc_msgSend$_stat"):
        assert apis.category_of_symbol(decoy) is None, decoy


@dataclass(frozen=True)
class FakeImage:  # the fields uses_in_images reads, as macho.Image has them
    arch: str
    member: str
    imports: FrozenSet[str]
    selectors: FrozenSet[str]


def test_uses_in_images_one_use_per_category_with_slice_and_member() -> None:
    imgs = [FakeImage("arm64", "rr.o", frozenset({"_getattrlist", "_strlen"}),
                      frozenset({"systemUptime", "init"})),
            FakeImage("armv7", "", frozenset({"_fstat"}), frozenset()),
            FakeImage("arm64", "rr_stubs.o",
                      frozenset({"_objc_msgSend$systemUptime", "_objc_msgSend$processInfo"}),
                      frozenset())]
    uses = apis.uses_in_images(imgs, "libRR.a")  # type: ignore[arg-type]
    got = sorted((u.category.replace("NSPrivacyAccessedAPICategory", ""), u.evidence.describe())
                 for u in uses)
    assert got == [("DiskSpace", "libRR.a (arm64, rr.o): _getattrlist"),
                   ("FileTimestamp", "libRR.a (arm64, rr.o): _getattrlist"),
                   ("FileTimestamp", "libRR.a (armv7): _fstat"),
                   ("SystemBootTime", "libRR.a (arm64, rr.o): systemUptime"),
                   ("SystemBootTime", "libRR.a (arm64, rr_stubs.o): _objc_msgSend$systemUptime")]
