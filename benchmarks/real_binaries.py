"""The Mach-O reader and ``scan``'s categories against LLVM's tools, on real binaries nobody here
built: a pinned set of wheels and npm tarballs.

Usage (from the project root, with the Python that has trtc-privacy installed, and Debian's
``llvm`` package for ``llvm-nm`` and ``llvm-objdump``)::

    python benchmarks/real_binaries.py [--cache DIR] [--verbose]

Each package of ``PINNED`` is downloaded once with the ordinary clients (``pip download``,
``npm pack``) into the cache folder (default ``~/.cache/trtc-privacy/real-binaries``, or
``$TRTC_PRIVACY_REAL_BINARIES``) and checked against its pinned SHA-256. Without the network (and
no cached copy) or without the LLVM tools, it says so and exits 0: nothing is compared.

Every Mach-O file inside (found by its magic; dSYM companions left out) is read from the archive
in memory by ``trtc_privacy.usage.macho.read``, and written to a temporary file for LLVM, whose
answer is the ground truth, per architecture slice and archive member:

- imports: ``llvm-nm -u`` (the symbol table's undefined symbols; ``--no-llvm-bc`` so that
  embedded bitcode is not read instead) with the names ``llvm-objdump --bind --lazy-bind
  --weak-bind`` lists (what a stripped image keeps);
- selectors: the ``__objc_selrefs`` entries ``llvm-objdump --section`` prints, resolved to their
  ``__objc_methname`` strings (directly in linked images; through the relocation's symbol,
  whose address ``llvm-nm`` gives, in object files);
- categories: the API catalogue applied to LLVM's imports and selectors, against those of
  ``knowledge.apis.uses_in_images`` on the reader's images (what ``scan`` and ``audit`` report).

It prints one row per package and, per category, precision and recall; exit 1 when anything
differs. docs/macho.md has the figures of the last run.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from trtc_privacy.knowledge import apis  # noqa: E402
from trtc_privacy.usage import macho  # noqa: E402


@dataclass(frozen=True)
class Package:
    """One pinned download: the registry, name, version, file and its SHA-256."""
    registry: str           # "pypi" or "npm"
    name: str
    version: str
    filename: str
    sha256: str
    pip_args: Tuple[str, ...] = ()   # the platform a wheel is for
    what: str = ""


PINNED: Tuple[Package, ...] = (
    Package("pypi", "pillow", "13.0.0", "pillow-13.0.0-cp313-cp313-ios_13_0_arm64_iphoneos.whl",
            "e98b4f91f99b24b1da72e10621ba181f7281922384a7403094debb4199de6c00",
            ("--platform", "ios_13_0_arm64_iphoneos", "--python-version", "3.13",
             "--implementation", "cp"), "iOS device wheel: 8 C extension dylibs"),
    Package("pypi", "pyobjc-framework-Cocoa", "13.0",
            "pyobjc_framework_cocoa-13.0-cp312-cp312-macosx_10_13_universal2.whl",
            "e1618d315939c9fae57cb858d4db496ec61f82495ce6a877398131ee494fc19d",
            ("--platform", "macosx_11_0_universal2", "--python-version", "3.12",
             "--implementation", "cp"), "macOS universal2 wheel: Objective-C extensions"),
    Package("pypi", "psutil", "7.2.2", "psutil-7.2.2-cp36-abi3-macosx_11_0_arm64.whl",
            "1a7b04c10f32cc88ab39cbf606e117fd74721c831c98a27dc04578deb0c16979",
            ("--platform", "macosx_11_0_arm64", "--python-version", "3.12",
             "--implementation", "cp"), "macOS arm64 wheel: a C extension (getattrlist)"),
    Package("npm", "react-native-background-fetch", "4.4.2",
            "react-native-background-fetch-4.4.2.tgz",
            "394233913de4aec5dde446c1eac1f498650edc40180c402ac4ff189f56b0ffc8",
            what="iOS static xcframework (device archive, fat simulator and Catalyst "
                 "archives): selector stubs, UserDefaults"),
    Package("npm", "@lmdb/lmdb-darwin-arm64", "3.5.6", "lmdb-lmdb-darwin-arm64-3.5.6.tgz",
            "c9098a00ce87872e1dce6c2e6d296a7136058c115f2d8f813dca4509fda1396c",
            what="macOS arm64 Node addon (C, C++)"),
)

Key = Tuple[str, str]   # (arch, archive member); arch "" for a thin file


class Skip(Exception):
    """Nothing can be compared here (no network and no cache, no LLVM tools)."""


# -- downloads ----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(pkg: Package, cache: Path) -> Path:
    """The package file in the cache, downloaded with pip or npm when absent; SHA-256 checked."""
    dest = cache / pkg.filename
    if not dest.is_file():
        with tempfile.TemporaryDirectory(dir=str(cache)) as tmp:
            if pkg.registry == "pypi":
                cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                       "--disable-pip-version-check", "--timeout", "20", "--retries", "1",
                       *pkg.pip_args, "-d", tmp, f"{pkg.name}=={pkg.version}"]
            else:
                npm = shutil.which("npm")
                if npm is None:
                    raise Skip(f"{pkg.name}: npm is not installed and {dest} is not cached")
                cmd = [npm, "pack", f"{pkg.name}@{pkg.version}", "--pack-destination", tmp,
                       "--fetch-timeout=20000", "--fetch-retries=1", "--silent"]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            except subprocess.TimeoutExpired:
                raise Skip(f"{pkg.name} {pkg.version}: the download timed out (no network?)") from None
            got = Path(tmp) / pkg.filename
            if done.returncode != 0 or not got.is_file():
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                raise Skip(f"{pkg.name} {pkg.version}: cannot download it ({last}); "
                           "without the network the comparison is skipped")
            os.replace(got, dest)
    actual = sha256_of(dest)
    if actual != pkg.sha256:
        raise SystemExit(f"{dest}: SHA-256 {actual}, pinned {pkg.sha256}: not the pinned file "
                         "(delete it to download it again)")
    return dest


def binaries(path: Path) -> Iterator[Tuple[str, bytes]]:
    """(name inside the package, bytes) of every Mach-O file, read in memory; dSYMs left out."""
    def wanted(name: str, head: bytes) -> bool:
        return ".dSYM/" not in name and macho.sniff(head) is not None

    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                with zf.open(info) as fh:
                    head = fh.read(8)
                if wanted(info.filename, head):
                    yield info.filename, zf.read(info)
    else:
        with tarfile.open(path, "r:gz") as tf:
            for member in tf:
                if not member.isfile():
                    continue
                fh = tf.extractfile(member)
                if fh is None:
                    continue
                data = fh.read()
                if wanted(member.name, data[:8]):
                    yield member.name, data


# -- LLVM's answer --------------------------------------------------------------------------------


@dataclass
class Unit:
    """What one slice or archive member references."""
    imports: Set[str] = field(default_factory=set)
    selectors: Set[str] = field(default_factory=set)


def run(cmd: List[str]) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return done.stdout


class Llvm:
    """llvm-nm and llvm-objdump on one file written to disk."""

    def __init__(self, nm: str, objdump: str) -> None:
        self.nm, self.objdump = nm, objdump

    def archs(self, path: str) -> List[str]:
        """The slices of a universal file, or [""] for a thin one (arch-less keys)."""
        out = run([self.objdump, "--macho", "--universal-headers", path])
        found = re.findall(r"^architecture (\S+)$", out, re.M)
        return found or [""]

    def _member(self, line: str, path: str) -> Optional[str]:
        """The member a header line of llvm-objdump names ("" for a thin file), else None."""
        m = re.fullmatch(re.escape(path) + r"(?:\((.*)\))?(?: \(architecture \S+\))?:", line)
        return None if m is None else (m.group(1) or "")

    def read(self, path: str, arch: str) -> Dict[str, Unit]:
        """Member ("" for a non-archive) -> its imports and selectors."""
        sel = ["--arch=" + arch] if arch else []
        units: Dict[str, Unit] = defaultdict(Unit)
        prefix = re.compile(r"^(?:\(for architecture \S+\):)?" + re.escape(path)
                            + r"(?::([^:]*))?: (.*)$")
        # imports: the symbol table's undefined symbols ...
        addresses: Dict[str, Dict[str, int]] = defaultdict(dict)
        for line in run([self.nm, "--no-llvm-bc", "-A", *sel, path]).splitlines():
            m = prefix.match(line)
            if not m:
                continue
            member, rest = m.group(1) or "", m.group(2)
            parts = rest.split(None, 2)
            if len(parts) == 2 and parts[0] in ("U", "w"):
                units[member].imports.add(parts[1])
            elif len(parts) == 3:
                try:
                    addresses[member].setdefault(parts[2], int(parts[0], 16))
                except ValueError:
                    pass
        # ... and every name the dyld bind opcodes bind
        member = ""
        out = run([self.objdump, "--macho", *sel, "--bind", "--lazy-bind", "--weak-bind", path])
        for line in out.splitlines():
            head = self._member(line, path)
            if head is not None:
                member = head
                continue
            fields = line.split()
            if len(fields) >= 5 and fields[0].startswith("__") and fields[2].startswith("0x"):
                name = fields[-2] if fields[-1] == "(weak_import)" else fields[-1]
                units[member].imports.add(name)
        # selectors: __objc_selrefs, resolved to the strings of __objc_methname
        strings = self._methnames(path, sel)
        base = self._text_base(path, sel)
        member, in_selrefs = "", False
        sections = [a for seg in ("__DATA", "__DATA_CONST", "__DATA_DIRTY", "__AUTH_CONST")
                    for a in ("--section", f"{seg},__objc_selrefs")]
        for line in run([self.objdump, "--macho", *sel, *sections, path]).splitlines():
            head = self._member(line, path)
            if head is not None:
                member = head
                continue
            if line.startswith("Contents of ("):
                in_selrefs = "__objc_selrefs" in line
                continue
            if not in_selrefs:
                continue
            m = re.match(r"^[0-9a-f]+\s+(.*)$", line)
            if not m:
                continue
            what = m.group(1)
            text: Optional[str] = None
            direct = re.match(r"^__\w+:__\w+:(.*)$", what)
            if direct:
                text = direct.group(1)
            elif what.startswith("external relocation entry for symbol:"):
                symbol = what.split(":", 1)[1]
                at = addresses[member].get(symbol)
                text = None if at is None else _string_at(strings[member], at)
            elif what.endswith("(not in a literal section)"):
                raw = int(what.split()[0], 16)
                text = _string_at(strings[member], _chained_target(raw, base.get(member, 0)))
            if text:
                units[member].selectors.add(text)
        return units

    def _methnames(self, path: str, sel: List[str]
                   ) -> Dict[str, List[Tuple[int, str]]]:
        """Member -> sorted (address, string) of its __objc_methname (and __cstring, where a
        linker may have merged the selector names)."""
        out: Dict[str, List[Tuple[int, str]]] = defaultdict(list)
        member = ""
        args = ["--section", "__TEXT,__objc_methname", "--section", "__TEXT,__cstring"]
        for line in run([self.objdump, "--macho", *sel, *args, path]).splitlines():
            head = self._member(line, path)
            if head is not None:
                member = head
                continue
            m = re.match(r"^([0-9a-f]{8,16})  (.*)$", line)
            if m:
                out[member].append((int(m.group(1), 16), m.group(2)))
        for rows in out.values():
            rows.sort()
        return out

    def _text_base(self, path: str, sel: List[str]) -> Dict[str, int]:
        """Member -> the __TEXT segment's address (chained rebase targets may be offsets)."""
        out: Dict[str, int] = {}
        member, seg = "", ""
        for line in run([self.objdump, "--macho", *sel, "--private-headers", path]).splitlines():
            head = self._member(line, path)
            if head is not None:
                member = head
                continue
            fields = line.split()
            if len(fields) == 2 and fields[0] == "segname":
                seg = fields[1]
            elif len(fields) == 2 and fields[0] == "vmaddr" and seg == "__TEXT":
                out.setdefault(member, int(fields[1], 16))
        return out


def _string_at(rows: List[Tuple[int, str]], addr: int) -> Optional[str]:
    """The string at ``addr``: a whole string, or the tail of one (linkers merge suffixes)."""
    i = bisect.bisect_right(rows, (addr, "\U0010ffff")) - 1
    if i < 0:
        return None
    start, text = rows[i]
    # llvm-objdump prints a string's bytes; a tail of it starts inside the same row
    return text[addr - start:] if addr - start <= len(text) else None


def _chained_target(raw: int, base: int) -> int:
    """The address a chained rebase pointer (which llvm-objdump 14 prints raw) points at:
    DYLD_CHAINED_PTR_64 / 64_OFFSET (36-bit target, an offset when below the image base) and
    arm64e (authenticated: 32-bit offset from the base)."""
    if raw >> 63:                     # arm64e authenticated rebase (or a bind: no string there)
        return base + (raw & 0xFFFFFFFF)
    target = raw & 0xFFFFFFFFF
    return target + base if target < base else target


# -- the comparison ------------------------------------------------------------------------------


@dataclass
class Tally:
    files: int = 0
    units: int = 0
    imports: int = 0
    selectors: int = 0
    stubs: int = 0          # imports that are selector stubs (_objc_msgSend$<selector>)
    import_diffs: int = 0
    selector_diffs: int = 0
    categories: Set[str] = field(default_factory=set)


def categories_of(imports: Set[str], selectors: Set[str]) -> Set[str]:
    """The categories the catalogue gives LLVM's imports and selectors (the ground truth)."""
    out: Set[str] = set()
    for name in imports:
        e = apis.category_of_symbol(name)
        if e is not None:
            out.update(e.categories)
    for sel in selectors:
        e = apis.category_of_selector(sel)
        if e is not None:
            out.update(e.categories)
    return out


def compare(name: str, data: bytes, llvm: Llvm, tmp: Path, tally: Tally,
            scores: Dict[str, List[int]], verbose: bool) -> List[str]:
    """Compare one binary; update the tally and per-category [tp, fp, fn]; return differences."""
    images = macho.read(data, name)
    ours: Dict[Key, Unit] = defaultdict(Unit)
    archs = {img.arch for img in images}
    path = tmp / "binary"
    path.write_bytes(data)
    slices = llvm.archs(str(path))
    fat = slices != [""]
    for img in images:
        unit = ours[(img.arch if fat else "", img.member)]
        unit.imports |= img.imports
        unit.selectors |= img.selectors
    theirs: Dict[Key, Unit] = {}
    for arch in slices:
        for member, unit in llvm.read(str(path), arch).items():
            theirs[(arch, member)] = unit
    diffs: List[str] = []
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key, Unit()), theirs.get(key, Unit())
        where = f"{name} ({', '.join(p for p in key if p) or '/'.join(sorted(archs))})"
        if not a.imports and not a.selectors and not b.imports and not b.selectors:
            continue
        tally.units += 1
        tally.imports += len(b.imports)
        tally.selectors += len(b.selectors)
        tally.stubs += sum(1 for i in b.imports if i.startswith(apis.SELECTOR_STUB))
        for what, x, y in (("imports", a.imports, b.imports),
                           ("selectors", a.selectors, b.selectors)):
            if x != y:
                if what == "imports":
                    tally.import_diffs += 1
                else:
                    tally.selector_diffs += 1
                diffs.append(f"{where}: {what} only ours {sorted(x - y)[:5]}, only LLVM's "
                             f"{sorted(y - x)[:5]}")
    tally.files += 1
    got = {u.category for u in apis.uses_in_images(images, name)}
    want: Set[str] = set()
    for unit in theirs.values():
        want |= categories_of(unit.imports, unit.selectors)
    for cat in got | want:
        row = scores.setdefault(cat, [0, 0, 0])
        row[0 if cat in got and cat in want else 1 if cat in got else 2] += 1
    tally.categories |= got
    if verbose:
        short = sorted(c.replace("NSPrivacyAccessedAPICategory", "") for c in got)
        print(f"    {name}: {len(images)} images, {', '.join(short) or 'no category'}")
    if got != want:
        diffs.append(f"{name}: categories ours {sorted(got)}, LLVM's {sorted(want)}")
    return diffs


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", default=os.environ.get(
        "TRTC_PRIVACY_REAL_BINARIES",
        os.path.join(os.path.expanduser("~"), ".cache", "trtc-privacy", "real-binaries")))
    parser.add_argument("--verbose", action="store_true", help="one line per binary")
    args = parser.parse_args(argv)
    from machofixtures.build import find_tool

    nm, objdump = find_tool("llvm-nm"), find_tool("llvm-objdump")
    if nm is None or objdump is None:
        print("skipped: llvm-nm and llvm-objdump are needed for the ground truth "
              "(Debian: apt-get install llvm)")
        return 0
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    try:
        files = [(pkg, fetch(pkg, cache)) for pkg in PINNED]
    except Skip as exc:
        print(f"skipped: {exc}")
        return 0
    llvm = Llvm(nm, objdump)
    scores: Dict[str, List[int]] = {}
    diffs: List[str] = []
    total = Tally()
    print(f"{'package':44} {'files':>5} {'units':>5} {'imports':>8} {'(stubs)':>7} "
          f"{'selectors':>9} {'differ':>6}  categories")
    with tempfile.TemporaryDirectory() as tmp:
        for pkg, path in files:
            tally = Tally()
            for name, data in binaries(path):
                diffs += compare(name, data, llvm, Path(tmp), tally, scores, args.verbose)
            short = sorted(c.replace("NSPrivacyAccessedAPICategory", "")
                           for c in tally.categories)
            print(f"{pkg.name + ' ' + pkg.version:44} {tally.files:5} {tally.units:5} "
                  f"{tally.imports:8} {tally.stubs:7} {tally.selectors:9} "
                  f"{tally.import_diffs + tally.selector_diffs:6}  {', '.join(short) or '-'}")
            for attr in ("files", "units", "imports", "stubs", "selectors", "import_diffs",
                         "selector_diffs"):
                setattr(total, attr, getattr(total, attr) + getattr(tally, attr))
    print(f"{'total':44} {total.files:5} {total.units:5} {total.imports:8} {total.stubs:7} "
          f"{total.selectors:9} {total.import_diffs + total.selector_diffs:6}")
    print("\ncategory (per binary)            found  precision  recall")
    for cat, (tp, fp, fn) in sorted(scores.items()):
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{cat.replace('NSPrivacyAccessedAPICategory', ''):32} {tp + fp:5}  "
              f"{precision:9.2f}  {recall:6.2f}")
    for line in diffs:
        print("DIFFERS:", line)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
