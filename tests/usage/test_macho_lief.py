"""Differential test: the reader's import sets equal LIEF's on every fixture and real slice.

LIEF (a test extra) parses with its ``deep`` configuration so that it also decodes the dyld-info
bind opcodes; its import set is the symbol table's undefined externals (commons excluded, as
the reader does) plus every bound symbol (dyld-info binds and chained-fixup binds) plus the
chained-fixup import table. Static archives are split with ``llvm-ar`` and thinned with
``llvm-lipo``, so the oracle shares no archive code with the reader.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict, FrozenSet, List, Tuple

import pytest
from helpers import SHARED
from machofixtures.build import EXPECTED, find_tool

from trtc_privacy.usage import macho

BINARIES = SHARED / "reference" / "trtc" / "binaries"
lief = pytest.importorskip("lief", reason="lief is the test oracle (pip install '.[test]')")

N_STAB, N_TYPE, N_EXT, N_UNDF, N_PBUD = 0xE0, 0x0E, 0x01, 0x0, 0xC


def lief_imports(data: bytes) -> List[Tuple[str, FrozenSet[str]]]:
    """(arch, imports) per image of a thin or fat Mach-O, as LIEF sees them."""
    fat = lief.MachO.parse(list(data), config=lief.MachO.ParserConfig.deep)
    assert fat is not None, "LIEF could not parse the file"
    out = []
    for i in range(fat.size):
        binary = fat.at(i)
        names = set()
        for sym in binary.symbols:
            t = sym.raw_type
            if t & N_STAB or not t & N_EXT or (t & N_TYPE) not in (N_UNDF, N_PBUD):
                continue
            if sym.value == 0 and sym.name:
                names.add(sym.name)
        for binding in binary.bindings:
            if binding.has_symbol and binding.symbol.name:
                names.add(binding.symbol.name)
        if binary.has_dyld_chained_fixups:
            for binding in binary.dyld_chained_fixups.bindings:
                if binding.has_symbol and binding.symbol.name:
                    names.add(binding.symbol.name)
        arch = macho.arch_name(int(binary.header.cpu_type.value) & 0xFFFFFFFF,
                               int(binary.header.cpu_subtype))
        out.append((arch, frozenset(names)))
    return out


def archive_members(path: Path, work: Path) -> List[Tuple[str, bytes]]:
    ar = find_tool("llvm-ar")
    if ar is None:
        pytest.skip("llvm-ar is needed to split archives for LIEF")
    work.mkdir(parents=True, exist_ok=True)
    names = subprocess.run([ar, "t", str(path)], capture_output=True, text=True,
                           check=True).stdout.split()
    subprocess.run([ar, "x", str(path)], cwd=str(work), check=True)
    return [(n, (work / n).read_bytes()) for n in names]


def thin_slices(path: Path, work: Path) -> List[Tuple[str, Path]]:
    lipo = find_tool("llvm-lipo")
    if lipo is None:
        pytest.skip("llvm-lipo is needed to thin fat archives for LIEF")
    archs = subprocess.run([lipo, "-archs", str(path)], capture_output=True, text=True,
                           check=True).stdout.split()
    out = []
    for arch in archs:
        thin = work / f"{path.name}.{arch}"
        subprocess.run([lipo, "-thin", arch, str(path), "-output", str(thin)], check=True)
        out.append((arch, thin))
    return out


def compare(path: Path, work: Path) -> int:
    """Assert the reader equals LIEF on ``path``; returns how many images were compared."""
    ours = macho.read_file(str(path))
    data = path.read_bytes()
    kind = macho.sniff(data[:8])
    if kind == "archive" or (kind == "fat" and b"!<arch>\n" in data[:1 << 16]):
        slices = thin_slices(path, work) if kind == "fat" else [("", path)]
        theirs: List[Tuple[str, str, FrozenSet[str]]] = []
        for _arch, thin in slices:
            for member, blob in archive_members(thin, work / f"x-{thin.name}"):
                if macho.sniff(blob[:8]) != "macho":
                    continue
                for a, names in lief_imports(blob):
                    theirs.append((a, member, names))
        assert [(i.arch, i.member, i.imports) for i in ours] == theirs
        return len(ours)
    if data[:4] == b"\xca\xfe\xba\xbf":
        # LIEF does not read 64-bit fat headers: thin the slices with llvm-lipo first
        theirs_thin = [pair for _a, thin in thin_slices(path, work)
                       for pair in lief_imports(thin.read_bytes())]
        assert [(i.arch, i.imports) for i in ours] == theirs_thin
        return len(ours)
    assert [(i.arch, i.imports) for i in ours] == lief_imports(data)
    return len(ours)


@pytest.mark.parametrize("key", sorted(k for k in EXPECTED if k != "dsym"))
def test_reader_equals_lief_on_fixture(macho_fixtures: Dict[str, Path], key: str,
                                       tmp_path: Path) -> None:
    if key not in macho_fixtures:
        pytest.skip(f"the installed tools cannot build the {key} fixture")
    assert compare(macho_fixtures[key], tmp_path) >= 1


def test_reader_equals_lief_on_tencent_frameworks(tmp_path: Path) -> None:
    if not BINARIES.is_dir():
        pytest.skip(f"reference binaries {BINARIES} are absent (they live beside the project)")
    paths = sorted(p for p in BINARIES.glob("*.xcframework/*/*.framework/*")
                   if p.is_file() and p.name == p.parent.name[:-len(".framework")])
    assert len(paths) == 6
    assert sum(compare(p, tmp_path) for p in paths) == 12
