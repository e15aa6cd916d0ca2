"""The vendor catalogue: every pod of Tencent's RTC and Chat family, what each version ships as its
privacy manifest, and the evidence for each fact, read from ``manifests/catalogue.json``.

This module only reads and checks the data; what a pod at a version ships, and what a Podfile
naming a product resolves, is ``trtc_privacy.knowledge.resolve``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from packaging.version import InvalidVersion, Version

from trtc_privacy.diagnostics import Severity
from trtc_privacy.knowledge.resources import manifests_dir, vendor_catalogue

#: what a version range ships: a manifest whose content is known, none, or one not seen
SHIPS, NONE, UNKNOWN = "manifest", "none", "unknown"


def parse_version(text: str, scheme: str = "plain") -> Version:
    """A comparable version; raises ValueError for text that is not one.

    The TRTC SDK (``liteav`` scheme) writes one version two ways, ``12.8.19666`` on CocoaPods and
    ``12.8.0.19666`` in its framework: a four-part version whose third part is 0 drops it.
    """
    t = text.strip().lstrip("vV")
    if not re.fullmatch(r"\d+(\.\d+)*", t):
        raise ValueError(f"\"{text}\" is not a version (expected numbers separated by dots)")
    parts = t.split(".")
    if scheme == "liteav" and len(parts) == 4 and parts[2] == "0":
        parts = parts[:2] + parts[3:]
    try:
        return Version(".".join(parts))
    except InvalidVersion:  # pragma: no cover - the pattern above admits only valid ones
        raise ValueError(f"\"{text}\" is not a version") from None


@dataclass(frozen=True)
class Source:
    """Where facts come from: a document, a repository's history, a registry."""

    id: str
    title: str
    urls: Tuple[str, ...]
    date: str


@dataclass(frozen=True)
class ManifestFile:
    """One distinct manifest content, as a data file under ``manifests/``."""

    id: str
    path: str
    declares: str
    source: str
    evidence: str

    @property
    def file(self) -> Path:
        return manifests_dir() / self.path


@dataclass(frozen=True)
class Shipped:
    """A manifest a pod carries, and where in the pod (``at``); ``fold`` is false for a copy
    Apple does not read (TIMPush's in ``Headers/``)."""

    manifest: str
    at: str
    subspec: str = ""
    fold: bool = True
    note: str = ""


@dataclass(frozen=True)
class Range:
    """Versions of a pod and what they ship. ``kind`` is ``from`` (inclusive), ``after``
    (exclusive), ``only`` (that version) or empty (every version before the next range)."""

    kind: str
    start: str
    ships: str
    manifests: Tuple[Shipped, ...]
    stand_in: Tuple[Shipped, ...]
    delivery: str
    source: str
    evidence: str

    @property
    def bound(self) -> str:
        """How the range is written: ``from 2.3.0``, ``after 3.7.0.418``, ``only 11.7.12001``."""
        return f"{self.kind} {self.start}" if self.kind else "earlier versions"


@dataclass(frozen=True)
class Window:
    """A version window of the dependent pod for a dependency edge or a default subspec."""

    start: str = ""  # inclusive
    before: str = ""  # exclusive


@dataclass(frozen=True)
class Edge:
    """A dependency a Podfile resolves: from the dependent (at versions in ``window``, with
    subspec ``subspec`` when set) on pod ``on`` (subspec ``on_subspec``, ``{subspec}`` being the
    dependent's), at ``requirement`` (``>= X``, ``~> X``, ``= X``, with ``{version}``,
    ``{major}``, ``{minor}`` standing for the dependent's version)."""

    on: str
    requirement: str
    subspec: str
    on_subspec: str
    window: Window
    source: str
    evidence: str


@dataclass(frozen=True)
class Package:
    """A Swift package that brings a pod; ``own_tags``: its tags are not the pod's versions."""

    url: str
    own_tags: bool
    source: str
    evidence: str


@dataclass(frozen=True)
class Checked:
    version: str
    source: str
    evidence: str


@dataclass(frozen=True)
class Pod:
    name: str
    kind: str
    scheme: str
    former_names: Tuple[str, ...]
    subspecs: Tuple[str, ...]
    subspec_notes: Dict[str, str] = field(compare=False, hash=False)
    packages: Tuple[Package, ...] = ()
    default_subspec: Tuple[Tuple[Window, str, str, str], ...] = ()  # window, subspec, source, evidence
    newest_checked: Optional[Checked] = None
    last_version: bool = False
    ranges: Tuple[Range, ...] = ()
    depends: Tuple[Edge, ...] = ()
    note: str = ""
    twin: str = ""

    @property
    def names(self) -> Tuple[str, ...]:
        return (self.name,) + self.former_names

    def version(self, text: str) -> Version:
        return parse_version(text, self.scheme)

    def in_window(self, version: Optional[Version], w: Window) -> bool:
        if version is None:
            return not w.start and not w.before
        if w.start and version < self.version(w.start):
            return False
        return not (w.before and version >= self.version(w.before))

    def range_for(self, version: Version) -> Optional[Range]:
        """The range ``version`` falls in: an ``only`` range naming it, else the last range that
        starts at or before it; None before the first range (or for a pod without ranges)."""
        for r in self.ranges:
            if r.kind == "only" and self.version(r.start) == version:
                return r
        found = None
        for r in self.ranges:
            if r.kind == "only":
                continue
            if not r.kind or (r.kind == "from" and version >= self.version(r.start)) or \
                    (r.kind == "after" and version > self.version(r.start)):
                found = r
        return found

    def after(self, r: Range) -> List[Range]:
        """The ranges that follow ``r`` (``only`` ranges aside)."""
        ordered = [x for x in self.ranges if x.kind != "only"]
        return ordered[ordered.index(r) + 1:] if r in ordered else []

    def first_shipping(self) -> Optional[Range]:
        """The first range that ships a manifest (or one not seen, with a stand-in)."""
        for r in self.ranges:
            if r.kind != "only" and (r.ships == SHIPS or (r.ships == UNKNOWN and r.stand_in)):
                return r
        return None

    @property
    def minimum(self) -> str:
        """The first version that ships a manifest, as the data writes it ("" if none does)."""
        r = self.first_shipping()
        if r is None:
            return ""
        return r.start if r.kind == "from" else (f"> {r.start}" if r.kind == "after" else "any")

    def subspec_at(self, version: Optional[Version]) -> Optional[str]:
        """The default subspec at ``version``: "" when the pod has none there, None when it is
        not known."""
        chosen: Optional[str] = None
        for w, sub, _, _ in self.default_subspec:
            if version is None or self.in_window(version, w):
                chosen = sub
        return chosen

    def newest(self) -> Optional[Version]:
        return self.version(self.newest_checked.version) if self.newest_checked else None


@dataclass(frozen=True)
class Product:
    """A named set of pods: a root pod and what it depends on (``resolve`` walks the edges)."""

    id: str
    name: str
    root: str


@dataclass(frozen=True)
class Pitfall:
    """A version range in which a pod packages its manifest wrongly."""

    id: str
    pods: Tuple[str, ...]
    managers: Tuple[str, ...]
    ranges: Tuple[Dict[str, str], ...]
    except_versions: Tuple[str, ...]
    fixed_in: Tuple[str, ...]
    severity: Severity
    message: str
    hint: str
    source: str
    evidence: str
    summary: str = ""

    def applies(self, pod: Pod, manager: str, version: str) -> bool:
        """Whether ``pod`` at ``version``, resolved by ``manager``, falls in this pitfall."""
        if pod.name not in self.pods:
            return False
        if self.managers and manager not in self.managers:
            return False
        v = pod.version(version)
        if any(pod.version(x) == v for x in self.except_versions):
            return False
        return any(_in_range(pod, v, r) for r in self.ranges)


def _in_range(pod: Pod, v: Version, r: Dict[str, str]) -> bool:
    if "from" in r and v < pod.version(r["from"]):
        return False
    if "through" in r and v > pod.version(r["through"]):
        return False
    return not ("before" in r and v >= pod.version(r["before"]))


class Catalogue:
    """The whole catalogue, read once; lookups are by name, case-insensitively."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self.about: str = data.get("about", "")
        self.sources = {k: Source(k, v["title"], tuple(v.get("urls", ())), v.get("date", ""))
                        for k, v in data["sources"].items()}
        self.manifests = {k: ManifestFile(k, v["path"], v.get("declares", ""), v.get("source", ""),
                                          v.get("evidence", ""))
                          for k, v in data["manifests"].items()}
        self.pods: Tuple[Pod, ...] = tuple(_pod(p) for p in data["pods"])
        self.products = tuple(Product(p["id"], p["name"], p["root"]) for p in data["products"])
        self.pitfalls = tuple(_pitfall(p) for p in data.get("pitfalls", ()))
        self._by_name: Dict[str, Pod] = {}
        for pod in self.pods:
            for n in pod.names:
                self._by_name[n.lower()] = pod

    def pod(self, name: str) -> Optional[Pod]:
        """A pod by its name or a former name; a subspec suffix (``/Professional``) is ignored."""
        return self._by_name.get(name.strip().split("/", 1)[0].lower())

    def product(self, name: str) -> Optional[Product]:
        n = name.strip().lower()
        return next((p for p in self.products if p.id == n), None)

    def products_of(self, pod: Pod) -> List[Product]:
        return [p for p in self.products if p.root == pod.name]


def _window(d: Dict[str, Any]) -> Window:
    return Window(d.get("from", ""), d.get("before", ""))


def _shipped(items: Any) -> Tuple[Shipped, ...]:
    return tuple(Shipped(s["id"], s.get("at", ""), s.get("subspec", ""), bool(s.get("fold", True)),
                         s.get("note", "")) for s in items or ())


def _range(r: Dict[str, Any]) -> Range:
    kind = next((k for k in ("from", "after", "only") if k in r), "")
    return Range(kind, r.get(kind, "") if kind else "", r["ships"], _shipped(r.get("manifests")),
                 _shipped(r.get("stand_in")), r.get("delivery", ""), r.get("source", ""),
                 r.get("evidence", ""))


def _pod(p: Dict[str, Any]) -> Pod:
    checked = p.get("newest_checked")
    return Pod(
        name=p["name"], kind=p.get("kind", "sdk"), scheme=p.get("scheme", "plain"),
        former_names=tuple(p.get("former_names", ())), subspecs=tuple(p.get("subspecs", ())),
        subspec_notes=dict(p.get("subspec_notes", {})),
        packages=tuple(Package(s["url"], s.get("tags") == "own", s.get("source", ""),
                               s.get("evidence", "")) for s in p.get("swiftpm", ())),
        default_subspec=tuple((_window(d), d.get("subspec", ""), d.get("source", ""),
                               d.get("evidence", "")) for d in p.get("default_subspec", ())),
        newest_checked=Checked(checked["version"], checked.get("source", ""),
                               checked.get("evidence", "")) if checked else None,
        last_version=bool(p.get("last_version")),
        ranges=tuple(_range(r) for r in p.get("versions", ())),
        depends=tuple(Edge(e["on"], e.get("requirement", ""), e.get("subspec", ""),
                           e.get("on_subspec", ""), _window(e), e.get("source", ""),
                           e.get("evidence", "")) for e in p.get("depends", ())),
        note=p.get("note", ""), twin=p.get("twin", ""))


def _pitfall(p: Dict[str, Any]) -> Pitfall:
    return Pitfall(
        id=p["id"], pods=tuple(p["pods"]), managers=tuple(p.get("managers", ())),
        ranges=tuple(p["versions"]), except_versions=tuple(p.get("except_versions", ())),
        fixed_in=tuple(p.get("fixed_in", ())), severity=Severity(p.get("severity", "warning")),
        message=p["message"], hint=p.get("hint", ""), source=p.get("source", ""),
        evidence=p.get("evidence", ""), summary=p.get("summary", ""))


@lru_cache(maxsize=None)
def catalogue() -> Catalogue:
    return Catalogue(vendor_catalogue())


def pods() -> Tuple[Pod, ...]:
    return catalogue().pods


def products() -> Tuple[Product, ...]:
    return catalogue().products


def pitfalls() -> Tuple[Pitfall, ...]:
    """The known packaging pitfalls (each is also a registered rule, rules/versions.py)."""
    return catalogue().pitfalls


def sources() -> Dict[str, Source]:
    return dict(catalogue().sources)


def problems(data: Dict[str, Any]) -> List[str]:
    """What is wrong with catalogue data (empty when nothing is): a fact without a source or
    evidence, a source, manifest, pod or file named but missing, ranges out of order, a
    requirement that cannot be read. The tests run it on the shipped catalogue."""
    out: List[str] = []
    sources = set(data.get("sources", {}))
    manifests = data.get("manifests", {})
    names = {p["name"] for p in data.get("pods", ())}

    def cited(where: str, item: Dict[str, Any]) -> None:
        if item.get("source") not in sources:
            out.append(f"{where}: source \"{item.get('source', '')}\" is not in 'sources'")
        if not str(item.get("evidence", "")).strip():
            out.append(f"{where}: no evidence")

    for mid, m in manifests.items():
        cited(f"manifest {mid}", m)
        if not (manifests_dir() / m.get("path", "")).is_file():
            out.append(f"manifest {mid}: no file {m.get('path')}")
    for p in data.get("pods", ()):
        name = p["name"]
        scheme = p.get("scheme", "plain")
        if not p.get("versions") and not p.get("note"):
            out.append(f"pod {name}: no version ranges and no note saying why")
        if p.get("newest_checked"):
            cited(f"pod {name} newest_checked", p["newest_checked"])
        for i, d in enumerate(p.get("default_subspec", ())):
            cited(f"pod {name} default_subspec {i + 1}", d)
        for s in p.get("swiftpm", ()):
            cited(f"pod {name} package {s.get('url')}", s)
        last: Optional[Version] = None
        for i, r in enumerate(p.get("versions", ())):
            where = f"pod {name} range {i + 1}"
            cited(where, r)
            kinds = [k for k in ("from", "after", "only") if k in r]
            if len(kinds) > 1:
                out.append(f"{where}: more than one of from/after/only")
            if r.get("ships") not in (SHIPS, NONE, UNKNOWN):
                out.append(f"{where}: ships must be manifest, none or unknown")
            if r.get("ships") == SHIPS and not r.get("manifests"):
                out.append(f"{where}: ships a manifest but names none")
            for s in list(r.get("manifests", ())) + list(r.get("stand_in", ())):
                if s.get("id") not in manifests:
                    out.append(f"{where}: manifest \"{s.get('id')}\" is not in 'manifests'")
            try:
                if kinds and kinds[0] in ("from", "after"):
                    v = parse_version(r[kinds[0]], scheme)
                    if last is not None and v < last:
                        out.append(f"{where}: starts before the range above it")
                    last = v
                elif kinds and kinds[0] == "only":
                    parse_version(r["only"], scheme)
                elif i > 0:
                    out.append(f"{where}: only the first range may cover every earlier version")
            except ValueError as exc:
                out.append(f"{where}: {exc}")
        for i, e in enumerate(p.get("depends", ())):
            where = f"pod {name} dependency {i + 1}"
            cited(where, e)
            if e.get("on") not in names:
                out.append(f"{where}: pod \"{e.get('on')}\" is not in 'pods'")
            req = e.get("requirement", "")
            if req and not re.fullmatch(r"(=|>=|~>) [0-9{}.a-z]+", req):
                out.append(f"{where}: requirement \"{req}\" is not '= V', '>= V' or '~> V'")
    for p in data.get("products", ()):
        if p.get("root") not in names:
            out.append(f"product {p.get('id')}: root pod \"{p.get('root')}\" is not in 'pods'")
    for p in data.get("pitfalls", ()):
        cited(f"pitfall {p.get('id')}", p)
        for pod in p.get("pods", ()):
            if pod not in names:
                out.append(f"pitfall {p.get('id')}: pod \"{pod}\" is not in 'pods'")
    return out
