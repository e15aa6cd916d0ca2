"""What code was found to do: required-reason API uses, with the evidence for each.

The source scanner and the Mach-O reader (through the API catalogue) both yield ``Use``; ``scan``
and ``audit`` group them by the bundle that carries them (``BundleUsage``) and call ``compare``, which
makes the diagnostics. Its interface (``audit`` calls it for built artifacts as ``scan`` does for
a project tree)::

    compare(bundles: Sequence[BundleUsage], selection: Optional[selection.Selection] = None)
            -> List[Diagnostic]

    Each BundleUsage is one thing App Store Connect reads on its own: the app's executable, or one
    dynamic framework (static libraries and source pods are part of the app). The app's
    declarations cover every bundle (the stopgap most reports describe); a framework's own cover
    only itself. Findings, each made once here with the registered rules of rules/usage.py:
      api-not-declared          a bundle uses a category that neither its manifest nor the app's
                                declares (ITMS-91053; every piece of evidence; the reasons Apple
                                allows for that kind of bundle; the manifest to add it to)
      api-declared-by-app-only  a framework uses a category only the app's manifest declares
      api-declared-not-used     a manifest declares a category nothing it covers was seen to use
      api-declared-sdk-only     the app's code uses a category whose only reasons the app's
                                manifest gives are SDK-only (0A2A.1, C56D.1), with the app's
                                reasons that fit
    Exactly one bundle should have ``is_app``; without one, frameworks are judged on their own.
    A BundleUsage's ``declared`` is None when it has no manifest at all; ``location`` is where its
    findings are reported (default: ``manifest``); ``asc_path`` is how App Store Connect names
    it ("Frameworks/X.framework/X"). ``reasons_text(category, for_app)`` gives the reasons hint.

    What the caller knows that changes a finding is a field, so each finding is made once,
    here, in its final form:
      resource_declared  categories declared by manifests in resource bundles it carries,
                         with those manifests: never coverage (App Store Connect reads the
                         bundle's own), named in api-not-declared's hint
      platform           "macos"/"maccatalyst": Apple does not require the declarations there,
                         so api-not-declared and api-declared-by-app-only are notes, with no
                         ITMS number (``requires_reasons`` is False); the same for a
                         simulator's ("ios-simulator"), which never reaches the App Store
      complete           False when part of what it carries could not be read (an encrypted
                         executable's selectors, a binary or source that could not be read):
                         absence of a use proves nothing, so no api-declared-not-used is made
                         for its manifest, nor for the app's when the app covers it
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple

from trtc_privacy.diagnostics import Diagnostic, Severity, place

if TYPE_CHECKING:  # the caller builds the selection from its configuration
    from trtc_privacy.selection import Selection

#: Platforms on which Apple does not require required-reason declarations.
NOT_REQUIRED_ON = frozenset({"macos", "maccatalyst"})
_ASC_91053 = ' (App Store Connect would email ITMS-91053 "Missing API declaration")'
_NOT_REQUIRED = (" (on macOS Apple does not require required-reason declarations, so this is "
                 "a note)")
#: Said of a finding about a simulator's slice (``audit`` of an xcframework or a binary)
SIMULATOR_NOTE = " (a simulator slice, which never reaches the App Store, so this is a note)"


@dataclass(frozen=True)
class Evidence:
    """Where a use was seen: a source position, or a binary with its slice, member and symbol."""

    path: str
    line: Optional[int] = None
    column: Optional[int] = None
    arch: str = ""  # binary slice, e.g. "arm64"
    member: str = ""  # static-archive member, e.g. "stat.o"
    symbol: str = ""  # the symbol, selector or source spelling that matched
    #: the development pod or local package the file belongs to, when a lockfile or project
    #: named it ("pod RNBackgroundFetch", "package MyKit"); "" for everything else
    origin: str = ""

    def describe(self) -> str:
        """One line for a diagnostic's evidence: ``path:line:col: symbol``,
        ``path (arm64, member.o): _fstat`` or ``path (arm64, pod X): _fstat``."""
        where = place(self.path, self.line, self.column)
        extra = ", ".join(p for p in (self.arch, self.member, self.origin) if p)
        if extra:
            where += f" ({extra})"
        return f"{where}: {self.symbol}" if self.symbol else where


@dataclass(frozen=True)
class Use:
    """One use of a required-reason API category (``NSPrivacyAccessedAPICategory...``)."""

    category: str
    evidence: Evidence


# -- the comparison shared by ``scan`` and ``audit`` (described in the module docstring) -------


@dataclass
class BundleUsage:
    """One bundle as App Store Connect sees it, with what it was seen to use and declare."""

    name: str  # "the app", "TXFFmpeg.framework"
    asc_path: str  # the path App Store Connect names: "Frameworks/TXFFmpeg.framework/TXFFmpeg"
    is_app: bool
    uses: List[Use] = field(default_factory=list)
    #: categories its own manifest declares, with the (line, column) of each in ``manifest``
    #: (None, None when not known, e.g. brought by a template); None: it has no manifest
    declared: Optional[Dict[str, Tuple[Optional[int], Optional[int]]]] = None
    manifest: str = ""  # the manifest that covers it: the file, or where it would be created
    location: str = ""  # where findings about it are reported (default: ``manifest``)
    #: category -> the resource bundles' manifests that declare it (a hint, never coverage)
    resource_declared: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    platform: str = "ios"  # the platform its executable is built for
    complete: bool = True  # False: part of what it carries could not be read
    #: category -> the reasons its manifest gives (what an app's own use is judged against)
    reasons: Dict[str, Tuple[str, ...]] = field(default_factory=dict)

    @property
    def requires_reasons(self) -> bool:
        """Whether Apple requires its required-reason declarations (not on macOS, and a
        simulator's build never reaches the App Store)."""
        return self.platform not in NOT_REQUIRED_ON and not self.simulator

    @property
    def simulator(self) -> bool:
        return self.platform.endswith("-simulator")

    def used(self) -> Dict[str, List[Evidence]]:
        """Category -> evidence, in the order seen, each piece once."""
        out: Dict[str, List[Evidence]] = {}
        seen: Set[Tuple[str, Evidence]] = set()
        for u in self.uses:
            if (u.category, u.evidence) in seen:
                continue
            seen.add((u.category, u.evidence))
            out.setdefault(u.category, []).append(u.evidence)
        return out

    def to_json(self) -> Dict[str, object]:
        """The per-bundle view for JSON: what it uses (with evidence) and declares."""
        used = self.used()
        return {
            "name": self.name,
            "path": self.asc_path,
            "kind": "app" if self.is_app else "framework",
            "manifest": self.manifest or None,
            "has_manifest": self.declared is not None,
            "declared": sorted(self.declared or {}),
            "complete": self.complete,
            "used": {c: [e.describe() for e in ev] for c, ev in sorted(used.items())},
        }


def reasons_text(category: str, for_app: bool, codes_only: bool = False) -> str:
    """The reasons Apple allows for ``category`` in this kind of bundle's manifest, as one line.

    SDK-only reasons (0A2A.1, C56D.1) are never offered for an app's manifest; for a framework
    they are marked.
    """
    from trtc_privacy.knowledge.apple import vocabulary

    cat = vocabulary()
    parts = []
    for code in cat.reasons_for(category):
        r = cat.reasons[code]
        if r.sdk_only and for_app:
            continue
        mark = " [third-party SDKs only]" if r.sdk_only else ""
        parts.append(code + mark if codes_only else f"{code}{mark} ({r.summary.rstrip('.')})")
    return ", ".join(parts) if codes_only else "; ".join(parts)


def _sdk_only_only(reasons: Sequence[str]) -> bool:
    """Whether every reason given is one only third-party SDKs may declare (and there is one)."""
    from trtc_privacy.knowledge.apple import vocabulary

    known = vocabulary().reasons
    return bool(reasons) and all(r in known and known[r].sdk_only for r in reasons)


def compare(bundles: Sequence[BundleUsage], selection: Optional["Selection"] = None
            ) -> List[Diagnostic]:
    """The diagnostics for what each bundle uses against what covers it (see above)."""
    from trtc_privacy.knowledge.apple import vocabulary
    from trtc_privacy.lint.rules import get

    labels = vocabulary()
    app = next((b for b in bundles if b.is_app), None)
    app_declared = set(app.declared or {}) if app is not None else set()
    out: List[Diagnostic] = []

    def emit(rule: str, b: BundleUsage, message: str, hint: str, evidence: Tuple[str, ...] = (),
             line: Optional[int] = None, column: Optional[int] = None) -> None:
        r = get(rule)
        assert r is not None, rule
        severity, itms = r.severity, r.primary_itms
        if not b.requires_reasons and severity is not Severity.NOTE:
            why = SIMULATOR_NOTE if b.simulator else _NOT_REQUIRED
            severity, itms, message = Severity.NOTE, "", message + why
        d = Diagnostic(b.location or b.manifest or b.asc_path, line, column, r.name, severity,
                       message, hint or r.hint, itms, evidence)
        if selection is not None:
            stamped = selection.stamp(d)
            if stamped is None:
                return
            d = stamped
        out.append(d)

    used_anywhere: Set[str] = set()
    for b in bundles:
        own = set(b.declared or {})
        for category, evidence in b.used().items():
            used_anywhere.add(category)
            label = f"{labels.category_label(category)} ({category})"
            ev = tuple(e.describe() for e in evidence)
            if category in own:
                if b.is_app and _sdk_only_only(b.reasons.get(category, ())):
                    given = ", ".join(b.reasons[category])
                    line, column = (b.declared or {}).get(category, (None, None))
                    emit("api-declared-sdk-only", b,
                         f"{b.asc_path} uses {label}, and the only reasons the app's manifest "
                         f"gives for it ({given}) are reserved for third-party SDKs",
                         f"the app's own code needs an app reason: add one of "
                         f"{reasons_text(category, for_app=True)}", ev, line, column)
                continue
            if not b.is_app and category in app_declared:
                emit("api-declared-by-app-only", b,
                     f"{b.asc_path} uses {label}; only the app's manifest declares it",
                     f"add it to {b.name}'s own manifest ({b.manifest}) with one of: "
                     f"{reasons_text(category, for_app=False)}; ask the SDK's vendor for a "
                     "manifest that declares it", ev)
                continue
            if b.is_app:
                where = f"the app's manifest ({b.manifest})" if b.manifest else \
                    "the app's PrivacyInfo.xcprivacy"
                hint = (f"declare {category} in {where} with one of the reasons Apple allows "
                        f"an app: {reasons_text(category, for_app=True)}")
            else:
                hint = (f"{b.name}'s manifest ({b.manifest}) should declare it with one of: "
                        f"{reasons_text(category, for_app=False)}; until the vendor ships one "
                        f"that does, declare it in the app's manifest"
                        + (f" ({app.manifest})" if app is not None and app.manifest else "")
                        + f" with one of {reasons_text(category, True, codes_only=True)}")
            resources = b.resource_declared.get(category, ())
            if resources:
                verb = "declares" if len(resources) == 1 else "declare"
                hint = (f"{', '.join(resources)} {verb} it, but a resource bundle's manifest is "
                        f"not counted for the executable; {hint}")
            none = " (it has no privacy manifest)" if b.declared is None else ""
            asc = _ASC_91053 if b.requires_reasons else ""
            emit("api-not-declared", b,
                 f"{b.asc_path} uses {label}, which no manifest covering it declares{none}{asc}",
                 hint, ev)
    all_read = all(b.complete for b in bundles)
    for b in bundles:
        if not b.declared or not (all_read if b.is_app else b.complete):
            continue  # what was not read may use it: absence proves nothing
        used = set(b.used())
        for category, (line, column) in sorted(b.declared.items()):
            if category in used or (b.is_app and category in used_anywhere):
                continue
            label = f"{labels.category_label(category)} ({category})"
            what = "nothing the scan read" if b.is_app else f"nothing in {b.asc_path}"
            emit("api-declared-not-used", b,
                 f"{b.name} declares {label}, but {what} was seen to use it", "", (),
                 line, column)
    return sorted(out, key=lambda d: d.sort_key())
