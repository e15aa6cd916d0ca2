"""Apple's privacy-manifest vocabulary, read from ``data/apple.json`` (knowledge is data)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Final, List, Optional, Tuple

from trtc_privacy.knowledge.resources import apple_vocabulary

#: The one file name Apple reads a privacy manifest from, in an app or an SDK bundle.
MANIFEST_NAME = "PrivacyInfo.xcprivacy"

TRACKING = "NSPrivacyTracking"
DOMAINS = "NSPrivacyTrackingDomains"
DATA_TYPES = "NSPrivacyCollectedDataTypes"
API_TYPES = "NSPrivacyAccessedAPITypes"
DATA_TYPE = "NSPrivacyCollectedDataType"
LINKED = "NSPrivacyCollectedDataTypeLinked"
DATA_TRACKING = "NSPrivacyCollectedDataTypeTracking"
PURPOSES = "NSPrivacyCollectedDataTypePurposes"
API_TYPE = "NSPrivacyAccessedAPIType"
REASONS = "NSPrivacyAccessedAPITypeReasons"

#: Top-level keys in the order Xcode's template writes them (and new sections are added in).
TOP_KEYS = (TRACKING, DOMAINS, DATA_TYPES, API_TYPES)


class Reason:
    """A required-reason code: its API category, Apple's summary, whether only SDKs may use it."""

    __slots__ = ("code", "category", "summary", "sdk_only")

    def __init__(self, code: str, category: str, summary: str, sdk_only: bool) -> None:
        self.code: Final = code
        self.category: Final = category
        self.summary: Final = summary
        self.sdk_only: Final = sdk_only


class Vocabulary:
    """Apple's vocabulary, read once from ``data/apple.json`` (shared: nobody changes it)."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self.read_on: Final[str] = raw["read_on"]
        self.sources: Final[Tuple[str, ...]] = tuple(raw["sources"])
        #: API category id -> label
        self.categories: Final[Dict[str, str]] = {
            c["id"]: c["label"] for c in raw["api_categories"]}
        #: reason code -> reason
        self.reasons: Final[Dict[str, Reason]] = {
            r["code"]: Reason(r["code"], c["id"], r["summary"], bool(r["sdk_only"]))
            for c in raw["api_categories"] for r in c["reasons"]}
        #: data type id -> (label, App Store category)
        self.data_types: Final[Dict[str, Tuple[str, str]]] = {
            d["id"]: (d["label"], d["category"]) for d in raw["data_types"]}
        #: purpose id -> label
        self.purposes: Final[Dict[str, str]] = {p["id"]: p["label"] for p in raw["purposes"]}
        self.top_keys: Final[Dict[str, str]] = dict(raw["top_level_keys"])
        self.data_keys: Final[Dict[str, str]] = dict(raw["collected_data_keys"])
        self.api_keys: Final[Dict[str, str]] = dict(raw["accessed_api_keys"])
        #: data type id -> Apple's description of it (App Store Connect's wording)
        self.descriptions: Final[Dict[str, str]] = {
            d["id"]: d.get("description", "") for d in raw["data_types"]}
        #: App Store categories in the order App Store Connect lists them
        self.category_order: Final[Tuple[str, ...]] = tuple(
            dict.fromkeys(d["category"] for d in raw["data_types"]))
        #: reason code -> the kind of app it is reserved for (B728.1 health research ...)
        self.app_type_reasons: Final[Dict[str, str]] = {
            r["code"]: r["app_type"] for c in raw["api_categories"] for r in c["reasons"]
            if r.get("app_type")}

    def reasons_for(self, category: str) -> List[str]:
        return [r.code for r in self.reasons.values() if r.category == category]

    def category_label(self, category: str) -> str:
        return self.categories.get(category, category)


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    return Vocabulary(apple_vocabulary())


def _squash(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def near_miss(value: str, known: Dict[str, str], prefix: str = "") -> Optional[str]:
    """The known identifier a misspelt one most likely means, or None.

    Matches ignoring case, spaces and punctuation, against the identifier, the identifier without
    its common prefix, and its human label ("App functionality" -> ...PurposeAppFunctionality).
    """
    sq = _squash(value)
    if not sq:
        return None
    hit = _squashed(tuple(known.items()), prefix).get(sq)
    if hit:
        return hit
    import difflib

    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.9)
    return close[0] if close else None


@lru_cache(maxsize=32)
def _squashed(known: Tuple[Tuple[str, str], ...], prefix: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for ident, label in known:
        short = ident[len(prefix):] if prefix and ident.startswith(prefix) else ident
        for form in (ident, short, label):
            out.setdefault(_squash(form), ident)
    return out


def host_key(domain: str) -> str:
    """What makes two tracking domains one host: letter case does not count (host names are
    case-insensitive), so ADS.example.com and ads.example.com are one."""
    return domain.lower()
