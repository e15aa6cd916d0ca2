"""Findings about the SDK versions a lockfile resolves (``versions``, and every merge that reads a
lockfile). They are made by ``trtc_privacy.merge.versions`` where a lockfile row is judged, so the rules
here have no check; they are registered so that ``explain``, SARIF and the configuration know them.
The known packaging pitfalls are data (``manifests/catalogue.json``); each becomes a rule here.
"""

from __future__ import annotations

from typing import Tuple

from trtc_privacy.lint.rules.base import Rule, parse_rule

BELOW_MINIMUM = parse_rule(
    "below-minimum", "error",
    "a Tencent pod is older than the first version that bundles its own privacy manifest",
    """Tencent's pods ship PrivacyInfo.xcprivacy from a version the catalogue names per pod,
    with its source (manifests/catalogue.json). Below it the app's own manifest must declare
    what the pod collects and the required-reason APIs it uses (those of its first manifest),
    or App Store Connect finds them undeclared. `versions` reports it as an error; a merge that
    folds those declarations in is the remedy, so there it is a warning.""",
    "run `trtc-privacy merge APP_MANIFEST --lockfile LOCKFILE` to declare them in the app's "
    "manifest, or upgrade the pod", scope="versions")

UNKNOWN_VERSION = parse_rule(
    "unknown-version", "warning",
    "a Tencent pod or package whose version cannot be read (local path, branch, a package's "
    "own tags)",
    """A pod taken from a local :path or :git source, a Swift package pinned to a branch or
    revision, or a third-party package whose tags are not the pod's versions has no version to
    look up, so what it ships is not known: the newest version the catalogue checked is
    assumed. A warning when that version ships something, a note when the pod never has.""",
    "check the version of those sources, or keep the SDK's declarations in the app's manifest",
    scope="versions")

CONTENT_UNKNOWN = parse_rule(
    "manifest-content-unknown", "note",
    "a Tencent pod carries a privacy manifest whose content the catalogue has not seen",
    """The podspec (or the package) delivers a PrivacyInfo.xcprivacy, but no copy of it has
    been read (TUICallEngine, RTCRoomEngine after 3.7.0.418, the TRTC SDK after 12.8.19666, the
    Swift TUIKit modules). The catalogue names what stands in for it (an earlier version's
    declarations, or Tencent's documented block), and the merge folds that, saying so: a note.
    With nothing to stand in, nothing can be folded: a warning. With the pods installed the
    real file is read instead.""",
    "with the pod installed, `trtc-privacy versions` reads the manifest it really ships; or "
    "fold it with `merge --manifest PATH`", scope="versions")

NOT_CHECKED = parse_rule(
    "pod-not-checked", "note",
    "a Tencent pod, or a version of one, whose privacy manifest has not been checked",
    """The catalogue names the pod (so it is not mistaken for a third party's) but holds no
    fact for this version: whether it ships a manifest is not known, and nothing is folded for
    it. A note, so that the gap is visible.""",
    "if its framework or resource bundle holds a PrivacyInfo.xcprivacy, fold it with "
    "`merge --manifest PATH`", scope="versions")

NEWER_THAN_CATALOGUE = parse_rule(
    "newer-than-catalogue", "note",
    "a Tencent pod is newer than the newest version the catalogue was checked at",
    """Each pod's facts were checked up to a version (`trtc-privacy sdks` lists it). A newer
    version gets what the catalogue knows of that one, with this note, since Tencent may have
    changed the manifest since.""",
    "with the pod installed, `trtc-privacy versions` compares the manifest it really ships with "
    "the catalogue", scope="versions")

INSTALLED_DIFFERS = parse_rule(
    "installed-manifest-differs", "warning",
    "an installed Tencent pod ships a manifest that differs from the catalogue's",
    """When Pods/ (or SwiftPM's artifacts, or Carthage's build folder) sits beside the lockfile,
    the manifests the installed pods really ship are read and compared with what the catalogue
    says that pod ships at that version. A difference is said, declaration by declaration, as a
    warning; the merge folds the installed file, which is the truth at build time.""",
    "if this is a new release, add it to the catalogue (python -m trtc_privacy.merge.intake)",
    scope="versions")

INSTALLED_NOT_CATALOGUED = parse_rule(
    "installed-manifest-not-catalogued", "note",
    "an installed Tencent pod ships a manifest the catalogue does not know",
    """A manifest found in an installed pod where the catalogue expects none, or expects a
    different framework's: a note; the merge folds it (one in a framework's Headers/ folder
    excepted, where Apple does not read one).""",
    "add it to the catalogue with its source (python -m trtc_privacy.merge.intake)",
    scope="versions")

INSTALLED_MISSING = parse_rule(
    "installed-manifest-missing", "warning",
    "an installed Tencent pod lacks a manifest the catalogue says that version ships",
    """The pod is installed, but the framework or bundle where the catalogue expects its
    manifest holds none: an incomplete install, or a podspec that does not copy it, so a
    warning. The merge folds the catalogue's declarations for it, so the app's manifest still
    carries them.""",
    "check that the pod installed completely, and whether its podspec copies the manifest",
    scope="versions")

MALFORMED_LOCKFILE = parse_rule(
    "malformed-lockfile", "error",
    "a Podfile.lock or Package.resolved that cannot be read as one",
    """A lockfile with a merge conflict, tabs in its YAML, a PODS entry without a version, JSON
    that does not parse, or an unknown Package.resolved format is bad input: nothing about the
    SDKs it pins can be said, so it is an error and the run stops with exit 2 at the line
    concerned.""",
    "regenerate it (`pod install`, or resolve the Swift packages again in Xcode)",
    scope="versions")

NO_LOCKFILE = parse_rule(
    "no-lockfile", "error",
    "a directory given for lockfiles holds no Podfile.lock or Package.resolved",
    """`versions DIR` searches the directory for lockfiles (not entering Pods/ or build
    folders); finding none is bad input, an error (exit 2).""",
    "run `pod install` or resolve the Swift packages first, or give the lockfile's path",
    scope="versions")


def _pitfall_rules() -> Tuple[Rule, ...]:
    from trtc_privacy.knowledge.vendors import pitfalls

    out = []
    for p in pitfalls():
        summary = p.summary or p.message.format(pod=p.pods[0], version="VERSION",
                                                fixed_in=" or ".join(p.fixed_in))
        fixed = f" Fixed in {' and '.join(p.fixed_in)}." if p.fixed_in else ""
        explanation = (f"A known packaging pitfall of {', '.join(p.pods)} (source: {p.source}): "
                       f"{p.evidence}.{fixed} The app still builds "
                       f"and the merge can carry the declarations, so it is a {p.severity.value}.")
        hint = p.hint.format(pod=p.pods[0], version="VERSION", fixed_in=" or ".join(p.fixed_in))
        out.append(parse_rule(p.id, p.severity.value, summary, explanation, hint,
                              scope="versions"))
    return tuple(out)


RULES = (BELOW_MINIMUM, UNKNOWN_VERSION, CONTENT_UNKNOWN, NOT_CHECKED, NEWER_THAN_CATALOGUE,
         INSTALLED_DIFFERS, INSTALLED_NOT_CATALOGUED, INSTALLED_MISSING, MALFORMED_LOCKFILE,
         NO_LOCKFILE) + \
    _pitfall_rules()
