"""A maintainer's path from what a pod really ships to a catalogue change.

``python -m trtc_privacy.merge.intake PATH --pod NAME --version VERSION --source ID [--write]``
reads the manifests under PATH (a ``Pods/NAME`` folder, an ``.xcframework``, a ``.framework`` or
one ``PrivacyInfo.xcprivacy``), one per framework and content, and prints what to add to
``manifests/catalogue.json``: the version range, with each manifest it ships and where, and a
``manifests`` entry for each content the catalogue does not hold yet. ``--write`` also writes
those new contents under ``manifests/pods/`` (in this project's own format, from the
declarations read), named for the pod and the version. The source id must name where PATH came
from (add it under ``sources`` first); adding a release is then a data change with evidence.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

from trtc_privacy.knowledge.vendors import catalogue


def _declared(path: str) -> Tuple[Any, FrozenSet[Tuple[str, ...]]]:
    from trtc_privacy.manifest.model import from_document
    from trtc_privacy.manifest.reader import parse, read_bytes

    m = from_document(parse(read_bytes(path), path))
    return m, frozenset(m.declarations())


def _known() -> Dict[FrozenSet[Tuple[str, ...]], str]:
    out = {}
    for ident, mf in catalogue().manifests.items():
        out[_declared(str(mf.file))[1]] = ident
    return out


def _where(path: str, root: str) -> str:
    """Where in the pod the manifest sits: ``TXFFmpeg.framework``, ``X.framework/X.bundle``."""
    rel = os.path.relpath(path, root) if os.path.isdir(root) else os.path.basename(path)
    parts = rel.replace(os.sep, "/").split("/")[:-1]
    kept = [p for p in parts if p.endswith((".framework", ".bundle"))] or parts[-1:]
    where = "/".join(kept[-2:]) if kept else os.path.basename(root)
    if "Headers" in parts:
        where += "/Headers"
    return where


def intake(path: str, pod: str, version: str, source: str) -> Dict[str, Any]:
    """What PATH ships, as catalogue data: a range and the new manifest entries."""
    from trtc_privacy.merge.installed import _walk

    files = [path] if os.path.isfile(path) else _walk(path)
    known = _known()
    ships: List[Dict[str, Any]] = []
    new: Dict[str, Dict[str, Any]] = {}
    contents: Dict[str, Any] = {}
    seen = set()
    for f in files:
        manifest, declares = _declared(f)
        where = _where(f, path)
        if (where, declares) in seen:
            continue  # another slice of the same xcframework
        seen.add((where, declares))
        ident = known.get(declares)
        if ident is None:
            component = where.split("/")[0].rsplit(".", 1)[0] or pod
            ident = f"{component}-{version}"
            known[declares] = ident
            new[ident] = {"path": f"pods/{ident}.xcprivacy",
                          "declares": "; ".join(sorted({d[1] for d in declares if len(d) > 1})),
                          "source": source,
                          "evidence": f"read from {os.path.relpath(f, os.path.dirname(path))}"}
            contents[ident] = manifest
        item: Dict[str, Any] = {"id": ident, "at": where}
        if where.endswith("/Headers"):
            item["fold"] = False
        ships.append(item)
    delivery = "resource bundle" if any(".bundle" in s["at"] for s in ships) else \
        "framework: the manifest sits at the framework's root"
    rng = {"from": version, "ships": "manifest" if ships else "none", "manifests": ships,
           "delivery": delivery, "source": source,
           "evidence": f"read from {os.path.basename(path.rstrip(os.sep))} {version}"}
    if not ships:
        del rng["manifests"]
    return {"pod": pod, "range": rng, "manifests": new, "_contents": contents}


def write_new(found: Dict[str, Any]) -> List[str]:
    """Write each new content under manifests/pods/ in this project's format; the paths."""
    from trtc_privacy.knowledge.resources import manifests_dir
    from trtc_privacy.manifest.writer import render_new

    out = []
    for ident, manifest in found["_contents"].items():
        dest = manifests_dir() / "pods" / f"{ident}.xcprivacy"
        if dest.exists():
            continue
        dest.write_text(render_new(manifest), encoding="utf-8")
        out.append(str(dest))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trtc_privacy.merge.intake",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="Pods/NAME, an .xcframework, a .framework or a manifest")
    parser.add_argument("--pod", required=True, help="the pod's name in the catalogue")
    parser.add_argument("--version", required=True, help="the version PATH is")
    parser.add_argument("--source", required=True, help="the id of PATH's source in 'sources'")
    parser.add_argument("--write", action="store_true",
                        help="write the new manifest contents under manifests/pods/")
    args = parser.parse_args(argv)
    import trtc_privacy.cli.console as console  # what leaves the program goes through the door

    if catalogue().pod(args.pod) is None:
        console.note(f"{args.pod} is not in the catalogue yet: add a pod entry too")
    if args.source not in catalogue().sources:
        console.note(f"source \"{args.source}\" is not in 'sources' yet: add it")
    found = intake(args.path, args.pod, args.version, args.source)
    written = write_new(found) if args.write else []
    shown = {k: v for k, v in found.items() if not k.startswith("_")}
    console.document(json.dumps(shown, indent=2) + "\n")
    for p in written:
        console.line(f"{p}: written", err=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
