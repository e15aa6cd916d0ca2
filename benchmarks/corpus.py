"""Generate distinct, realistic privacy manifests for the benchmark, at run time, into a temp dir.

Declarations are drawn from the project's vendor manifests (manifests/) and from the real files
in ../shared/corpus (read there, never copied into the project); the layout of each generated
file (indent unit, line endings, XML declaration, DOCTYPE, comments) copies the shape of one of
those files. Only declarations Apple's catalogue accepts are used, so the files are clean inputs
for ``lint`` and ``merge`` alike. Everything is seeded, so every run measures the same files.
"""

from __future__ import annotations

import glob
import os
import plistlib
import random
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")

_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>'
_DOCTYPE = ('<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
            '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">')


@dataclass(frozen=True)
class Shape:
    """How a source file is laid out; generated files copy it."""

    source: str
    indent: str
    newline: str
    decl: bool
    doctype: bool
    comments: bool
    dict_indented: bool  # the root <dict> itself is indented under <plist>


def source_files() -> List[str]:
    """The vendor manifests, then the shared corpus (when it is beside the project)."""
    files = sorted(glob.glob(os.path.join(REPO, "manifests", "pods", "*.xcprivacy")))
    files += sorted(glob.glob(os.path.join(SHARED_CORPUS, "*.xcprivacy")))
    return files


def _shape(path: str, text: str) -> Shape:
    nl = "\r\n" if "\r\n" in text else "\n"
    indent = "\t"
    m = re.search(r"\n([ \t]+)<key>", text)
    if m:
        lead = m.group(1)
        indent = "\t" if lead.startswith("\t") else " " * max(1, min(len(lead), 4))
    dict_indented = bool(re.search(r"<plist[^>]*>\s*\n[ \t]+<dict>", text))
    return Shape(os.path.basename(path), indent, nl, text.lstrip("\ufeff").startswith("<?xml"),
                 "<!DOCTYPE" in text, "<!--" in text, dict_indented)


class Pool:
    """Valid declarations and layouts harvested from the source files."""

    def __init__(self) -> None:
        from trtc_privacy.knowledge.apple import vocabulary

        cat = vocabulary()
        self.shapes: List[Shape] = []
        self.api: Dict[str, List[str]] = {}
        self.data: Dict[str, Tuple[bool, bool, List[str]]] = {}
        self.sources = 0
        for path in source_files():
            try:
                with open(path, "rb") as fh:
                    raw = fh.read()
                value = plistlib.loads(raw)
            except Exception:
                continue  # broken corpus files give neither shape nor content
            if not isinstance(value, dict):
                continue
            self.sources += 1
            self.shapes.append(_shape(path, raw.decode("utf-8", "replace")))
            for entry in value.get("NSPrivacyAccessedAPITypes") or []:
                if not isinstance(entry, dict):
                    continue
                category = entry.get("NSPrivacyAccessedAPIType")
                reasons = entry.get("NSPrivacyAccessedAPITypeReasons") or []
                if category not in cat.categories or not isinstance(reasons, list):
                    continue
                ok = [r for r in reasons if isinstance(r, str) and r in cat.reasons
                      and cat.reasons[r].category == category]
                have = self.api.setdefault(category, [])
                have.extend(r for r in ok if r not in have)
            for entry in value.get("NSPrivacyCollectedDataTypes") or []:
                if not isinstance(entry, dict):
                    continue
                kind = entry.get("NSPrivacyCollectedDataType")
                purposes = entry.get("NSPrivacyCollectedDataTypePurposes") or []
                if kind not in cat.data_types or not isinstance(purposes, list):
                    continue
                ok = [p for p in purposes if isinstance(p, str) and p in cat.purposes]
                if ok:
                    self.data.setdefault(kind, (bool(entry.get("NSPrivacyCollectedDataTypeLinked")),
                                                bool(entry.get("NSPrivacyCollectedDataTypeTracking")),
                                                ok))
        self.api = {k: v for k, v in self.api.items() if v}


def _render(shape: Shape, body: dict, comment: str) -> str:
    ind, nl = shape.indent, shape.newline
    lines: List[str] = []
    if shape.decl:
        lines.append(_XML_DECL)
    if shape.doctype:
        lines.append(_DOCTYPE)
    lines.append('<plist version="1.0">')
    base = 1 if shape.dict_indented else 0
    lines.append(ind * base + "<dict>")
    lines.append(ind * (base + 1) + f"<!-- {comment} -->")

    def value(v: object, level: int) -> None:
        pad = ind * level
        if isinstance(v, bool):
            lines.append(pad + ("<true/>" if v else "<false/>"))
        elif isinstance(v, str):
            lines.append(pad + f"<string>{v}</string>")
        elif isinstance(v, list):
            if not v:
                lines.append(pad + "<array/>")
                return
            lines.append(pad + "<array>")
            for item in v:
                value(item, level + 1)
            lines.append(pad + "</array>")
        elif isinstance(v, dict):
            lines.append(pad + "<dict>")
            for k, item in v.items():
                lines.append(ind * (level + 1) + f"<key>{k}</key>")
                value(item, level + 1)
            lines.append(pad + "</dict>")

    for k, v in body.items():
        if shape.comments and k == "NSPrivacyAccessedAPITypes":
            lines.append(ind * (base + 1) + "<!-- required-reason APIs -->")
        lines.append(ind * (base + 1) + f"<key>{k}</key>")
        value(v, base + 1)
    lines.append(ind * base + "</dict>")
    lines.append("</plist>")
    return nl.join(lines) + nl


def _body(pool: Pool, rng: random.Random, index: int) -> dict:
    tracking = rng.random() < 0.1
    domains = [f"t{index}-{k}.metrics.example.com" for k in range(rng.randint(1, 2))] if tracking else []
    kinds = rng.sample(sorted(pool.data), k=min(len(pool.data), rng.randint(0, 4)))
    data = []
    for kind in kinds:
        linked, track, purposes = pool.data[kind]
        data.append({
            "NSPrivacyCollectedDataType": kind,
            "NSPrivacyCollectedDataTypeLinked": linked,
            "NSPrivacyCollectedDataTypeTracking": track and tracking,
            "NSPrivacyCollectedDataTypePurposes": rng.sample(purposes, k=rng.randint(1, len(purposes))),
        })
    cats = rng.sample(sorted(pool.api), k=min(len(pool.api), rng.randint(1, 4)))
    api = [{"NSPrivacyAccessedAPIType": c,
            "NSPrivacyAccessedAPITypeReasons": rng.sample(pool.api[c], k=rng.randint(1, len(pool.api[c])))}
           for c in cats]
    return {"NSPrivacyTracking": tracking, "NSPrivacyTrackingDomains": domains,
            "NSPrivacyCollectedDataTypes": data, "NSPrivacyAccessedAPITypes": api}


def generate(dest: str, count: int, seed: int = 6, pool: Optional[Pool] = None,
             prefix: str = "m") -> List[str]:
    """Write ``count`` distinct manifests as DEST/<prefix>NNNN/PrivacyInfo.xcprivacy; return paths.

    One directory per manifest, each file named as Xcode names it, so tools that discover
    manifests by walking a directory (the peer) find exactly these files.
    """
    pool = pool or Pool()
    rng = random.Random(seed)
    seen = set()
    paths = []
    for i in range(count):
        shape = pool.shapes[i % len(pool.shapes)]
        for _ in range(20):  # re-draw until the declarations differ from every earlier file
            body = _body(pool, rng, i)
            key = repr(body)
            if key not in seen:
                break
        seen.add(key)
        text = _render(shape, body, f"generated manifest {i:04d}, shaped like {shape.source}")
        folder = os.path.join(dest, f"{prefix}{i:04d}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "PrivacyInfo.xcprivacy")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        paths.append(path)
    return paths


def app_manifest(dest: str, pool: Optional[Pool] = None) -> str:
    """An app's own manifest: tabs, Xcode's header, a few declarations."""
    pool = pool or Pool()
    shape = Shape("app", "\t", "\n", True, True, False, False)
    body = {"NSPrivacyTracking": False, "NSPrivacyTrackingDomains": [],
            "NSPrivacyCollectedDataTypes": [],
            "NSPrivacyAccessedAPITypes": [{"NSPrivacyAccessedAPIType":
                                           "NSPrivacyAccessedAPICategoryUserDefaults",
                                           "NSPrivacyAccessedAPITypeReasons": ["CA92.1"]}]}
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, "PrivacyInfo.xcprivacy")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(_render(shape, body, "the app's own manifest"))
    return path


def describe(pool: Pool) -> Dict[str, int]:
    return {"source_files": pool.sources, "api_categories": len(pool.api),
            "data_types": len(pool.data), "shapes": len(set((s.indent, s.newline, s.decl, s.doctype,
                                                             s.comments, s.dict_indented)
                                                            for s in pool.shapes))}


def all_distinct(paths: Sequence[str]) -> bool:
    blobs = set()
    for p in paths:
        with open(p, "rb") as fh:
            blobs.add(fh.read())
    return len(blobs) == len(paths)
