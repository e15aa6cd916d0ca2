"""Apple's privacy-manifest vocabulary, read from ``data/apple.json`` (knowledge is data)."""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from trtc_privacy.knowledge.resources import apple_vocabulary
from trtc_privacy.records import FrozenRecord

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


class Reason(FrozenRecord):
    """A required-reason code: its API category, Apple's summary, whether only SDKs may use it."""

    __fields__ = ("code", "category", "summary", "sdk_only")
    code: str
    category: str
    summary: str
    sdk_only: bool

    def __init__(self, code: str, category: str, summary: str, sdk_only: bool) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "code", code)
        setattr_(self, "category", category)
        setattr_(self, "summary", summary)
        setattr_(self, "sdk_only", sdk_only)


class Vocabulary(FrozenRecord):
    """Apple's vocabulary, read once (immutable, compared by field, as a frozen dataclass)."""

    __fields__ = ("read_on", "sources", "categories", "reasons", "data_types", "purposes",
                  "top_keys", "data_keys", "api_keys", "descriptions", "category_order",
                  "app_type_reasons")
    read_on: str
    sources: Tuple[str, ...]
    categories: Dict[str, str]  # id -> label
    reasons: Dict[str, Reason]  # code -> reason
    data_types: Dict[str, Tuple[str, str]]  # id -> (label, App Store category)
    purposes: Dict[str, str]  # id -> label
    top_keys: Dict[str, str]
    data_keys: Dict[str, str]
    api_keys: Dict[str, str]
    #: data type id -> Apple's description of it (App Store Connect's wording)
    descriptions: Dict[str, str]
    #: App Store categories in the order App Store Connect lists them
    category_order: Tuple[str, ...]
    #: reason code -> the kind of app it is reserved for (B728.1 health research ...)
    app_type_reasons: Dict[str, str]

    def __init__(self, read_on: str, sources: Tuple[str, ...], categories: Dict[str, str],
                 reasons: Dict[str, Reason], data_types: Dict[str, Tuple[str, str]],
                 purposes: Dict[str, str], top_keys: Dict[str, str], data_keys: Dict[str, str],
                 api_keys: Dict[str, str], descriptions: Dict[str, str],
                 category_order: Tuple[str, ...], app_type_reasons: Dict[str, str]) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "read_on", read_on)
        setattr_(self, "sources", sources)
        setattr_(self, "categories", categories)
        setattr_(self, "reasons", reasons)
        setattr_(self, "data_types", data_types)
        setattr_(self, "purposes", purposes)
        setattr_(self, "top_keys", top_keys)
        setattr_(self, "data_keys", data_keys)
        setattr_(self, "api_keys", api_keys)
        setattr_(self, "descriptions", descriptions)
        setattr_(self, "category_order", category_order)
        setattr_(self, "app_type_reasons", app_type_reasons)

    def reasons_for(self, category: str) -> List[str]:
        return [r.code for r in self.reasons.values() if r.category == category]

    def category_label(self, category: str) -> str:
        return self.categories.get(category, category)


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    raw = apple_vocabulary()
    reasons: Dict[str, Reason] = {}
    for cat in raw["api_categories"]:
        for r in cat["reasons"]:
            reasons[r["code"]] = Reason(r["code"], cat["id"], r["summary"], bool(r["sdk_only"]))
    return Vocabulary(
        read_on=raw["read_on"],
        sources=tuple(raw["sources"]),
        categories={c["id"]: c["label"] for c in raw["api_categories"]},
        reasons=reasons,
        data_types={d["id"]: (d["label"], d["category"]) for d in raw["data_types"]},
        purposes={p["id"]: p["label"] for p in raw["purposes"]},
        top_keys=dict(raw["top_level_keys"]),
        data_keys=dict(raw["collected_data_keys"]),
        api_keys=dict(raw["accessed_api_keys"]),
        descriptions={d["id"]: d.get("description", "") for d in raw["data_types"]},
        category_order=tuple(dict.fromkeys(d["category"] for d in raw["data_types"])),
        app_type_reasons={r["code"]: r["app_type"] for c in raw["api_categories"]
                          for r in c["reasons"] if r.get("app_type")},
    )


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
