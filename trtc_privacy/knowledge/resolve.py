"""What a pod at a version ships, and what a Podfile naming a product or pod resolves.

``at(pod, version)`` applies the catalogue to one pod: the range the version falls in, what it
ships, what an app's manifest must fold for it (its own declarations; for a version before the
pod's first manifest, the first one's, which is the remedy; for a manifest not seen, the
catalogue's stand-in), and whether the version is newer than any the catalogue checked.
``resolve("tuicallkit@3.2")`` walks the dependency edges from the root pod, as CocoaPods would
for a Podfile naming it. ``findings`` says what the user should know about a pod at a version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import List, Optional, Sequence, Set, Tuple

from packaging.version import Version

from trtc_privacy.diagnostics import Diagnostic, Severity, input_error
from trtc_privacy.knowledge.vendors import (
    SHIPS,
    UNKNOWN,
    Pod,
    Product,
    Range,
    Shipped,
    catalogue,
    pitfalls,
)

#: what a pod at a version means for the app's manifest
OK = "ok"  # it ships a manifest whose content is known
NO_MANIFEST = "no-manifest"  # it ships none and never has: nothing to declare for it
BELOW = "below-minimum"  # it ships none, later versions do: the app's manifest must declare it
CONTENT_UNKNOWN = "content-unknown"  # it carries one the catalogue has not seen
NOT_CHECKED = "not-checked"  # the catalogue knows the pod, not this version (or nothing at all)
UNKNOWN_VERSION = "unknown-version"  # the version is a placeholder, a branch or not a version


@dataclass(frozen=True)
class PodAt:
    """A pod at a version, and what the catalogue says it ships."""

    pod: Pod
    version: Optional[str]  # as written; None when it is not known
    status: str
    range: Optional[Range] = None
    #: the manifests whose declarations the app's manifest must carry for it
    fold: Tuple[Shipped, ...] = ()
    #: what the pod carries at this version, as far as the catalogue knows
    ships: Tuple[Shipped, ...] = ()
    subspecs: Tuple[str, ...] = ()
    #: newer than the newest version the catalogue was checked at
    beyond: bool = False
    #: the pods that brought it in, as "Name Version"
    via: Tuple[str, ...] = ()
    #: why the version is not known (a local path, a branch, a package's own tags)
    unknown_why: str = ""
    #: what was assumed to resolve it (a default subspec, the newest version checked)
    assumed: Tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.pod.name

    @property
    def label(self) -> str:
        """``RTCRoomEngine 3.1.3`` (or ``RTCRoomEngine, version unknown``)."""
        return f"{self.pod.name} {self.version}" if self.version else \
            f"{self.pod.name}, version unknown"

    @property
    def via_text(self) -> str:
        return f"via {', '.join(self.via)}" if self.via else ""

    @property
    def folded_ids(self) -> List[str]:
        return list(dict.fromkeys(s.manifest for s in self.fold))

    @property
    def minimum(self) -> str:
        return self.pod.minimum

    def parsed(self) -> Optional[Version]:
        if self.version is None:
            return None
        try:
            return self.pod.version(self.version)
        except ValueError:
            return None


def _select(items: Sequence[Shipped], subspecs: Sequence[str]) -> Tuple[Shipped, ...]:
    """The items an app gets: the pod's own, and a subspec's only when that subspec is resolved."""
    return tuple(s for s in items if not s.subspec or s.subspec in subspecs)


def _fold(items: Sequence[Shipped], subspecs: Sequence[str]) -> Tuple[Shipped, ...]:
    return tuple(s for s in _select(items, subspecs) if s.fold)


def at(pod: Pod, version: Optional[str], subspecs: Sequence[str] = (),
       unknown_why: str = "") -> PodAt:
    """``pod`` at ``version`` (None or ``unknown_why``: not known) with ``subspecs`` resolved."""
    subs = tuple(subspecs)
    if not pod.ranges:
        return PodAt(pod, version, NOT_CHECKED, subspecs=subs)
    v: Optional[Version] = None
    if version is not None and not unknown_why:
        try:
            v = pod.version(version)
        except ValueError:
            unknown_why = f"\"{version}\" is not a version number"
    if v is None:
        why = unknown_why or "has no version"
        assumed: Tuple[str, ...] = ()
        if pod.newest_checked is not None:
            known = at(pod, pod.newest_checked.version, subs)
            assumed = (f"{pod.name} {pod.newest_checked.version}, the newest version checked",)
        else:  # no version was checked: the range that covers every version, if there is one
            known = _apply(pod, None, pod.ranges[-1], subs, False, version)
        if known.status == NOT_CHECKED:
            return PodAt(pod, version, UNKNOWN_VERSION, subspecs=subs, unknown_why=why)
        return replace(known, version=version, status=UNKNOWN_VERSION, unknown_why=why,
                       beyond=False, assumed=assumed)
    newest = pod.newest()
    beyond = newest is not None and v > newest
    # newer than any version checked: what is known of the newest one is applied (with a note)
    r = pod.range_for(newest if beyond and newest is not None else v)
    return _apply(pod, v, r, subs, beyond, version)


def _apply(pod: Pod, v: Optional[Version], r: Optional[Range], subs: Tuple[str, ...],
           beyond: bool, version: Optional[str]) -> PodAt:
    """``pod`` at ``version`` in range ``r``: what it ships and what the app must fold."""
    if r is None or (v is None and r.kind):
        return PodAt(pod, version, NOT_CHECKED, subspecs=subs, beyond=beyond)
    if r.ships == SHIPS:
        return PodAt(pod, version, OK, r, _fold(r.manifests, subs), _select(r.manifests, subs),
                     subs, beyond)
    if r.ships == UNKNOWN:
        return PodAt(pod, version, CONTENT_UNKNOWN, r, _fold(r.stand_in, subs), (), subs, beyond)
    later = next((x for x in pod.after(r) if x.ships == SHIPS or (x.ships == UNKNOWN and x.stand_in)),
                 None)
    if later is None:
        return PodAt(pod, version, NO_MANIFEST, r, (), (), subs, beyond)
    first = later.manifests if later.ships == SHIPS else later.stand_in
    return PodAt(pod, version, BELOW, r, _fold(first, subs), (), subs, beyond)


# -- resolving a product or pod, as a Podfile naming it would --------------------------------


@dataclass
class Resolution:
    """What ``NAME[/SUBSPEC][@VERSION]`` resolves to: the root pod first, then what it pulls."""

    spec: str
    name: str
    product: Optional[Product]
    requested: Optional[str]
    pods: List[PodAt] = field(default_factory=list)

    @property
    def root(self) -> PodAt:
        return self.pods[0]

    @property
    def label(self) -> str:
        """How summaries name this input: what was asked for, as it was written."""
        return f"{self.name} {self.requested}" if self.requested else self.name


def resolve(spec: str, where: str = "--sdk", line: Optional[int] = None,
            follow: bool = True) -> Resolution:
    """``NAME[/SUBSPEC][@VERSION]``: a product id or any pod (or former pod name) of the
    catalogue, at VERSION (default: the newest version checked), with what it depends on unless
    ``follow`` is false. ``where`` and ``line`` say where the spec was written."""
    cat = catalogue()
    text, _, version = spec.partition("@")
    name, _, subspec = text.strip().partition("/")
    product = cat.product(name)
    pod = cat.pod(product.root) if product is not None else cat.pod(name)
    if pod is None:
        known = ", ".join(p.id for p in cat.products)
        raise input_error(where, f"unknown product or pod \"{name}\"", line=line, rule="usage",
                          hint=f"known products: {known}, or any pod `trtc-privacy sdks` lists")
    version = version.strip()
    if version:
        try:
            pod.version(version)
        except ValueError as exc:
            example = pod.minimum or (pod.newest_checked.version if pod.newest_checked else "1.0")
            raise input_error(where, f"{spec}: {exc}", line=line, rule="usage",
                              hint=f"write it as {name}@{example}") from None
    out = Resolution(spec, name, product, version or None)
    start = version or (pod.newest_checked.version if pod.newest_checked else None)
    assumed: Tuple[str, ...] = ()
    if not version and start:
        assumed = (f"{pod.name} {start}, the newest version checked",)
    queue: List[Tuple[Pod, Optional[str], str, Tuple[str, ...], Tuple[str, ...]]] = [
        (pod, start, subspec, (), assumed)]
    seen = set()
    while queue:
        p, ver, sub, via, why = queue.pop(0)
        if p.name in seen:
            continue
        seen.add(p.name)
        v = _parsed(p, ver)
        default = p.subspec_at(v)
        chosen = sub or default or ""
        needs_sub = any(e.subspec for e in p.depends) and p.subspecs
        if not chosen and default is None and needs_sub:
            chosen = p.subspecs[0]
            why += (f"{p.name}'s default subspec is not known: {chosen} assumed (write "
                    f"{p.name}/SUBSPEC to choose)",)
        here = at(p, ver, (chosen,) if chosen else ())
        if ver is None and here.status == UNKNOWN_VERSION:
            here = replace(here, unknown_why="is not pinned by anything the catalogue knows")
        out.pods.append(replace(here, via=via, assumed=here.assumed + why))
        if not follow:
            break
        for e in p.depends:
            if not p.in_window(v, e.window) or (e.subspec and e.subspec != chosen):
                continue
            target = cat.pod(e.on)
            if target is None or target.name in seen:
                continue
            tv, how = _requirement(e.requirement, ver, target)
            on_sub = e.on_subspec.replace("{subspec}", chosen)
            queue.append((target, tv, on_sub, (here.label,), (how,) if how else ()))
    return out


def resolve_all(specs: Sequence[Tuple[str, str, Optional[int]]]) -> List[Resolution]:
    """Several ``(spec, where, line)`` resolved as one Podfile would: one version per pod, the
    pods named first (``--sdk trtc-professional@12.0 --sdk TUICallKit_Swift/Professional@2.5``
    keeps TXLiteAVSDK_Professional at 12.0), then the first place a dependency is reached."""
    out = [resolve(s, where, line) for s, where, line in specs]
    named = {r.root.name for r in out}
    seen: Set[str] = set()
    for r in out:
        kept = []
        for i, p in enumerate(r.pods):
            if p.name in seen or (i > 0 and p.name in named):
                continue
            seen.add(p.name)
            kept.append(p)
        r.pods = kept
    return out


def _parsed(pod: Pod, version: Optional[str]) -> Optional[Version]:
    try:
        return pod.version(version) if version else None
    except ValueError:
        return None


def _requirement(req: str, dependent: Optional[str], target: Pod) -> Tuple[Optional[str], str]:
    """The version a requirement resolves to, and what was assumed: ``= X`` and ``~> X`` give X
    (the lowest ``~>`` allows, as the catalogue cannot know the newest of that series), ``>= X``
    and no requirement the newest version checked (as CocoaPods takes the newest)."""
    parts = (dependent or "").split(".")
    filled = req.replace("{version}", dependent or "").replace(
        "{major}", parts[0] if parts else "").replace("{minor}", parts[1] if len(parts) > 1 else "0")
    op, _, x = filled.strip().partition(" ")
    newest = target.newest_checked.version if target.newest_checked else None
    if op in ("=", "~>") and x:
        return x, ""
    if op == ">=" and x:
        if newest is not None and target.version(newest) >= target.version(x):
            return newest, f"{target.name} {newest}, the newest version checked, for {filled}"
        return x, f"{target.name} {x}, the lowest {filled} allows"
    if newest is not None:
        return newest, f"{target.name} {newest}, the newest version checked"
    return None, ""


# -- findings ----------------------------------------------------------------------------------


def findings(p: PodAt, path: str, line: Optional[int], written: str, merging: bool,
             manager: str = "cocoapods", remedy: str = "", adds: str = "this merge adds"
             ) -> List[Diagnostic]:
    """What the user should know about ``p``, which ``path:line`` names ``written`` (the pod
    as a lockfile or an option writes it: ``TUIRoomEngine/Professional``).

    ``merging``: the findings are for a merge that folds the pod's declarations in, the remedy
    for a version below the pod's first manifest (a warning there, an error otherwise).
    ``remedy``: the command that would fold them in, for the hint when not merging; ``adds``
    says who adds them when merging (``show`` names the command that would).
    """
    pod = p.pod
    out: List[Diagnostic] = []
    label = f"{written} {p.version}" if p.version else written
    root = written.split("/")[0]
    if p.status == BELOW:
        former = f" ({root} is {pod.name}'s former name)" \
            if root.lower() in (n.lower() for n in pod.former_names) else ""
        first = ", ".join(p.folded_ids)
        if merging:
            hint = (f"{adds} them ({first}); upgrading to {pod.name} {pod.minimum} or later "
                    "makes them the SDK's own")
        else:
            hint = (f"declare what the SDK collects and the APIs it uses in the app's "
                    f"PrivacyInfo.xcprivacy ({remedy or 'trtc-privacy merge adds them'}), or "
                    f"upgrade to {pod.name} {pod.minimum} or later")
        out.append(Diagnostic(
            path, line, None, BELOW, Severity.WARNING if merging else Severity.ERROR,
            f"{label} bundles no privacy manifest{former}: {pod.name} ships one from "
            f"{pod.minimum}", hint=hint))
    elif p.status == CONTENT_UNKNOWN:
        seen = ", ".join(p.folded_ids)
        verb = "stand" if len(p.folded_ids) > 1 else "stands"
        what = f"; {seen} {verb} in for it" if seen else "; nothing can be folded for it"
        out.append(Diagnostic(
            path, line, None, "manifest-content-unknown",
            Severity.NOTE if seen else Severity.WARNING,
            f"{label} carries a privacy manifest the catalogue has not seen{what}",
            hint="with the pod installed, `trtc-privacy versions` reads the manifest it really "
            "ships and `merge` folds that one; or fold it with `merge --manifest PATH`"))
    elif p.status == NOT_CHECKED and pod.kind != "wrapper":
        why = f" ({pod.note})" if pod.note else ""
        out.append(Diagnostic(
            path, line, None, "pod-not-checked", Severity.NOTE,
            f"{label}: whether this version ships a privacy manifest has not been checked{why}",
            hint="if its framework or resource bundle holds a PrivacyInfo.xcprivacy, fold it "
            "with `merge --manifest PATH` (with Pods/ installed, `versions` finds it)"))
    elif p.status == UNKNOWN_VERSION:
        assumed = f"; {p.assumed[0]} is assumed" if p.assumed else ""
        covered = p.fold or pod.first_shipping() is None
        out.append(Diagnostic(
            path, line, None, UNKNOWN_VERSION, Severity.NOTE if not p.fold and covered
            else Severity.WARNING,
            f"{label} {p.unknown_why}, so what it ships is not known{assumed}",
            hint=f"{pod.name} ships a manifest from {pod.minimum}; check the version of that "
            "source, or keep the SDK's declarations in the app's manifest"
            if pod.minimum else f"{pod.name} has never shipped a manifest of its own"))
    if p.beyond and p.status != UNKNOWN_VERSION and pod.newest_checked is not None:
        out.append(Diagnostic(
            path, line, None, "newer-than-catalogue", Severity.NOTE,
            f"{label} is newer than {pod.newest_checked.version}, the newest version the "
            f"catalogue was checked at; what it knows of {pod.newest_checked.version} is applied",
            hint="with the pod installed, `trtc-privacy versions` compares the manifest it "
            "really ships with the catalogue"))
    if p.version is not None and p.status != UNKNOWN_VERSION:
        for pit in pitfalls():
            try:
                hit = pit.applies(pod, manager, p.version)
            except ValueError:
                hit = False
            if hit:
                fill = {"pod": root, "version": p.version,
                        "fixed_in": " or ".join(pit.fixed_in)}
                out.append(Diagnostic(path, line, None, pit.id, pit.severity,
                                      pit.message.format(**fill), hint=pit.hint.format(**fill)))
    return out
