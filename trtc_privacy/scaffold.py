"""``init``: a new app PrivacyInfo.xcprivacy (and a starter configuration) for a project.

The manifest is the merge of an empty app manifest with the selected SDKs' manifests, rendered
by the one writer from ``templates/PrivacyInfo.xcprivacy.j2``, so it is exactly what ``merge``
would produce for a missing file. The configuration comes from ``templates/trtc-privacy.toml.j2``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import List, Sequence

from trtc_privacy.diagnostics import Diagnostic, input_error

MANIFEST_NAME = "PrivacyInfo.xcprivacy"
CONFIG_NAME = ".trtc-privacy.toml"
CONFIG_TEMPLATE = "trtc-privacy.toml.j2"
_NOT_APP_DIRS = ("Pods", "build", "DerivedData", "Carthage", ".build", "fastlane")


@dataclass
class Scaffold:
    """A manifest ready to write, with what went into it."""

    text: str
    sdks: List[str]
    labels: List[str] = field(default_factory=list)
    diagnostics: List[Diagnostic] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def find_lockfiles(root: str) -> List[str]:
    """The lockfiles under ``root`` as ``versions`` finds them; none is not an error here."""
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.lockfiles import find_lockfiles as search

    try:
        found = search([root])
    except InputError as exc:
        if exc.diagnostic.rule == "no-lockfile":
            return []
        raise
    return [os.path.relpath(p, root) for p in found]


def default_manifest_path(root: str) -> str:
    """Next to the app's sources: the one folder holding Info.plist or Assets.xcassets, else root."""
    found = []
    for entry in sorted(os.listdir(root)):
        d = os.path.join(root, entry)
        if (not os.path.isdir(d) or entry.startswith(".") or entry in _NOT_APP_DIRS
                or entry.endswith((".xcodeproj", ".xcworkspace", "Tests", "UITests"))):
            continue
        if os.path.isfile(os.path.join(d, "Info.plist")) or os.path.isdir(
                os.path.join(d, "Assets.xcassets")):
            found.append(entry)
    if len(found) == 1:
        return os.path.join(found[0], MANIFEST_NAME)
    return MANIFEST_NAME


def build(sdks: Sequence[str], lockfiles: Sequence[str] = (),
          manifests: Sequence[str] = ()) -> Scaffold:
    """Merge an empty app manifest with the SDKs given and those the lockfiles name."""
    from trtc_privacy.merge import merge
    from trtc_privacy.model import Manifest
    from trtc_privacy.update import APP_LABEL, gather
    from trtc_privacy.writer import render_new

    specs = list(sdks)
    diagnostics: List[Diagnostic] = []
    notes: List[str] = []
    if lockfiles:
        from trtc_privacy.lockfiles import specs_from_lockfiles

        found, diagnostics, notes = specs_from_lockfiles(list(lockfiles))
        specs += [s for s in found if s not in specs]
    inputs = gather(specs, list(manifests))
    for i in inputs:
        if i.selection is not None:
            w = i.selection.warning(adds="the new file declares them")
            if w is not None:
                diagnostics.append(w)
    base = Manifest(tracking=False, domains=[], data_types=[], api_types=[], label=APP_LABEL)
    result = merge([base] + [i.manifest for i in inputs])
    if not inputs:
        notes.append("no TRTC-family SDK given or found in a lockfile; the manifest declares "
                     "nothing yet")
    return Scaffold(render_new(result.target), specs, [i.label for i in inputs], diagnostics,
                    notes)


def render_config(app_manifest: str, sdks: Sequence[str], lockfiles: Sequence[str]) -> str:
    """A starter ``.trtc-privacy.toml`` with every key explained."""
    from trtc_privacy.resources import jinja_env

    env = jinja_env()
    env.filters["toml"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env.get_template(CONFIG_TEMPLATE).render(
        app_manifest=app_manifest.replace(os.sep, "/"), sdks=list(sdks),
        lockfiles=[p.replace(os.sep, "/") for p in lockfiles])


def refuse_existing(path: str, force: bool) -> None:
    if os.path.lexists(path) and not force:
        raise input_error(path, "already exists; nothing was written", rule="exists",
                          hint="pass --force to replace it, or fold SDKs into it with "
                          "`trtc-privacy merge`")


def write_new(path: str, text: str) -> None:
    """Write a new file, creating its folders; a failure is an InputError naming the cause."""
    from trtc_privacy.files import make_parents, write_atomic

    make_parents(path)
    write_atomic(path, text.encode("utf-8"))
