"""Lay out app projects the way React Native and Flutter leave them, around the Mach-O fixtures.

Usable as a module (``make_react_native``, ``make_flutter``); the binaries come from
``build.py``. Both apps resolve their native modules as CocoaPods development pods: the
Podfile.lock names each under ``EXTERNAL SOURCES`` with ``:path:``, and the files stay outside
the iOS project. Beside each named pod lies one the lockfile does not name, which must not be
read. What each plants, and so what ``scan`` must find, is in ``PLANTED_*``.

``RNApp/`` (React Native)
  ``ios/Podfile.lock`` names ``RNBackgroundFetch`` at ``../node_modules/react-native-background-fetch``
  and ``RNLocal`` at ``../node_modules/rn-missing`` (not installed: a note, nothing read).
  The pod vendors ``TSBackgroundFetch.xcframework``, a static framework (an archive of
  ``defaults.o``: User defaults) with a device and a simulator slice, and its source
  ``RNBackgroundFetch.m`` reads ``[[NSProcessInfo processInfo] systemUptime]`` (System boot
  time). The app's own ``ios/RNApp/PrivacyInfo.xcprivacy`` declares nothing.
  ``node_modules/unrelated-native-module`` (a pod the lockfile does not name) has a source using
  NSUserDefaults and a static library ``libUnrelated.a``: neither is read.
``FlutterApp/`` (Flutter)
  ``ios/Podfile.lock`` names ``Flutter`` at ``Flutter`` and ``shared_prefs_kit`` at
  ``.symlinks/plugins/shared_prefs_kit/ios``; ``ios/.symlinks/plugins/shared_prefs_kit`` is a
  link out of ``ios/`` into ``pub-cache/hosted/shared_prefs_kit-1.0.0`` (as Flutter links the
  pub cache), whose ``ios/`` holds ``Classes/SharedPrefsKitPlugin.swift`` (``UserDefaults``)
  and a vendored ``Frameworks/libPrefsCore.a`` (User defaults). ``ios/.symlinks/plugins/
  unused_plugin`` links to a plugin the lockfile does not name (``UserDefaults`` in its
  source): not read. The app's manifest declares nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Dict, Tuple

if __package__:
    from machofixtures import build as B
else:  # run as a script: the sibling module
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build as B  # type: ignore[no-redef]

UD = "NSPrivacyAccessedAPICategoryUserDefaults"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"

_EMPTY_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>NSPrivacyTracking</key>
\t<false/>
\t<key>NSPrivacyTrackingDomains</key>
\t<array/>
\t<key>NSPrivacyCollectedDataTypes</key>
\t<array/>
\t<key>NSPrivacyAccessedAPITypes</key>
\t<array/>
</dict>
</plist>
"""

RN_LOCK = """PODS:
  - RNBackgroundFetch (4.2.5):
    - React-Core
  - RNLocal (0.1.0)

DEPENDENCIES:
  - RNBackgroundFetch (from `../node_modules/react-native-background-fetch`)
  - RNLocal (from `../node_modules/rn-missing`)

EXTERNAL SOURCES:
  RNBackgroundFetch:
    :path: "../node_modules/react-native-background-fetch"
  RNLocal:
    :path: "../node_modules/rn-missing"

SPEC CHECKSUMS:
  RNBackgroundFetch: 0d3a1b5bd1e8b5b1c2a7e0e2d3c4b5a6f7e8d9c0
  RNLocal: 1d3a1b5bd1e8b5b1c2a7e0e2d3c4b5a6f7e8d9c0

PODFILE CHECKSUM: 2d3a1b5bd1e8b5b1c2a7e0e2d3c4b5a6f7e8d9c0

COCOAPODS: 1.15.2
"""

FLUTTER_LOCK = """PODS:
  - Flutter (1.0.0)
  - shared_prefs_kit (0.0.1):
    - Flutter

DEPENDENCIES:
  - Flutter (from `Flutter`)
  - shared_prefs_kit (from `.symlinks/plugins/shared_prefs_kit/ios`)

EXTERNAL SOURCES:
  Flutter:
    :path: Flutter
  shared_prefs_kit:
    :path: ".symlinks/plugins/shared_prefs_kit/ios"

SPEC CHECKSUMS:
  Flutter: e0871f40cf51350855a761d2e70bf5af5b9b5de7
  shared_prefs_kit: 3d4e5f60718293a4b5c6d7e8f901234567890123

PODFILE CHECKSUM: 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432

COCOAPODS: 1.16.2
"""

#: (category, evidence path relative to the app's folder, symbol, pod) scan must report
PLANTED_RN: Tuple[Tuple[str, str, str, str], ...] = (
    (BT, "node_modules/react-native-background-fetch/ios/RNBackgroundFetch/RNBackgroundFetch.m",
     "systemUptime", "pod RNBackgroundFetch"),
    (UD, "node_modules/react-native-background-fetch/ios/RNBackgroundFetch/"
     "TSBackgroundFetch.xcframework/ios-arm64/TSBackgroundFetch.framework/TSBackgroundFetch",
     "_OBJC_CLASS_$_NSUserDefaults", "pod RNBackgroundFetch"),
)
PLANTED_FLUTTER: Tuple[Tuple[str, str, str, str], ...] = (
    (UD, "ios/.symlinks/plugins/shared_prefs_kit/ios/Classes/SharedPrefsKitPlugin.swift",
     "UserDefaults", "pod shared_prefs_kit"),
    (UD, "ios/.symlinks/plugins/shared_prefs_kit/ios/Frameworks/libPrefsCore.a",
     "_OBJC_CLASS_$_NSUserDefaults", "pod shared_prefs_kit"),
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_react_native(files: Dict[str, Path], dest: Path) -> Path:
    """``dest/RNApp`` as described above."""
    app = Path(dest) / "RNApp"
    ios = app / "ios"
    _write(app / "package.json", '{"name": "rnapp", "dependencies": '
           '{"react-native-background-fetch": "4.2.5"}}\n')
    _write(ios / "Podfile.lock", RN_LOCK)
    _write(ios / "Pods" / "Manifest.lock", RN_LOCK)  # `pod install` has run
    _write(ios / "RNApp" / "AppDelegate.mm", "#import \"AppDelegate.h\"\n"
           "@implementation AppDelegate\n@end\n")
    (ios / "RNApp" / "PrivacyInfo.xcprivacy").write_bytes(_EMPTY_MANIFEST)
    pod = app / "node_modules" / "react-native-background-fetch"
    _write(pod / "RNBackgroundFetch.podspec", "Pod::Spec.new do |s|\n"
           "  s.name = 'RNBackgroundFetch'\n"
           "  s.vendored_frameworks = ['ios/RNBackgroundFetch/TSBackgroundFetch.xcframework']\n"
           "end\n")
    _write(pod / "ios" / "RNBackgroundFetch" / "RNBackgroundFetch.m",
           "#import \"RNBackgroundFetch.h\"\n"
           "@implementation RNBackgroundFetch\n"
           "- (double)uptime {\n"
           "    return [[NSProcessInfo processInfo] systemUptime];\n"
           "}\n@end\n")
    B.make_xcframework(pod / "ios" / "RNBackgroundFetch", "TSBackgroundFetch", [
        B.Slice(files["defaults_archive"], "ios", ("arm64",)),
        B.Slice(files["defaults_archive_sim"], "ios", ("arm64", "x86_64"), "simulator")])
    other = app / "node_modules" / "unrelated-native-module"
    _write(other / "ios" / "Unrelated.m", "@implementation Unrelated\n"
           "- (id)read { return [[NSUserDefaults standardUserDefaults] objectForKey:@\"k\"]; }\n"
           "@end\n")
    shutil.copyfile(files["defaults_archive"], other / "ios" / "libUnrelated.a")
    return app


def make_flutter(files: Dict[str, Path], dest: Path) -> Path:
    """``dest/FlutterApp`` and ``dest/pub-cache`` as described above."""
    app = Path(dest) / "FlutterApp"
    ios = app / "ios"
    cache = Path(dest) / "pub-cache" / "hosted"
    _write(ios / "Podfile.lock", FLUTTER_LOCK)
    _write(ios / "Pods" / "Manifest.lock", FLUTTER_LOCK)  # `pod install` has run
    _write(ios / "Flutter" / "Generated.xcconfig", "FLUTTER_ROOT=/opt/flutter\n")
    _write(ios / "Runner" / "AppDelegate.swift", "import UIKit\nimport Flutter\n"
           "@main\nclass AppDelegate: FlutterAppDelegate {}\n")
    (ios / "Runner" / "PrivacyInfo.xcprivacy").write_bytes(_EMPTY_MANIFEST)
    kit = cache / "shared_prefs_kit-1.0.0"
    _write(kit / "ios" / "Classes" / "SharedPrefsKitPlugin.swift",
           "import Flutter\n"
           "public class SharedPrefsKitPlugin: NSObject {\n"
           "    let store = UserDefaults.standard\n"
           "}\n")
    (kit / "ios" / "Frameworks").mkdir(parents=True)
    shutil.copyfile(files["defaults_archive"], kit / "ios" / "Frameworks" / "libPrefsCore.a")
    _write(kit / "lib" / "shared_prefs_kit.dart", "library shared_prefs_kit;\n")
    unused = cache / "unused_plugin-1.0.0"
    _write(unused / "ios" / "Classes" / "UnusedPlugin.swift",
           "import Flutter\nlet d = UserDefaults.standard\n")
    links = ios / ".symlinks" / "plugins"
    links.mkdir(parents=True)
    for name, target in (("shared_prefs_kit", kit), ("unused_plugin", unused)):
        os.symlink(os.path.relpath(target, links), links / name)
    return app
