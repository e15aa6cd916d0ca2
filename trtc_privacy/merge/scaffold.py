"""``init``: a new app PrivacyInfo.xcprivacy (and a starter configuration) for a project.

The manifest is the merge plan of an empty app manifest with the selected SDKs' manifests
(``pipeline.plan``), so it is exactly what ``merge`` writes for a missing file. This module
decides where the files go and writes them; the configuration comes from
``templates/trtc-privacy.toml.j2``.
"""

from __future__ import annotations

import os
from typing import List, Optional, Sequence

from trtc_privacy.diagnostics import input_error
from trtc_privacy.files import DEPENDENCY_DIRS, SKIP_DIRS
from trtc_privacy.knowledge.apple import MANIFEST_NAME

CONFIG_NAME = ".trtc-privacy.toml"
CONFIG_TEMPLATE = "trtc-privacy.toml.j2"


def find_lockfiles(root: str) -> List[str]:
    """The lockfiles under ``root`` as ``versions`` finds them; none is not an error here."""
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.merge.lockfiles import find_lockfiles as search

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
        if (not os.path.isdir(d) or entry.startswith(".") or entry in SKIP_DIRS
                or entry in DEPENDENCY_DIRS or entry == "fastlane"
                or entry.endswith((".xcodeproj", ".xcworkspace", "Tests", "UITests"))):
            continue
        if os.path.isfile(os.path.join(d, "Info.plist")) or os.path.isdir(
                os.path.join(d, "Assets.xcassets")):
            found.append(entry)
    if len(found) == 1:
        return os.path.join(found[0], MANIFEST_NAME)
    return MANIFEST_NAME


def render_config(app_manifest: str, sdks: Sequence[str], lockfiles: Sequence[str]) -> str:
    """A starter ``.trtc-privacy.toml`` with every key explained.

    Values are written by a TOML writer (tomli-w: JSON's escapes are not TOML's, and a DEL in a
    path made a file every later command refused). A path that is not UTF-8 cannot be named in
    TOML at all: that is an InputError here, before ``init`` writes anything.
    """
    from trtc_privacy.knowledge.resources import jinja_env

    env = jinja_env()
    env.filters["toml"] = toml_value
    return str(env.get_template(CONFIG_TEMPLATE).render(
        app_manifest=app_manifest.replace(os.sep, "/"), sdks=list(sdks),
        lockfiles=[p.replace(os.sep, "/") for p in lockfiles]))


def xcode_write_of(config_text: str) -> str:
    """The ``xcode-write`` a configuration sets (its default, "product", when it sets none)."""
    from trtc_privacy.config import _toml

    value = _toml().loads(config_text).get("xcode-write", "product")
    return str(value)


def next_steps(path: str, xcode_write: Optional[str]) -> str:
    """What to do with the new manifest, as the configuration in force has the Xcode phase
    deliver it: ``xcode_write`` None (no configuration: no phase) or "source" means the file
    ships as a member of the app target; "product" means the phase writes it into the built
    app, so the file must NOT be a member, or Xcode fails with "Multiple commands produce"."""
    lint = f"run `trtc-privacy lint {path}`"
    if xcode_write == "product":
        return ("next: keep the file out of your app target (clear its Target Membership: the "
                "`trtc-privacy xcode` Run Script phase writes it into the built app; "
                "docs/integrations.md#xcode-build-phase), and " + lint + "\n")
    if xcode_write == "source":
        return ("next: add the file to your app target (Copy Bundle Resources), with the "
                "`trtc-privacy xcode` Run Script phase above that phase (it merges into the "
                "file in place), and " + lint + "\n")
    return "next: add the file to your app target (Copy Bundle Resources), and " + lint + "\n"


def toml_value(v: str) -> str:
    """One string as a TOML value."""
    import tomli_w

    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        from trtc_privacy.formatters.inert import shown

        raise input_error(shown(v), "this path is not UTF-8, so a TOML configuration cannot "
                          "name it; nothing was written", rule="usage",
                          hint="rename it, or run init without --write-config") from None
    return tomli_w.dumps({"v": v})[len("v = "):].rstrip("\n")


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
