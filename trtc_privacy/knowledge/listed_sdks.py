"""Apple's list of commonly used third-party SDKs (data/sdks.json), matched by framework name.

App Store Connect rejects an upload that embeds one of these without its own privacy manifest
(ITMS-91061) or, for a binary SDK, without a signature (ITMS-91065). Apple's names are pod and
product names; frameworks often ship under another (``DGCharts`` is Charts, ``sqflite_darwin``
is sqflite), so the data carries aliases with their sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Optional, Tuple

from trtc_privacy.knowledge.resources import data_dir, load_json


@dataclass(frozen=True)
class ListedSdk:
    """One entry of Apple's list: its name as Apple writes it, and how we recognised it."""

    name: str  # as on Apple's list, e.g. "BoringSSL / openssl_grpc"
    reported_as: str  # how App Store Connect's emails name it (usually ``name``)
    guessed: bool  # matched by a renamed package Apple is believed, not known, to match


@lru_cache(maxsize=None)
def _index() -> Tuple[Dict[str, ListedSdk], str]:
    doc = load_json(str(data_dir() / "sdks.json"))
    out: Dict[str, ListedSdk] = {}
    for row in doc["sdks"]:
        name = row["name"]
        known = [name] + [p.strip() for p in name.split("/")] + list(row.get("aliases", []))
        for n in known:
            out.setdefault(n.lower(), ListedSdk(name, row.get("reported_as", name), False))
        for n in row.get("guessed_aliases", []):
            out.setdefault(n.lower(), ListedSdk(name, row.get("reported_as", name), True))
    return out, str(doc.get("read_on", ""))


def listed(framework: str) -> Optional[ListedSdk]:
    """The list entry a framework (``Alamofire`` or ``Alamofire.framework``) is, or None."""
    name = framework[:-len(".framework")] if framework.endswith(".framework") else framework
    return _index()[0].get(name.lower())


def read_on() -> str:
    """When the list was read from Apple's page (it changes)."""
    return _index()[1]
