"""The pure merge: fold manifests into one, with no duplicates, remembering who declared what.

Nothing here touches files. The first manifest is the app's: its entries keep their place and
order; entries and values it lacks are appended in input order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from trtc_privacy.model import ApiType, DataType, Manifest

Decl = Tuple[str, ...]


@dataclass
class Contribution:
    """What one input brought: declarations new to the result, and ones already there."""

    label: str
    added: List[Decl] = field(default_factory=list)
    already: List[Decl] = field(default_factory=list)


@dataclass
class MergeResult:
    target: Manifest
    contributions: List[Contribution]
    attribution: Dict[Decl, List[str]]  # declaration -> labels of every input that made it


def _any(values: Sequence[Optional[bool]]) -> Optional[bool]:
    given = [v for v in values if v is not None]
    return any(given) if given else None


def _union(into: List[str], values: Sequence[str]) -> None:
    for v in values:
        if v not in into:
            into.append(v)


def merge(manifests: Sequence[Manifest]) -> MergeResult:
    """Union of every input: tracking is true if any says so, lists are unions, first one wins order."""
    target = Manifest(label=manifests[0].label if manifests else "")
    data: Dict[str, DataType] = {}
    apis: Dict[str, ApiType] = {}
    for m in manifests:
        if m.tracking is not None:
            target.tracking = bool(target.tracking) or m.tracking
        if m.domains is not None:
            target.domains = target.domains if target.domains is not None else []
            _union(target.domains, m.domains)
        if m.data_types is not None:
            target.data_types = target.data_types if target.data_types is not None else []
            for dt in m.data_types:
                have = data.get(dt.type)
                if have is None:
                    have = data[dt.type] = DataType(dt.type, element=dt.element)
                    target.data_types.append(have)
                have.linked = _any([have.linked, dt.linked])
                have.tracking = _any([have.tracking, dt.tracking])
                _union(have.purposes, dt.purposes)
        if m.api_types is not None:
            target.api_types = target.api_types if target.api_types is not None else []
            for api in m.api_types:
                have_api = apis.get(api.category)
                if have_api is None:
                    have_api = apis[api.category] = ApiType(api.category, element=api.element)
                    target.api_types.append(have_api)
                _union(have_api.reasons, api.reasons)

    attribution: Dict[Decl, List[str]] = {}
    contributions: List[Contribution] = []
    for m in manifests:
        c = Contribution(m.label)
        for decl in dict.fromkeys(m.declarations()):
            who = attribution.setdefault(decl, [])
            (c.already if who else c.added).append(decl)
            if m.label not in who:
                who.append(m.label)
        contributions.append(c)
    return MergeResult(target, contributions, attribution)


def describe(decl: Decl) -> str:
    """A declaration in words, for summaries."""
    kind = decl[0]
    if kind == "tracking":
        return "NSPrivacyTracking = true"
    if kind == "domain":
        return f"tracking domain {decl[1]}"
    if kind == "data-type":
        return f"data type {_short(decl[1])}"
    if kind == "linked":
        return f"{_short(decl[1])} linked to the user"
    if kind == "data-tracking":
        return f"{_short(decl[1])} used for tracking"
    if kind == "purpose":
        return f"{_short(decl[1])} purpose {_short(decl[2])}"
    if kind == "api":
        return f"API category {_short(decl[1])}"
    if kind == "reason":
        return f"{_short(decl[1])} reason {decl[2]}"
    return " ".join(decl)


def _short(ident: str) -> str:
    for prefix in ("NSPrivacyCollectedDataTypePurpose", "NSPrivacyCollectedDataType",
                   "NSPrivacyAccessedAPICategory"):
        if ident.startswith(prefix) and len(ident) > len(prefix):
            return ident[len(prefix):]
    return ident
