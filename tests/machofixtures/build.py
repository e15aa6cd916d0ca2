"""Build Mach-O test fixtures on Linux with Debian's clang, lld (ld64.lld) and llvm tools.

Usable as a module (``build_all``, ``make_framework``, ``make_xcframework``) and as a script::

    python tests/machofixtures/build.py OUTDIR

No Apple SDK exists here, so the sources under ``src/`` declare their own prototypes and
interfaces; the calls still compile to the same undefined externals, class references and
selector references that Apple's toolchain produces. lld is not Apple's ld64 (lld 14 has no
chained fixups and merges ``__objc_methname`` into ``__cstring``), so a few real binaries stay
golden inputs beside these.

Every fixture ``build_all`` returns (key: file, what it plants):

- ``object``: ``rr.o`` (arm64 iOS, MH_OBJECT) from rr.c: imports ``_stat _lstat _fstat _fstatat
  _getattrlist _statfs _fstatvfs _mach_absolute_time``.
- ``objc_object``: ``rr_m.o`` (arm64 iOS, MH_OBJECT) from rr.m: imports
  ``_OBJC_CLASS_$_NSUserDefaults _OBJC_CLASS_$_NSProcessInfo _OBJC_CLASS_$_UITextInputMode
  _NSFileCreationDate _objc_msgSend``; selectors ``standardUserDefaults objectForKey:
  processInfo systemUptime activeInputModes fileModificationDate``.
- ``dylib``: ``RR`` (arm64 iOS MH_DYLIB, install name @rpath/RR.framework/RR) = rr.o + rr_m.o:
  the union of the two above, bound through dyld-info opcodes (lld 14).
- ``objc``: ``RRObjC`` (arm64 iOS MH_DYLIB) = rr_m.o only: the ObjC uses alone.
- ``executable``: ``Demo`` (arm64 iOS MH_EXECUTE) = main.c + rr.o + rr_m.o.
- ``bundle``: ``RRBundle`` (arm64 iOS MH_BUNDLE) = rr.o.
- ``archive``: ``libRR.a``, BSD (darwin) ar with ``__.SYMDEF`` and a ``#1/NN`` long member
  name: members ``rr.o``, ``rr_objective_c_uses.o`` (rr.m) and ``clean.o`` (imports only
  ``_strlen``).
- ``archive_gnu``: ``libRR_gnu.a``, GNU ar (``/`` symbol table, ``//`` long-name table), same
  members as ``archive``.
- ``fat``: ``RR_fat``: universal arm64 iOS + x86_64 iOS-simulator ``RR``.
- ``fat64``: ``RR_fat64``: the same two slices under a 64-bit fat header (FAT_MAGIC_64,
  written by ``write_fat64`` since llvm-lipo 14 cannot).
- ``fat_archive``: ``libRR_fat.a``: universal archive, arm64 iOS + x86_64 iOS-simulator members.
- ``stripped``: ``RR_stripped`` = ``llvm-strip RR``: the symbol table loses the imports, the bind
  opcodes keep them.
- ``signed``: ``RR_signed``: ``RR`` linked with ``-adhoc_codesign`` (LC_CODE_SIGNATURE).
- ``chained``: ``RR_chained``: ``RR`` linked by lld >= 15 with ``-fixup_chains``
  (LC_DYLD_CHAINED_FIXUPS; selector references are chained rebase pointers); absent when no
  such lld is installed.
- ``chained_stripped``: ``RR_chained_stripped`` = ``llvm-strip RR_chained`` (only the chained
  import table names the imports); absent with ``chained``.
- ``statmac``: ``StatMac`` (x86_64 macOS 10.15 MH_DYLIB): imports ``_stat$INODE64`` and
  ``_fstat$INODE64`` (the asm labels Apple's headers put on stat/fstat there).
- ``decoy``: ``Decoy`` (arm64 iOS MH_DYLIB) = decoy.c + decoy.m: calls nothing on Apple's list;
  defines ``_my_lstat _vm_stat _statistics``, a class implementing ``systemUptime`` and
  ``fileModificationDate`` (never sent), strings "NSUserDefaults", "Render time: systemUptime",
  "/proc/self/stat", "mach_absolute_time", "NSFileCreationDate"; imports ``_strlen
  _mach_timebase_info _statx_like ___stack_chk_fail ___stack_chk_guard _objc_msgSend
  _OBJC_CLASS_$_NSUserDefaultsController _OBJC_CLASS_$_UIApplication`` (and NSObject's class,
  metaclass and ``__objc_empty_cache`` for its own class); selectors
  ``sharedUserDefaultsController sharedApplication statusBarStyle``.
- ``decoy_object``: ``decoy_m.o``: decoy.m alone as MH_OBJECT (its ``__objc_methname`` holds
  ``systemUptime``, its selector references do not).

Images linked with dyld-info binds also import ``dyld_stub_binder`` (lld adds it); the
``chained`` fixtures link the decoy objects in too, so they carry both sets.
- ``dsym``: ``Demo.dSYM/Contents/Resources/DWARF/Demo`` (MH_DSYM) from dsymutil; absent when
  dsymutil cannot make one.
- ``swiftish``: ``Swiftish`` (arm64 iOS MH_DYLIB) from swiftish.c: imports two Swift-mangled
  names through asm labels, ``_$s7SwiftUI10AppStorageVMn`` (SwiftUI ``@AppStorage``) and
  ``_$s10Foundation17URLResourceValuesV12creationDateAA0D0VSgvg`` (illustrative manglings).
- ``objc_object_armv7``: rr.m as a 32-bit armv7 iOS 10 object (LC_VERSION_MIN_IPHONEOS, 32-bit
  relocations): the same imports and selectors as ``objc_object``.
- ``stub_object``: ``rr_stubs.o`` (arm64 iOS, MH_OBJECT) from rr_stubs.s, the assembly Xcode 14+
  clang writes for ``[[NSProcessInfo processInfo] systemUptime]`` with selector stubs (Debian's
  clang 14 has no ``-fobjc-msgsend-selector-stubs``, so the assembly is written out and
  assembled by clang): imports ``_OBJC_CLASS_$_NSProcessInfo _objc_msgSend$processInfo
  _objc_msgSend$systemUptime``; no selector references at all.
- ``stub_archive``: ``libRRStubs.a`` (BSD ar): members ``rr_stubs.o`` and ``clean.o``; its only
  trace of ``systemUptime`` is the stub import.
- ``stub_linked``: ``RRStubs`` (arm64 iOS MH_DYLIB) = rr_stubs.o linked by lld >= 16 against a
  stand-in libobjc (objc_runtime.s): the linker turns the stubs into ``__objc_stubs`` with
  ``__objc_selrefs``, as Apple's ld64 does: imports ``_OBJC_CLASS_$_NSProcessInfo
  _objc_msgSend``, selectors ``processInfo systemUptime``; absent without such an lld.
- ``stub_dylib``: ``RRStubs_imports`` = rr_stubs.o linked by an lld older than 16, which keeps
  the stubs as imports bound by dyld-info (``dynamic_lookup``): the stub imports and
  ``dyld_stub_binder``; absent without such an lld.
- ``defaults_archive``: ``libDefaults.a`` (BSD ar, arm64 iOS) from defaults.m, what a vendored
  static framework such as a background-fetch module carries: member ``defaults.o`` imports
  ``_OBJC_CLASS_$_NSUserDefaults _objc_msgSend``, selectors ``standardUserDefaults
  setBool:forKey:`` (User defaults only). ``defaults_archive_sim`` is the same for the x86_64
  iOS simulator, ``defaults_archive_mac`` for x86_64 macOS (another platform than the app's).
- ``platform-<triple>``: clean.c for each triple of ``PLATFORM_TARGETS`` (iOS 10, iOS 10
  simulator and macOS 10.12 with LC_VERSION_MIN_*, Mac Catalyst, tvOS, 32-bit watchOS, arm64
  simulator): imports ``_strlen``.

Each fixture's expected content is in ``EXPECTED`` (imports, selectors, arch, platform, filetype,
signed) so tests assert against one table.
"""

from __future__ import annotations

import glob
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

SRC = Path(__file__).resolve().parent / "src"
IOS = "arm64-apple-ios15.0"
IOS_SIM = "x86_64-apple-ios15.0-simulator"
MACOS = "x86_64-apple-macos10.15"
_PLATFORM_VERSION = {IOS: ("ios", "15.0"), IOS_SIM: ("ios-simulator", "15.0"),
                     MACOS: ("macos", "10.15")}


class ToolMissing(RuntimeError):
    """A compiler, linker or llvm tool the fixtures need is not installed."""


def _version_of(path: str) -> Tuple[int, ...]:
    """The version suffix of a tool name (ld64.lld-16 -> (16,)), or from its llvm-N directory."""
    m = re.search(r"-(\d+(?:\.\d+)*)$", os.path.basename(path)) or \
        re.search(r"/llvm-(\d+)/bin/", path)
    return tuple(int(p) for p in m.group(1).split(".")) if m else (0,)


def find_tool(name: str, minimum: int = 0, maximum: int = 0) -> Optional[str]:
    """The newest installed ``name`` (also ``name-NN`` and /usr/lib/llvm-NN/bin/name).

    Debian installs versioned names (ld64.lld-14, llvm-lipo-14); an unversioned one on PATH is
    taken when no versioned one is, or when ``minimum`` asks nothing of the version. With
    ``maximum``, the newest whose major version is at most that (an older lld on purpose).
    """
    found: List[str] = []
    for d in os.environ.get("PATH", "").split(os.pathsep) + glob.glob("/usr/lib/llvm-*/bin"):
        if not d or not os.path.isdir(d):
            continue
        try:
            entries = os.listdir(d)
        except OSError:
            continue
        for entry in entries:
            if entry == name or re.fullmatch(re.escape(name) + r"-\d+(\.\d+)*", entry):
                full = os.path.join(d, entry)
                if os.access(full, os.X_OK):
                    found.append(full)
    if maximum:
        found = [p for p in found
                 if 0 < max(_version_of(os.path.realpath(p)), _version_of(p))[0] <= maximum]
    if not found:
        return None
    best = max(found, key=lambda p: (_version_of(os.path.realpath(p)), _version_of(p)))
    version = max(_version_of(os.path.realpath(best)), _version_of(best))
    if minimum and version[0] < minimum:
        return None
    return best


def missing_tools() -> List[str]:
    """Names of the tools the core fixtures need that are not installed (empty: all present)."""
    need = ("clang", "ld64.lld", "llvm-ar", "llvm-lipo", "llvm-strip")
    return [n for n in need if find_tool(n) is None]


def _run(cmd: Sequence[str], cwd: Path) -> None:
    out = subprocess.run(list(cmd), cwd=str(cwd), capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"fixture build failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")


@dataclass(frozen=True)
class Expected:
    """What the reader must find in one fixture image."""
    arch: str
    platform: str
    filetype: str
    imports: FrozenSet[str]
    selectors: FrozenSet[str] = frozenset()
    signed: bool = False
    members: Tuple[str, ...] = ()   # for archives: member names in order
    archs: Tuple[str, ...] = ()     # for fat files: slice archs in order


C_IMPORTS = frozenset({"_stat", "_lstat", "_fstat", "_fstatat", "_getattrlist", "_statfs",
                       "_fstatvfs", "_mach_absolute_time"})
OBJC_IMPORTS = frozenset({"_OBJC_CLASS_$_NSUserDefaults", "_OBJC_CLASS_$_NSProcessInfo",
                          "_OBJC_CLASS_$_UITextInputMode", "_NSFileCreationDate",
                          "_objc_msgSend"})
OBJC_SELECTORS = frozenset({"standardUserDefaults", "objectForKey:", "processInfo",
                            "systemUptime", "activeInputModes", "fileModificationDate"})
CLEAN_IMPORTS = frozenset({"_strlen"})
#: a class of one's own pulls in the root class, its metaclass and the empty method cache
OWN_CLASS_IMPORTS = frozenset({"_OBJC_CLASS_$_NSObject", "_OBJC_METACLASS_$_NSObject",
                               "__objc_empty_cache"})
DECOY_C_IMPORTS = frozenset({"_strlen", "_mach_timebase_info", "_statx_like",
                             "___stack_chk_fail", "___stack_chk_guard"})
DECOY_OBJC_IMPORTS = OWN_CLASS_IMPORTS | {"_objc_msgSend",
                                          "_OBJC_CLASS_$_NSUserDefaultsController",
                                          "_OBJC_CLASS_$_UIApplication"}
DECOY_IMPORTS = DECOY_C_IMPORTS | DECOY_OBJC_IMPORTS
DECOY_SELECTORS = frozenset({"sharedUserDefaultsController", "sharedApplication",
                             "statusBarStyle"})
#: lld binds dyld_stub_binder in every image that has lazy (dyld-info) binds
LAZY = frozenset({"dyld_stub_binder"})
RR = C_IMPORTS | OBJC_IMPORTS
SWIFT_IMPORTS = frozenset({"_$s7SwiftUI10AppStorageVMn",
                           "_$s10Foundation17URLResourceValuesV12creationDateAA0D0VSgvg"})
RR_MEMBERS = ("rr.o", "rr_objective_c_uses.o", "clean.o")
DEFAULTS_IMPORTS = frozenset({"_OBJC_CLASS_$_NSUserDefaults", "_objc_msgSend"})
DEFAULTS_SELECTORS = frozenset({"standardUserDefaults", "setBool:forKey:"})
STUB_IMPORTS = frozenset({"_OBJC_CLASS_$_NSProcessInfo", "_objc_msgSend$processInfo",
                          "_objc_msgSend$systemUptime"})

EXPECTED: Dict[str, Expected] = {
    "object": Expected("arm64", "ios", "object", C_IMPORTS),
    "objc_object": Expected("arm64", "ios", "object", OBJC_IMPORTS, OBJC_SELECTORS),
    "dylib": Expected("arm64", "ios", "dylib", RR | LAZY, OBJC_SELECTORS),
    "objc": Expected("arm64", "ios", "dylib", OBJC_IMPORTS | LAZY, OBJC_SELECTORS),
    "executable": Expected("arm64", "ios", "executable", RR | LAZY, OBJC_SELECTORS),
    "bundle": Expected("arm64", "ios", "bundle", C_IMPORTS | LAZY),
    "archive": Expected("arm64", "ios", "object", RR | CLEAN_IMPORTS, OBJC_SELECTORS,
                        members=RR_MEMBERS),
    "archive_gnu": Expected("arm64", "ios", "object", RR | CLEAN_IMPORTS, OBJC_SELECTORS,
                            members=RR_MEMBERS),
    "fat": Expected("arm64", "ios", "dylib", RR | LAZY, OBJC_SELECTORS,
                    archs=("x86_64", "arm64")),
    "fat64": Expected("arm64", "ios", "dylib", RR | LAZY, OBJC_SELECTORS,
                      archs=("x86_64", "arm64")),
    "fat_archive": Expected("arm64", "ios", "object", RR | CLEAN_IMPORTS, OBJC_SELECTORS,
                            members=RR_MEMBERS, archs=("x86_64", "arm64")),
    "stripped": Expected("arm64", "ios", "dylib", RR | LAZY, OBJC_SELECTORS),
    "signed": Expected("arm64", "ios", "dylib", RR | LAZY, OBJC_SELECTORS, signed=True),
    "chained": Expected("arm64", "ios", "dylib", RR | DECOY_IMPORTS,
                        OBJC_SELECTORS | DECOY_SELECTORS),
    "chained_stripped": Expected("arm64", "ios", "dylib", RR | DECOY_IMPORTS,
                                 OBJC_SELECTORS | DECOY_SELECTORS),
    "statmac": Expected("x86_64", "macos", "dylib",
                        frozenset({"_stat$INODE64", "_fstat$INODE64"}) | LAZY),
    "decoy": Expected("arm64", "ios", "dylib", DECOY_IMPORTS | LAZY, DECOY_SELECTORS),
    "decoy_object": Expected("arm64", "ios", "object", DECOY_OBJC_IMPORTS, DECOY_SELECTORS),
    "dsym": Expected("arm64", "ios", "dsym", frozenset()),
    "objc_object_armv7": Expected("armv7", "ios", "object", OBJC_IMPORTS, OBJC_SELECTORS),
    "swiftish": Expected("arm64", "ios", "dylib", SWIFT_IMPORTS),
    "stub_object": Expected("arm64", "ios", "object", STUB_IMPORTS),
    "stub_archive": Expected("arm64", "ios", "object", STUB_IMPORTS | CLEAN_IMPORTS,
                             members=("rr_stubs.o", "clean.o")),
    "stub_linked": Expected("arm64", "ios", "dylib",
                            frozenset({"_OBJC_CLASS_$_NSProcessInfo", "_objc_msgSend"}),
                            frozenset({"processInfo", "systemUptime"})),
    "stub_dylib": Expected("arm64", "ios", "dylib", STUB_IMPORTS | LAZY),
    "defaults_archive": Expected("arm64", "ios", "object", DEFAULTS_IMPORTS, DEFAULTS_SELECTORS,
                                 members=("defaults.o",)),
    "defaults_archive_sim": Expected("x86_64", "ios-simulator", "object", DEFAULTS_IMPORTS,
                                     DEFAULTS_SELECTORS, members=("defaults.o",)),
    "defaults_archive_mac": Expected("x86_64", "macos", "object", DEFAULTS_IMPORTS,
                                     DEFAULTS_SELECTORS, members=("defaults.o",)),
}
#: clean.c compiled for other platforms: target triple -> (arch, platform the reader reports);
#: old deployment targets get LC_VERSION_MIN_* instead of LC_BUILD_VERSION
PLATFORM_TARGETS = {
    "arm64-apple-ios10.0": ("arm64", "ios"),
    "x86_64-apple-ios10.0-simulator": ("x86_64", "ios-simulator"),
    "x86_64-apple-macos10.12": ("x86_64", "macos"),
    "arm64-apple-ios14.0-macabi": ("arm64", "maccatalyst"),
    "arm64-apple-tvos12.0": ("arm64", "tvos"),
    "armv7k-apple-watchos5.0": ("armv7k", "watchos"),
    "arm64-apple-ios15.0-simulator": ("arm64", "ios-simulator"),
}
for _target, (_arch, _platform) in PLATFORM_TARGETS.items():
    EXPECTED[f"platform-{_target}"] = Expected(_arch, _platform, "object", CLEAN_IMPORTS)


def _link(clang: str, ld: str, target: str, out: Path, objects: Sequence[Path], cwd: Path,
          kind: str = "-dynamiclib", extra: Sequence[str] = ()) -> Path:
    # clang 14 passes -ios_version_min, which lld ignores (and lld >= 16 then refuses to link):
    # the platform is given to the linker explicitly
    platform, minimum = _PLATFORM_VERSION[target]
    cmd = [clang, "-target", target, f"-fuse-ld={ld}", "-nostdlib",
           "-Wl,-undefined,dynamic_lookup", f"-Wl,-platform_version,{platform},{minimum},{minimum}",
           *([kind] if kind else []), *extra,
           *[str(o) for o in objects], "-o", str(out)]
    _run(cmd, cwd)
    return out


def write_fat(thin: Sequence[Path], out: Path, align: int = 14, wide: bool = False) -> Path:
    """A universal file of the thin files, 32-bit (FAT_MAGIC) or, with ``wide``, 64-bit
    (FAT_MAGIC_64, which llvm-lipo 14 cannot write).

    Layout per <mach-o/fat.h>: big-endian header and ``fat_arch``/``fat_arch_64`` entries, each
    slice at a 2**align boundary. Written sparse: blocks of zeros (a padding section) are
    skipped with a seek, so a file of 100 MB costs the disk only its other blocks.
    """
    sizes = [Path(p).stat().st_size for p in thin]
    step, each = 1 << align, 32 if wide else 20
    offsets, at = [], 8 + each * len(thin)
    for size in sizes:
        at = -(-at // step) * step
        offsets.append(at)
        at += size
    head = bytearray(8 + each * len(thin))
    struct.pack_into(">II", head, 0, 0xCAFEBABF if wide else 0xCAFEBABE, len(thin))
    block = 1 << 20
    with open(out, "wb") as dst:
        for i, (path, offset, size) in enumerate(zip(thin, offsets, sizes)):
            with open(path, "rb") as src:
                cputype, cpusubtype = struct.unpack_from("<II", src.read(12), 4)
                if wide:
                    struct.pack_into(">IIQQII", head, 8 + each * i, cputype, cpusubtype, offset,
                                     size, align, 0)
                else:
                    struct.pack_into(">IIIII", head, 8 + each * i, cputype, cpusubtype, offset,
                                     size, align)
                src.seek(0)
                dst.seek(offset)
                while True:
                    chunk = src.read(block)
                    if not chunk:
                        break
                    if chunk.count(0) == len(chunk):
                        dst.seek(len(chunk), os.SEEK_CUR)
                    else:
                        dst.write(chunk)
        dst.truncate(at)
        dst.seek(0)
        dst.write(head)
    return out


def write_fat64(thin: Sequence[Path], out: Path, align: int = 14) -> Path:
    """A 64-bit universal file (FAT_MAGIC_64) of the thin files: ``write_fat(wide=True)``."""
    return write_fat(thin, out, align, wide=True)


#: What ``build_big_fat`` plants: RR's imports and selectors in each slice
BIG_FAT = Expected("arm64", "ios", "dylib", RR | LAZY, OBJC_SELECTORS, archs=("arm64", "x86_64"))


def build_big_fat(out: Path, pad: int = 56 << 20) -> Path:
    """``out/RRBig``: a universal file over 100 MB whose content is known (``BIG_FAT``).

    Its arm64 iOS and x86_64 simulator slices are RR (rr.c + rr.m) linked with a ``pad``-byte
    zero-filled ``__TEXT,__pad`` section between the code and the link-edit tables, as a large
    real binary has its code there. The thin files (written in full by lld) are deleted once
    the universal file is written sparse, so the file costs the disk little; reading it with
    the tables in place must not cost memory in proportion to its size either.
    """
    missing = missing_tools()
    if missing:
        raise ToolMissing("Mach-O fixtures need " + ", ".join(missing)
                          + " (Debian: apt-get install clang lld llvm)")
    clang, ld = find_tool("clang"), find_tool("ld64.lld")
    assert clang and ld
    out = Path(out)
    work = out / "big"
    work.mkdir(parents=True, exist_ok=True)
    padding = work / "pad.bin"
    with open(padding, "wb") as fh:
        fh.truncate(pad)                     # sparse: zeros that take no disk
    thin = []
    for target in (IOS, IOS_SIM):
        objects = []
        for source in ("rr.c", "rr.m"):
            obj = work / f"{source}.{target}.o"
            _run([clang, "-target", target, "-O1", "-c", str(SRC / source), "-o", str(obj)], out)
            objects.append(obj)
        thin.append(_link(clang, ld, target, work / f"RRBig.{target}", objects, out,
                          extra=["-Wl,-sectcreate,__TEXT,__pad," + str(padding)]))
    big = write_fat(thin, out / "RRBig")
    shutil.rmtree(work)
    return big


def build_all(out: Path) -> Dict[str, Path]:
    """Build every fixture into ``out`` (created); returns fixture key -> file.

    Raises ToolMissing when clang, ld64.lld or the llvm tools are absent. ``chained``,
    ``chained_stripped``, ``stub_linked``, ``stub_dylib`` and ``dsym`` are left out when the
    installed tools cannot make them.
    """
    missing = missing_tools()
    if missing:
        raise ToolMissing("Mach-O fixtures need " + ", ".join(missing)
                          + " (Debian: apt-get install clang lld llvm)")
    clang, ld = find_tool("clang"), find_tool("ld64.lld")
    ar, lipo, strip = find_tool("llvm-ar"), find_tool("llvm-lipo"), find_tool("llvm-strip")
    assert clang and ld and ar and lipo and strip
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "obj"
    (work / "sim").mkdir(parents=True, exist_ok=True)

    def cc(source: str, target: str, name: str) -> Path:
        obj = work / name
        _run([clang, "-target", target, "-O1", "-c", str(SRC / source), "-o", str(obj)], out)
        return obj

    rr, rr_m, clean = cc("rr.c", IOS, "rr.o"), cc("rr.m", IOS, "rr_m.o"), cc("clean.c", IOS,
                                                                               "clean.o")
    main, decoy, decoy_m = cc("main.c", IOS, "main.o"), cc("decoy.c", IOS, "decoy.o"), \
        cc("decoy.m", IOS, "decoy_m.o")
    rr_sim, rr_m_sim, clean_sim = cc("rr.c", IOS_SIM, "sim/rr.o"), \
        cc("rr.m", IOS_SIM, "sim/rr_m.o"), cc("clean.c", IOS_SIM, "sim/clean.o")
    statmac = cc("statmac.c", MACOS, "statmac.o")

    files: Dict[str, Path] = {}
    files["objc_object_armv7"] = cc("rr.m", "armv7-apple-ios10.0", "rr_m_armv7.o")
    for target in PLATFORM_TARGETS:
        files[f"platform-{target}"] = cc("clean.c", target, f"clean-{target}.o")
    files["object"] = shutil.copyfile(rr, out / "rr.o")
    files["objc_object"] = shutil.copyfile(rr_m, out / "rr_m.o")
    files["decoy_object"] = shutil.copyfile(decoy_m, out / "decoy_m.o")
    files["dylib"] = _link(clang, ld, IOS, out / "RR", [rr, rr_m], out,
                           extra=["-install_name", "@rpath/RR.framework/RR"])
    files["objc"] = _link(clang, ld, IOS, out / "RRObjC", [rr_m], out)
    files["executable"] = _link(clang, ld, IOS, out / "Demo", [main, rr, rr_m], out, kind="",
                                extra=["-Wl,-e,_main"])
    files["bundle"] = _link(clang, ld, IOS, out / "RRBundle", [rr], out, kind="-bundle")
    files["signed"] = _link(clang, ld, IOS, out / "RR_signed", [rr, rr_m], out,
                            extra=["-Wl,-adhoc_codesign"])
    files["decoy"] = _link(clang, ld, IOS, out / "Decoy", [decoy, decoy_m], out)
    files["statmac"] = _link(clang, ld, MACOS, out / "StatMac", [statmac], out)
    files["swiftish"] = _link(clang, ld, IOS, out / "Swiftish", [cc("swiftish.c", IOS,
                                                                   "swiftish.o")], out)
    sim = _link(clang, ld, IOS_SIM, work / "RR_sim", [rr_sim, rr_m_sim], out)

    # archives: a member name longer than 16 bytes forces BSD "#1/NN" and GNU "//" names
    named = work / "rr_objective_c_uses.o"
    shutil.copyfile(rr_m, named)
    named_sim = work / "sim" / "rr_objective_c_uses.o"
    shutil.copyfile(rr_m_sim, named_sim)
    members = [str(rr), str(named), str(clean)]
    _run([ar, "--format=darwin", "rcs", str(out / "libRR.a"), *members], work)
    files["archive"] = out / "libRR.a"
    _run([ar, "--format=gnu", "rcs", str(out / "libRR_gnu.a"), *members], work)
    files["archive_gnu"] = out / "libRR_gnu.a"
    sim_a = work / "libRR_sim.a"
    _run([ar, "--format=darwin", "rcs", str(sim_a), str(rr_sim), str(named_sim),
          str(clean_sim)], work)
    _run([lipo, "-create", str(sim), str(files["dylib"]), "-output", str(out / "RR_fat")], out)
    files["fat"] = out / "RR_fat"
    files["fat64"] = write_fat64([sim, files["dylib"]], out / "RR_fat64")
    _run([lipo, "-create", str(sim_a), str(files["archive"]), "-output",
          str(out / "libRR_fat.a")], out)
    files["fat_archive"] = out / "libRR_fat.a"
    _run([strip, str(files["dylib"]), "-o", str(out / "RR_stripped")], out)
    files["stripped"] = out / "RR_stripped"

    # Xcode 14+ selector stubs: an object, an archive, and linked by each kind of lld
    stubs = cc("rr_stubs.s", IOS, "rr_stubs.o")
    files["stub_object"] = shutil.copyfile(stubs, out / "rr_stubs.o")
    _run([ar, "--format=darwin", "rcs", str(out / "libRRStubs.a"), str(stubs), str(clean)], work)
    files["stub_archive"] = out / "libRRStubs.a"
    ld_stubs = find_tool("ld64.lld", minimum=16)
    if ld_stubs:
        runtime = _link(clang, ld_stubs, IOS, work / "libobjc.A.dylib",
                        [cc("objc_runtime.s", IOS, "objc_runtime.o")], out,
                        extra=["-install_name", "/usr/lib/libobjc.A.dylib"])
        files["stub_linked"] = _link(clang, ld_stubs, IOS, out / "RRStubs", [stubs, runtime],
                                     out)
    ld_old = find_tool("ld64.lld", maximum=15)
    if ld_old:
        files["stub_dylib"] = _link(clang, ld_old, IOS, out / "RRStubs_imports", [stubs], out)

    # a static library that uses User defaults only, for three platforms (same member name)
    for key, target, sub in (("defaults_archive", IOS, "ios"), ("defaults_archive_sim", IOS_SIM,
                                                                "sim"),
                             ("defaults_archive_mac", MACOS, "mac")):
        (work / sub).mkdir(exist_ok=True)
        obj = cc("defaults.m", target, f"{sub}/defaults.o")
        lib = out / ("libDefaults.a" if sub == "ios" else f"libDefaults_{sub}.a")
        _run([ar, "--format=darwin", "rcs", str(lib), str(obj)], work / sub)
        files[key] = lib

    ld_chained = find_tool("ld64.lld", minimum=15)
    if ld_chained:
        files["chained"] = _link(clang, ld_chained, IOS, out / "RR_chained",
                                 [rr, rr_m, decoy, decoy_m], out,
                                 extra=["-Wl,-fixup_chains"])
        _run([strip, str(files["chained"]), "-o", str(out / "RR_chained_stripped")], out)
        files["chained_stripped"] = out / "RR_chained_stripped"

    dsymutil = find_tool("dsymutil")
    if dsymutil:
        dsym_dir = out / "Demo.dSYM"
        done = subprocess.run([dsymutil, str(files["executable"]), "-o", str(dsym_dir)],
                              capture_output=True, text=True, timeout=120)
        dwarf = dsym_dir / "Contents" / "Resources" / "DWARF" / "Demo"
        if done.returncode == 0 and dwarf.is_file():
            files["dsym"] = dwarf
    return files


def _write_plist(path: Path, value: Mapping[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(value))


def make_framework(binary: Path, dest_dir: Path, name: str,
                   manifest: Optional[bytes] = None, version: str = "1.0",
                   bundle_id: Optional[str] = None, macos: bool = False,
                   signed_resources: bool = False) -> Path:
    """Lay out ``dest_dir/name.framework`` around a copy of ``binary``; returns the bundle.

    iOS layout (flat): ``name.framework/{name, Info.plist, PrivacyInfo.xcprivacy}``. With
    ``macos``: ``Versions/A/{name, Resources/Info.plist, Resources/PrivacyInfo.xcprivacy}`` plus
    the ``Versions/Current``, ``name`` and ``Resources`` symlinks. ``manifest`` is the
    PrivacyInfo.xcprivacy bytes (none written when None). ``signed_resources`` adds a
    ``_CodeSignature/CodeResources`` seal file (its content is a placeholder plist).
    """
    fw = Path(dest_dir) / f"{name}.framework"
    info = {"CFBundleExecutable": name, "CFBundleIdentifier": bundle_id or f"com.example.{name}",
            "CFBundleName": name, "CFBundlePackageType": "FMWK",
            "CFBundleShortVersionString": version, "CFBundleVersion": version}
    if macos:
        root = fw / "Versions" / "A"
        res = root / "Resources"
        res.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(binary, root / name)
        os.chmod(root / name, 0o755)
        _write_plist(res / "Info.plist", info)
        if manifest is not None:
            (res / "PrivacyInfo.xcprivacy").write_bytes(manifest)
        for link, target in ((fw / "Versions" / "Current", "A"),
                             (fw / name, f"Versions/Current/{name}"),
                             (fw / "Resources", "Versions/Current/Resources")):
            if not link.is_symlink():
                link.symlink_to(target)
        seal_dir = root
    else:
        fw.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(binary, fw / name)
        os.chmod(fw / name, 0o755)
        _write_plist(fw / "Info.plist", info)
        if manifest is not None:
            (fw / "PrivacyInfo.xcprivacy").write_bytes(manifest)
        seal_dir = fw
    if signed_resources:
        _write_plist(seal_dir / "_CodeSignature" / "CodeResources", {"files": {}, "files2": {}})
    return fw


@dataclass(frozen=True)
class Slice:
    """One xcframework slice: a binary, the identifier's platform and archs, and options."""
    binary: Path
    platform: str                      # "ios", "macos", "tvos", ...
    archs: Tuple[str, ...]             # e.g. ("arm64",) or ("arm64", "x86_64")
    variant: Optional[str] = None      # "simulator", "maccatalyst" or None
    manifest: Optional[bytes] = None
    static: bool = False               # a static library (libX.a + Headers), not a framework


def make_xcframework(dest_dir: Path, name: str, slices: Sequence[Slice],
                     root_manifest: Optional[bytes] = None,
                     signed: bool = False) -> Path:
    """Lay out ``dest_dir/name.xcframework`` with an Info.plist listing ``AvailableLibraries``.

    Each slice lives in ``<platform>-<arch_arch>[-variant]/`` as ``name.framework`` (via
    make_framework, with the slice's manifest) or, for static slices, ``libname.a``.
    ``root_manifest`` puts a PrivacyInfo.xcprivacy at the xcframework root (which Xcode does
    not copy into apps). ``signed`` adds ``_CodeSignature/`` at the root.
    """
    xc = Path(dest_dir) / f"{name}.xcframework"
    xc.mkdir(parents=True, exist_ok=True)
    libraries: List[Dict[str, object]] = []
    for s in slices:
        ident = f"{s.platform}-{'_'.join(s.archs)}" + (f"-{s.variant}" if s.variant else "")
        slot = xc / ident
        slot.mkdir(parents=True, exist_ok=True)
        entry: Dict[str, object] = {"LibraryIdentifier": ident,
                                    "SupportedArchitectures": list(s.archs),
                                    "SupportedPlatform": s.platform}
        if s.variant:
            entry["SupportedPlatformVariant"] = s.variant
        if s.static:
            lib = f"lib{name}.a"
            shutil.copyfile(s.binary, slot / lib)
            (slot / "Headers").mkdir(exist_ok=True)
            if s.manifest is not None:
                (slot / "PrivacyInfo.xcprivacy").write_bytes(s.manifest)
            entry["LibraryPath"] = lib
            entry["HeadersPath"] = "Headers"
        else:
            make_framework(s.binary, slot, name, manifest=s.manifest, signed_resources=True)
            entry["LibraryPath"] = f"{name}.framework"
        libraries.append(entry)
    _write_plist(xc / "Info.plist", {"AvailableLibraries": libraries,
                                     "CFBundlePackageType": "XFWK",
                                     "XCFrameworkFormatVersion": "1.0"})
    if root_manifest is not None:
        (xc / "PrivacyInfo.xcprivacy").write_bytes(root_manifest)
    if signed:
        sig = xc / "_CodeSignature"
        sig.mkdir(exist_ok=True)
        (sig / "AppleCodesign").write_bytes(b"")
    return xc


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python tests/machofixtures/build.py OUTDIR", file=sys.stderr)
        return 2
    try:
        files = build_all(Path(args[0]))
    except ToolMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    for key, path in sorted(files.items()):
        print(f"{key:18} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
