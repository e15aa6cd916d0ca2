"""Which slices count for the app: the one rule ``scan`` (a project on disk) and ``audit`` (a
built artifact) share, for an .xcframework's slices and for the images of any Mach-O file.

The app targets one platform (``TARGETS``: iOS unless it is a visionOS, macOS or Mac Catalyst
app; ``docs/scan.md`` says how that is known). Each slice, or each image of a fat file or an
archive, is then one of:

- ``DEVICE``: built for that platform's devices: what ships, read for findings;
- ``SIMULATOR``: built for that platform's simulator: never reaches the App Store (``scan``
  does not read it, ``audit`` reports it as notes at most);
- ``OTHER``: built for another platform: not part of the app, not attributed to it.

An image that says no platform (an object built before load commands named one) counts as
``DEVICE``: what cannot be told apart is reported rather than hidden.

An xcframework's ``Info.plist`` lists its libraries (``AvailableLibraries``): each slice's folder
(``LibraryIdentifier``), the library inside it (``LibraryPath``) and the platform it is built
for (``SupportedPlatform``, with ``SupportedPlatformVariant`` for the simulator and Mac
Catalyst). What that list says is preferred; without it (no Info.plist, or one listing nothing
usable) the slices are the folders, and Xcode's naming of them (``ios-arm64``,
``ios-arm64_x86_64-simulator``, ``xros-arm64``) says what each is built for.
"""

from __future__ import annotations

from typing import Any, List, NamedTuple, Optional, Tuple

INFO_PLIST = "Info.plist"
#: An xcframework's Info.plist is a few kilobytes; anything larger is refused unread.
MAX_INFO_PLIST = 1 << 20

DEVICE, SIMULATOR, OTHER = "device", "simulator", "other"
DEFAULT_TARGET = "ios"
#: The platforms an app can target (the configuration's ``platform``), as an xcframework's
#: Info.plist names the device slices each links: (SupportedPlatform, SupportedPlatformVariant).
TARGETS = {"ios": ("ios", ""), "visionos": ("xros", ""), "macos": ("macos", ""),
           "maccatalyst": ("ios", "maccatalyst"), "tvos": ("tvos", ""), "watchos": ("watchos", "")}
TARGET_NAMES = {"ios": "iOS", "visionos": "visionOS", "macos": "macOS",
                "maccatalyst": "Mac Catalyst", "tvos": "tvOS", "watchos": "watchOS"}
#: How Xcode names the device slices of each target's platform
TARGET_FOLDERS = {"ios": "ios-...", "visionos": "xros-...", "macos": "macos-...",
                  "maccatalyst": "ios-...-maccatalyst", "tvos": "tvos-...",
                  "watchos": "watchos-..."}
#: What a Mach-O image's platform (usage.macho.PLATFORMS) is in the Info.plist's terms.
_IMAGE_PLATFORMS = {"ios": ("ios", ""), "ios-simulator": ("ios", "simulator"),
                    "maccatalyst": ("ios", "maccatalyst"), "macos": ("macos", ""),
                    "visionos": ("xros", ""), "visionos-simulator": ("xros", "simulator"),
                    "tvos": ("tvos", ""), "tvos-simulator": ("tvos", "simulator"),
                    "watchos": ("watchos", ""), "watchos-simulator": ("watchos", "simulator")}
_VARIANTS = ("simulator", "maccatalyst")


class Library(NamedTuple):
    """One library the Info.plist lists."""

    ident: str  # the slice's folder, e.g. "ios-arm64_armv7"
    path: str  # the library inside it, e.g. "TXFFmpeg.framework" or "libX.a"
    role: str  # DEVICE, SIMULATOR or OTHER for the app's platform

    @property
    def ships(self) -> bool:
        """It reaches the App Store inside the app."""
        return self.role == DEVICE


def role(platform: str, variant: str = "", target: str = DEFAULT_TARGET) -> str:
    """What a slice built for ``platform`` (and ``variant``), in the Info.plist's terms, is to an
    app targeting ``target``."""
    want_platform, want_variant = TARGETS.get(target, TARGETS[DEFAULT_TARGET])
    if platform == want_platform and variant == want_variant:
        return DEVICE
    if target == "maccatalyst" and platform == "macos" and not variant:
        return DEVICE  # a Mac Catalyst app links macOS (and zippered) libraries too
    if platform == want_platform and variant == "simulator":
        return SIMULATOR
    return OTHER


def folder_platform(ident: str) -> Tuple[str, str]:
    """(platform, variant) from a slice folder's name as Xcode writes it: ``ios-arm64`` ->
    ("ios", ""), ``ios-arm64_x86_64-simulator`` -> ("ios", "simulator")."""
    parts = ident.split("-")
    variant = parts[-1] if len(parts) > 2 and parts[-1] in _VARIANTS else ""
    return parts[0], variant


def image_role(platform: str, target: str = DEFAULT_TARGET) -> str:
    """What a Mach-O image built for ``platform`` (``Image.platform``) is to the app; an image
    that names no platform counts as the device's."""
    if not platform:
        return DEVICE
    return role(*_IMAGE_PLATFORMS.get(platform, (platform, "")), target=target)


def target_of(platform: str) -> Optional[str]:
    """The app platform a Mach-O image's platform belongs to (a simulator's to its device's):
    ``ios-simulator`` -> "ios"; None for one no app targets (driverkit, an unknown number)."""
    base = platform[:-len("-simulator")] if platform.endswith("-simulator") else platform
    return base if base in TARGETS else None


def ships(ident: str, platform: Optional[str] = None, variant: Optional[str] = None,
          target: str = DEFAULT_TARGET) -> bool:
    """Whether a slice reaches the App Store inside the app: a device slice of the app's
    platform. Decided by the Info.plist's platform when it gives one, else by the folder's
    name."""
    if platform is not None:
        return role(platform, variant or "", target) == DEVICE
    return role(*folder_platform(ident), target=target) == DEVICE


def slice_role(ident: str, platform: Optional[str] = None, variant: Optional[str] = None,
               target: str = DEFAULT_TARGET) -> str:
    """DEVICE, SIMULATOR or OTHER for one slice: by the Info.plist's platform when it gives
    one, else by the folder's name."""
    if platform is not None:
        return role(platform, variant or "", target)
    return role(*folder_platform(ident), target=target)


def listed(info: Any, target: str = DEFAULT_TARGET) -> List[Library]:
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
        out.append(Library(ident, path, slice_role(
            ident, platform if isinstance(platform, str) else None,
            variant if isinstance(variant, str) else None, target)))
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
