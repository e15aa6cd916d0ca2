"""The pure merge: fold manifests into one, with no duplicates, remembering who declared what.

Nothing here touches files. The first manifest is the app's: its entries keep their place and
order; entries and values it lacks are appended in input order.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from trtc_privacy.knowledge.apple import host_key
from trtc_privacy.manifest.model import ApiType, DataType, Manifest

Decl = Tuple[str, ...]


class Contribution:
    """What one input brought: declarations new to the result, and ones already there."""

    def __init__(self, label: str, added: Optional[List[Decl]] = None,
                 already: Optional[List[Decl]] = None) -> None:
        self.label = label
        self.added: List[Decl] = [] if added is None else added
        self.already: List[Decl] = [] if already is None else already


class MergeResult:
    """The merged manifest, what each input brought, and who declared each declaration."""

    def __init__(self, target: Manifest, contributions: List[Contribution],
                 attribution: Dict[Decl, Tuple[str, ...]]) -> None:
        self.target = target
        self.contributions = contributions
        #: declaration -> labels of every input that made it (declarations one input alone
        #: made share one tuple: an app's 100,000 domains cost no list each)
        self.attribution = attribution


def _any(values: Sequence[Optional[bool]]) -> Optional[bool]:
    given = [v for v in values if v is not None]
    return any(given) if given else None


class _Union:
    """A list that keeps insertion order and refuses repeats in constant time per value.

    ``same`` says which values are one: identity for identifiers (compared exactly, as Apple
    does), lower case for tracking domains (host names are case-insensitive; the first
    spelling is kept).
    """

    def __init__(self, into: List[str], same: Callable[[str], str] = str) -> None:
        self.into, self.same = into, same
        self.seen: Set[str] = {same(v) for v in into}

    def add(self, values: Sequence[str]) -> None:
        seen, into, same = self.seen, self.into, self.same
        for v in values:
            k = same(v)
            if k not in seen:
                seen.add(k)
                into.append(v)




def merge(manifests: Sequence[Manifest]) -> MergeResult:
    """Union of every input: tracking is true if any says so, lists are unions, first one wins order."""
    target = Manifest(label=manifests[0].label if manifests else "")
    data: Dict[str, DataType] = {}
    apis: Dict[str, ApiType] = {}
    domains: Optional[_Union] = None
    purposes: Dict[str, _Union] = {}
    reasons: Dict[str, _Union] = {}
    for m in manifests:
        if m.tracking is not None:
            target.tracking = bool(target.tracking) or m.tracking
        if m.domains is not None:
            if domains is None:
                target.domains = []
                domains = _Union(target.domains, host_key)
            domains.add(m.domains)
        if m.data_types is not None:
            target.data_types = target.data_types if target.data_types is not None else []
            for dt in m.data_types:
                have = data.get(dt.type)
                if have is None:
                    have = data[dt.type] = DataType(dt.type, element=dt.element)
                    target.data_types.append(have)
                    purposes[dt.type] = _Union(have.purposes)
                have.linked = _any([have.linked, dt.linked])
                have.tracking = _any([have.tracking, dt.tracking])
                purposes[dt.type].add(dt.purposes)
        if m.api_types is not None:
            target.api_types = target.api_types if target.api_types is not None else []
            for api in m.api_types:
                have_api = apis.get(api.category)
                if have_api is None:
                    have_api = apis[api.category] = ApiType(api.category, element=api.element)
                    target.api_types.append(have_api)
                    reasons[api.category] = _Union(have_api.reasons)
                reasons[api.category].add(api.reasons)

    attribution: Dict[Decl, Tuple[str, ...]] = {}
    contributions: List[Contribution] = []
    spelling: Dict[str, str] = {}
    earlier: Set[str] = set()  # labels of the inputs before this one
    for m in manifests:
        label = m.label
        c = Contribution(label)
        added, already = c.added, c.already
        repeated = label in earlier  # the same input named twice: list it once per decl
        earlier.add(label)
        alone = (label,)
        for decl in dict.fromkeys(_folded(m.declarations(), spelling)):
            who = attribution.get(decl)
            if who is None:  # one look-up per declaration: an app's 100,000 domains are new
                attribution[decl] = alone
                added.append(decl)
            else:
                already.append(decl)
                if not repeated or label not in who:
                    attribution[decl] = who + alone
        contributions.append(c)
    return MergeResult(target, contributions, attribution)


def _folded(decls: Iterable[Decl], spelling: Dict[str, str]) -> Iterator[Decl]:
    """Declarations with each tracking domain in the first spelling seen of its host
    (``spelling``: host_key -> that spelling), so that one host is one declaration."""
    first = spelling.setdefault
    for d in decls:
        if d[0] == "domain":
            shown = first(host_key(d[1]), d[1])
            if shown is not d[1]:
                d = ("domain", shown)
        yield d


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
