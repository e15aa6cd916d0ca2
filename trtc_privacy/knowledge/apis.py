"""The required-reason API catalogue (``data/apis.json``): which symbol or spelling is which API.

Knowledge is data: every binary form (imported C function, Foundation constant, Objective-C
class, selector, Swift-mangled token) and source spelling is one ``ApiForm`` read from the JSON
file, marked "apple" (on Apple's list) or "derived", with its source. An entry may belong to
several categories (``getattrlist`` is both FileTimestamp and DiskSpace), so ``categories`` is a
tuple and each use is reported once per category.

Lookups are dictionaries built once; ``uses_in_images`` turns Mach-O images
(``trtc_privacy.usage.macho.Image``) into ``usage.Use`` with the binary's path, slice, member and symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Tuple

from trtc_privacy.knowledge.resources import data_dir, load_json
from trtc_privacy.usage.uses import Evidence, Use

if TYPE_CHECKING:  # only the type; the reader is imported by whoever reads binaries
    from trtc_privacy.usage.macho import Image

BINARY_KINDS = ("function", "constant", "class", "selector", "swift")
SOURCE_MATCHES = ("call", "name", "implicit", "property", "message", "attribute")
STATUSES = ("apple", "derived")
#: Since Xcode 14 an object file sends a message through an imported stub named after the
#: selector (``_objc_msgSend$systemUptime``), not through ``__objc_selrefs``; the linker makes
#: the stub (and the selector reference) when it links the app
SELECTOR_STUB = "_objc_msgSend$"


@dataclass(frozen=True)
class ApiForm:
    """One form of one required-reason API: a binary symbol or selector, or a source spelling."""

    form: str  # "_stat$INODE64", "systemUptime", "NSUserDefaults", "10AppStorageV"
    kind: str  # a binary kind (BINARY_KINDS) or a source match (SOURCE_MATCHES)
    api: str  # the API as Apple's list names it: "stat", "creationDate", "UserDefaults"
    categories: Tuple[str, ...]
    status: str  # "apple" or "derived"
    source: str  # where the mapping comes from (a URL or a sentence)
    context: Tuple[str, ...] = ()  # source matches "implicit"/"property": the receivers


@dataclass(frozen=True)
class ApiCatalogue:
    read_on: str
    binary: Tuple[ApiForm, ...]
    source: Tuple[ApiForm, ...]
    symbols: Dict[str, ApiForm]  # imported symbol -> entry (functions, constants, classes)
    selectors: Dict[str, ApiForm]
    swift_tokens: Tuple[ApiForm, ...]  # matched inside Swift-mangled imports

    def categories(self) -> List[str]:
        seen: Dict[str, None] = {}
        for e in self.binary + self.source:
            for c in e.categories:
                seen.setdefault(c, None)
        return list(seen)


def _resolve(raw_sources: Dict[str, str], key: str) -> str:
    return raw_sources.get(key, key)


@lru_cache(maxsize=None)
def catalogue() -> ApiCatalogue:
    """The catalogue, read and indexed once per process."""
    raw = load_json(str(data_dir() / "apis.json"))
    sources: Dict[str, str] = raw["sources"]
    binary: List[ApiForm] = []
    spellings: List[ApiForm] = []
    for a in raw["apis"]:
        cats = tuple(a["categories"])
        for b in a["binary"]:
            binary.append(ApiForm(b["symbol"], b["kind"], a["api"], cats,
                                b.get("status", a["status"]),
                                _resolve(sources, b.get("source", a["source"]))))
        for s in a["source_forms"]:
            spellings.append(ApiForm(s["text"], s["match"], a["api"], cats,
                                   s.get("status", a["status"]),
                                   _resolve(sources, s.get("source", a["source"])),
                                   tuple(s.get("context", ()))))
    symbols = {e.form: e for e in binary if e.kind in ("function", "constant", "class")}
    selectors = {e.form: e for e in binary if e.kind == "selector"}
    swift = tuple(e for e in binary if e.kind == "swift")
    return ApiCatalogue(raw["read_on"], tuple(binary), tuple(spellings), symbols, selectors, swift)


def category_of_symbol(name: str) -> Optional[ApiForm]:
    """The entry for an imported symbol exactly as in the binary (``_stat$INODE64``), or None.

    A selector stub import (``_objc_msgSend$systemUptime``) is a send of its selector: the
    selector's entry. Swift-mangled imports (``_$s...``, ``$s...``) are matched by the
    length-prefixed tokens the catalogue lists (``10AppStorageV``), never by a substring of a
    plain C name.
    """
    cat = catalogue()
    if name.startswith(SELECTOR_STUB):
        return cat.selectors.get(name[len(SELECTOR_STUB):])
    hit = cat.symbols.get(name)
    if hit is not None or not _is_swift(name):
        return hit
    for e in cat.swift_tokens:
        if e.form in name:
            return e
    return None


def category_of_selector(sel: str) -> Optional[ApiForm]:
    """The entry for an Objective-C selector the binary sends (``systemUptime``), or None."""
    return catalogue().selectors.get(sel)


def _is_swift(name: str) -> bool:
    return name.startswith(("_$s", "$s", "_$S", "$S", "_T0"))


def uses_in_images(images: Iterable["Image"], path: str) -> List[Use]:
    """Every required-reason use in the images of one binary file, one Use per category.

    ``path`` is the file as the user sees it; each Use's evidence names the slice
    (architecture), the static-archive member and the symbol or selector (for a send through
    a selector stub, the stub import: ``_objc_msgSend$systemUptime``). Sorted by symbol,
    architecture and member so that output is stable whatever the reader's set order.
    """
    out: List[Use] = []
    for img in images:
        found: List[Tuple[str, ApiForm]] = []
        for sym in img.imports:
            e = category_of_symbol(sym)
            if e is not None:
                found.append((sym, e))
        for sel in img.selectors:
            e = category_of_selector(sel)
            if e is not None:
                found.append((sel, e))
        for sym, e in found:
            for cat in e.categories:
                out.append(Use(cat, Evidence(path, arch=img.arch, member=img.member, symbol=sym)))
    out.sort(key=lambda u: (u.category, u.evidence.symbol, u.evidence.arch, u.evidence.member))
    return out
