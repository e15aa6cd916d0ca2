"""The slices of an .xcframework and which of them ship: the one rule ``scan`` (a folder on disk)
and ``audit`` (an artifact tree) share.

An xcframework's ``Info.plist`` lists its libraries (``AvailableLibraries``): each slice's folder
(``LibraryIdentifier``), the library inside it (``LibraryPath``) and the platform it is built
for (``SupportedPlatform``, with ``SupportedPlatformVariant`` for the simulator and Mac
Catalyst). What that list says is preferred; without it (no Info.plist, or one listing nothing
usable) the slices are the folders, and Xcode's naming of them (``ios-arm64``,
``ios-arm64_x86_64-simulator``) says which ship.
"""

from __future__ import annotations

from typing import Any, List, NamedTuple, Optional

INFO_PLIST = "Info.plist"
#: An xcframework's Info.plist is a few kilobytes; anything larger is refused unread.
MAX_INFO_PLIST = 1 << 20
_NOT_SHIPPED_VARIANTS = ("-simulator", "-maccatalyst")


class Library(NamedTuple):
    """One library the Info.plist lists."""

    ident: str  # the slice's folder, e.g. "ios-arm64_armv7"
    path: str  # the library inside it, e.g. "TXFFmpeg.framework" or "libX.a"
    ships: bool  # it reaches the App Store inside an iOS app


def ships(ident: str, platform: Optional[str] = None, variant: Optional[str] = None) -> bool:
    """Whether a slice reaches the App Store: an iOS device slice, not the simulator's nor Mac
    Catalyst's. Decided by the Info.plist's platform when it gives one, else by the folder's
    name as Xcode writes it (``ios-*`` without ``-simulator`` or ``-maccatalyst``)."""
    if platform is not None:
        return platform == "ios" and not variant
    return ident.startswith("ios-") and not ident.endswith(_NOT_SHIPPED_VARIANTS)


def listed(info: Any) -> List[Library]:
    """The libraries a parsed Info.plist lists, in its order ([] when it lists none)."""
    libs = info.get("AvailableLibraries") if isinstance(info, dict) else None
    out: List[Library] = []
    for lib in libs if isinstance(libs, list) else []:
        if not isinstance(lib, dict):
            continue
        ident, path = lib.get("LibraryIdentifier"), lib.get("LibraryPath")
        if not (isinstance(ident, str) and isinstance(path, str)) or "/" in ident:
            continue
        platform, variant = lib.get("SupportedPlatform"), lib.get("SupportedPlatformVariant")
        out.append(Library(ident, path, ships(
            ident, platform if isinstance(platform, str) else None,
            variant if isinstance(variant, str) else None)))
    return out


def parse_info(data: bytes) -> Any:
    """An Info.plist's bytes (XML or binary) as Python data, or None when they do not parse.

    Info.plist is Apple's own format, read with plistlib (which refuses XML entities); it is
    never a privacy manifest, so the manifest reader's rules do not apply to it.
    """
    import plistlib

    try:
        return plistlib.loads(data)
    except Exception:  # plistlib raises many kinds (and RecursionError) on bad input
        return None
