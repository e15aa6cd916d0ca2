"""The TRTC-family products and their versioned manifests, read from ``manifests/index.json``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from packaging.version import InvalidVersion, Version

from trtc_privacy.diagnostics import Diagnostic, Severity, input_error
from trtc_privacy.knowledge.resources import manifests_dir, vendor_index


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
class Template:
    version: str
    path: str
    source: str
    section: str
    reconstructed: bool
    note: str = ""


@dataclass(frozen=True)
class Package:
    """A pod (or SwiftPM repository) that brings a product into an app, as the index describes it.

    ``role`` is ``sdk``, ``kit`` or ``engine``; ``manifest_via`` names the pod that really
    carries the manifest when this one never contains it (TUIRoomKit through RTCRoomEngine).
    """

    pod: str
    role: str
    minimum_version: str
    former_names: Tuple[str, ...] = ()
    subspecs: Tuple[str, ...] = ()
    subspec_notes: Dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    swiftpm: Tuple[str, ...] = ()
    manifest_via: str = ""
    source: str = ""
    evidence: str = ""

    @property
    def names(self) -> Tuple[str, ...]:
        return (self.pod,) + self.former_names


def _package(p: Dict[str, Any]) -> Package:
    return Package(
        pod=p["pod"], role=p.get("role", "kit"), minimum_version=p["minimum_version"],
        former_names=tuple(p.get("former_names", ())), subspecs=tuple(p.get("subspecs", ())),
        subspec_notes=dict(p.get("subspec_notes", {})), swiftpm=tuple(p.get("swiftpm", ())),
        manifest_via=p.get("manifest_via", ""), source=p.get("source", ""),
        evidence=p.get("evidence", ""))


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    aliases: Tuple[str, ...]
    minimum_version: str
    version_scheme: str
    templates: Tuple[Template, ...]
    pods: Tuple[str, ...] = ()
    swiftpm: Tuple[str, ...] = ()
    extra: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    packages: Tuple[Package, ...] = ()

    def version(self, text: str) -> Version:
        return parse_version(text, self.version_scheme)

    @property
    def minimum(self) -> Version:
        return self.version(self.minimum_version)

    def sorted_templates(self) -> List[Template]:
        return sorted(self.templates, key=lambda t: self.version(t.version))

    def template_path(self, template: Template) -> Path:
        return manifests_dir() / template.path


@lru_cache(maxsize=None)
def products() -> Tuple[Product, ...]:
    out = []
    for p in vendor_index()["products"]:
        known = {"id", "name", "aliases", "minimum_version", "version_scheme", "templates",
                 "pods", "swiftpm", "packages"}
        packages = tuple(_package(x) for x in p.get("packages", ()))
        pods = p.get("pods") or [n for k in packages for n in k.names]
        swiftpm = p.get("swiftpm") or [u for k in packages for u in k.swiftpm]
        out.append(Product(
            id=p["id"], name=p["name"], aliases=tuple(p["aliases"]),
            minimum_version=p["minimum_version"], version_scheme=p.get("version_scheme", "plain"),
            templates=tuple(Template(t["version"], t["path"], t["source"], t.get("section", ""),
                                     bool(t.get("reconstructed")), t.get("note", ""))
                            for t in p["templates"]),
            pods=tuple(dict.fromkeys(pods)), swiftpm=tuple(dict.fromkeys(swiftpm)),
            extra={k: v for k, v in p.items() if k not in known}, packages=packages,
        ))
    return tuple(out)


@dataclass(frozen=True)
class Pitfall:
    """A version range in which a pod packages its manifest wrongly (from the index)."""

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

    def applies(self, name: str, manager: str, product: Product, version: str) -> bool:
        """Whether pod ``name`` at ``version``, resolved by ``manager``, falls in this pitfall."""
        if name.lower() not in (p.lower() for p in self.pods):
            return False
        if self.managers and manager not in self.managers:
            return False
        v = product.version(version)
        if any(product.version(x) == v for x in self.except_versions):
            return False
        return any(_in_range(product, v, r) for r in self.ranges)


def _in_range(product: Product, v: Version, r: Dict[str, str]) -> bool:
    if "from" in r and v < product.version(r["from"]):
        return False
    if "through" in r and v > product.version(r["through"]):
        return False
    if "before" in r and v >= product.version(r["before"]):
        return False
    return True


@lru_cache(maxsize=None)
def pitfalls() -> Tuple[Pitfall, ...]:
    """The index's known packaging pitfalls (each is also a registered rule, rules/versions.py)."""
    return tuple(Pitfall(
        id=p["id"], pods=tuple(p["pods"]), managers=tuple(p.get("managers", ())),
        ranges=tuple(p["versions"]), except_versions=tuple(p.get("except_versions", ())),
        fixed_in=tuple(p.get("fixed_in", ())), severity=Severity(p.get("severity", "warning")),
        message=p["message"], hint=p.get("hint", ""), source=p.get("source", ""),
        evidence=p.get("evidence", ""), summary=p.get("summary", ""),
    ) for p in vendor_index().get("pitfalls", ()))


def sources() -> Dict[str, Any]:
    return dict(vendor_index().get("sources", {}))


def find_product(name: str) -> Optional[Product]:
    """A product by id or alias, case-insensitively; a subspec suffix (``/Professional``) is ignored."""
    n = name.strip().split("/", 1)[0].lower()
    for p in products():
        if n == p.id.lower() or n in (a.lower() for a in p.aliases):
            return p
    return None


@dataclass(frozen=True)
class TemplateChoice:
    """The template chosen for ``PRODUCT[@VERSION]``, and what the user should know about it."""

    product: Product
    template: Template
    requested: Optional[str]
    below_minimum: bool

    @property
    def label(self) -> str:
        """How summaries and reports name this input: the pod name and the version asked for."""
        name = self.product.aliases[0]
        return f"{name} {self.requested}" if self.requested else name

    @property
    def path(self) -> Path:
        return self.product.template_path(self.template)

    def warning(self, where: str = "--sdk", line: Optional[int] = None,
                adds: str = "this merge adds them") -> Optional[Diagnostic]:
        """The below-minimum finding for a version asked for by name (``--sdk``, ``show``, the
        configuration's ``sdks``); a version read from a lockfile is reported by versions.py."""
        if not self.below_minimum:
            return None
        p = self.product
        return Diagnostic(
            where, line, None, "below-minimum", Severity.WARNING,
            f"{p.name} {self.requested} is below {p.minimum_version}, the first version that "
            f"bundles its own PrivacyInfo.xcprivacy; its declarations must be in the app's manifest",
            hint=f"keep them in the app's manifest ({adds}), or upgrade to "
            f"{p.aliases[0]} {p.minimum_version} or later")


def select(spec: str, where: str = "--sdk", line: Optional[int] = None) -> TemplateChoice:
    """Resolve ``PRODUCT[@VERSION]``: the newest template at or below VERSION (or the newest).

    ``where`` and ``line`` say where the spec was written (an option, a configuration file's
    ``sdks`` line, a lockfile's line), so a bad one is reported there.
    """
    name, _, version = spec.partition("@")
    product = find_product(name)
    if product is None:
        known = ", ".join(p.id for p in products())
        raise input_error(where, f"unknown product \"{name}\"", line=line, rule="usage",
                          hint=f"known products: {known} (see `trtc-privacy sdks`)")
    ordered = product.sorted_templates()
    if not version:
        return TemplateChoice(product, ordered[-1], None, False)
    try:
        wanted = product.version(version)
    except ValueError as exc:
        raise input_error(where, f"{spec}: {exc}", line=line, rule="usage",
                          hint=f"write it as {product.id}@{product.minimum_version}") from None
    chosen = [t for t in ordered if product.version(t.version) <= wanted]
    below = wanted < product.minimum
    return TemplateChoice(product, chosen[-1] if chosen else ordered[0], version, below)
