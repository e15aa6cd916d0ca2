"""Findings about the SDK versions a lockfile resolves (``versions``, and every merge that reads a
lockfile). They are made by ``trtc_privacy.merge.versions`` where a lockfile row is judged, so the rules
here have no check; they are registered so that ``explain``, SARIF and the configuration know them.
The known packaging pitfalls are data (``manifests/index.json``); each becomes a rule here.
"""

from __future__ import annotations

from typing import Tuple

from trtc_privacy.lint.rules.base import Rule, parse_rule

BELOW_MINIMUM = parse_rule(
    "below-minimum", "error",
    "a TRTC-family SDK is older than the first version that bundles its own privacy manifest",
    """Tencent's SDKs ship PrivacyInfo.xcprivacy from a version named per product (the index
    under manifests/ cites where). Below it the app's own manifest must declare what the SDK
    collects and the required-reason APIs it uses, or App Store Connect finds them undeclared.
    `versions` reports it as an error; a merge that folds the SDK's declarations in is the
    remedy, so there it is a warning.""",
    "run `trtc-privacy merge APP_MANIFEST --lockfile LOCKFILE` to declare them in the app's "
    "manifest, or upgrade the SDK", scope="versions")

UNKNOWN_VERSION = parse_rule(
    "unknown-version", "warning",
    "a TRTC-family pod or package whose version cannot be read (local path, branch, revision)",
    """A pod taken from a local :path or :git source, or a Swift package pinned to a branch or
    revision, has no version to compare with the minimum, so whether it bundles its manifest is
    unknown: a warning, or a note when another pod in the same lockfile carries the manifest.""",
    "check the version of those sources, or keep the SDK's declarations in the app's manifest",
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
        explanation = (f"A known packaging pitfall of {', '.join(p.pods)} (source: {p.source}): "
                       f"{p.evidence}. Fixed in {' and '.join(p.fixed_in)}. The app still builds "
                       f"and the merge can carry the declarations, so it is a {p.severity.value}.")
        hint = p.hint.format(pod=p.pods[0], version="VERSION", fixed_in=" or ".join(p.fixed_in))
        out.append(parse_rule(p.id, p.severity.value, summary, explanation, hint,
                              scope="versions"))
    return tuple(out)


RULES = (BELOW_MINIMUM, UNKNOWN_VERSION, MALFORMED_LOCKFILE, NO_LOCKFILE) + _pitfall_rules()
