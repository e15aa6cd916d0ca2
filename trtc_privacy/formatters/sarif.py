"""SARIF 2.1.0 for GitHub code scanning, built as plain dicts (no SARIF library needed).

Tool and rule metadata come from the rule registry; each result has a physical location with a
region when the line is known, and a fingerprint that survives lines moving (rule, file,
message, and the occurrence number among identical ones).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, List, Optional, Sequence
from urllib.parse import quote

from trtc_privacy import __version__
from trtc_privacy.diagnostics import Diagnostic
from trtc_privacy.formatters.inert import shown

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "note": "note"}
_BASE = "%SRCROOT%"


def _rule_entry(name: str) -> Dict[str, object]:
    from trtc_privacy.lint.rules import get

    r = get(name)
    if r is None:  # a diagnostic from another command (versions, merge) or the reader
        return {"id": name, "shortDescription": {"text": name}}
    help_text = r.explanation + (f" Fix: {r.hint}." if r.hint else "")
    entry: Dict[str, object] = {
        "id": r.name,
        "name": "".join(p.capitalize() for p in r.name.split("-")),
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.explanation},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": _LEVEL[r.severity.value]},
        "properties": {"tags": ["privacy-manifest"] + list(r.itms)},
    }
    return entry


def _uri(path: str) -> Dict[str, str]:
    path = shown(path)  # bytes that were not UTF-8: U+FFFD, percent-encoded like any other
    if os.path.isabs(path):
        return {"uri": "file://" + quote(path.replace(os.sep, "/"))}
    rel = os.path.normpath(path).replace(os.sep, "/")
    return {"uri": quote(rel), "uriBaseId": _BASE}


def format(diagnostics: Sequence[Diagnostic], files: Optional[int] = None,
           color: Optional[bool] = None) -> str:
    from trtc_privacy.lint.rules import all_rules

    names = [r.name for r in all_rules()]
    for d in diagnostics:
        if d.rule not in names:
            names.append(d.rule)
    index = {n: i for i, n in enumerate(names)}
    seen: Dict[str, int] = {}
    results: List[Dict[str, object]] = []
    for d in diagnostics:
        key = f"{d.rule}\0{d.path}\0{d.message}"
        seen[key] = seen.get(key, 0) + 1
        fp = hashlib.sha256(shown(f"{key}\0{seen[key]}").encode("utf-8")).hexdigest()[:32]
        physical: Dict[str, object] = {"artifactLocation": _uri(d.path)}
        if d.line:
            region: Dict[str, int] = {"startLine": d.line}
            if d.column:
                region["startColumn"] = d.column
            physical["region"] = region
        text = d.message + (f" (hint: {d.hint})" if d.hint else "")
        text += "".join(f"\nat {e}" for e in d.evidence)  # what a scan finding rests on
        result: Dict[str, object] = {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": _LEVEL[d.severity.value],
            "message": {"text": text},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": {"trtcPrivacy/v1": fp},
        }
        if d.itms:
            result["properties"] = {"itms": d.itms}
        results.append(result)
    cwd = shown(os.getcwd()).replace(os.sep, "/").rstrip("/") + "/"
    run = {
        "tool": {"driver": {
            "name": "trtc-privacy",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [_rule_entry(n) for n in names],
        }},
        "originalUriBaseIds": {_BASE: {"uri": "file://" + quote(cwd if cwd.startswith("/")
                                                                else "/" + cwd)}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
