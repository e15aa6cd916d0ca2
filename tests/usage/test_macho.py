"""The Mach-O reader on real binaries: every built fixture, and Tencent's own frameworks."""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Dict, List

import pytest
from helpers import SHARED
from machofixtures.build import EXPECTED

from trtc_privacy.usage import macho
from trtc_privacy.usage.macho import Image, MachOError

#: Apple's required-reason APIs as they reach a binary (imports and selectors), for the
#: assertions that something uses none of them.
REQUIRED_REASON_IMPORTS = frozenset({
    "_stat", "_fstat", "_lstat", "_fstatat", "_getattrlist", "_fgetattrlist", "_getattrlistat",
    "_getattrlistbulk", "_stat$INODE64", "_fstat$INODE64", "_lstat$INODE64",
    "_fstatat$INODE64", "_NSFileCreationDate", "_NSFileModificationDate",
    "_NSURLCreationDateKey", "_NSURLContentModificationDateKey", "_mach_absolute_time",
    "_statfs", "_statvfs", "_fstatfs", "_fstatvfs", "_statfs$INODE64", "_fstatfs$INODE64",
    "_NSFileSystemFreeSize", "_NSFileSystemSize", "_NSURLVolumeAvailableCapacityKey",
    "_NSURLVolumeAvailableCapacityForImportantUsageKey",
    "_NSURLVolumeAvailableCapacityForOpportunisticUsageKey", "_NSURLVolumeTotalCapacityKey",
    "_OBJC_CLASS_$_NSUserDefaults"})
REQUIRED_REASON_SELECTORS = frozenset({"systemUptime", "activeInputModes",
                                       "fileModificationDate"})
BINARIES = SHARED / "reference" / "trtc" / "binaries"


def one(path: Path) -> Image:
    images = macho.read_file(str(path))
    assert len(images) == 1, images
    return images[0]


def load_commands(path: Path) -> List[int]:
    """The load command ids of a thin 64-bit little-endian file, read independently."""
    data = path.read_bytes()
    ncmds = struct.unpack_from("<I", data, 16)[0]
    off, out = 32, []
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        out.append(cmd)
        off += size
    return out


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_fixture_content(macho_fixtures: Dict[str, Path], key: str) -> None:
    if key not in macho_fixtures:
        pytest.skip(f"the installed tools cannot build the {key} fixture")
    want = EXPECTED[key]
    images = macho.read_file(str(macho_fixtures[key]))
    if want.filetype == "dsym":
        assert images == []   # a dSYM companion would double-report every symbol
        return
    if want.archs:
        assert tuple(dict.fromkeys(i.arch for i in images)) == want.archs
        images = [i for i in images if i.arch == want.arch]
    if want.members:
        assert tuple(i.member for i in images) == want.members
        merged_imports = frozenset().union(*(i.imports for i in images))
        merged_selectors = frozenset().union(*(i.selectors for i in images))
    else:
        assert len(images) == 1
        assert images[0].member == ""
        merged_imports, merged_selectors = images[0].imports, images[0].selectors
    for image in images:
        assert (image.arch, image.platform, image.filetype) == (want.arch, want.platform,
                                                                 want.filetype)
        assert image.signed is want.signed
        assert image.encrypted is False
    assert merged_imports == want.imports
    assert merged_selectors == want.selectors


def test_fat_slices_keep_their_platforms(macho_fixtures: Dict[str, Path]) -> None:
    images = macho.read_file(str(macho_fixtures["fat"]))
    assert [(i.arch, i.platform) for i in images] == [("x86_64", "ios-simulator"),
                                                      ("arm64", "ios")]
    assert images[0].imports == images[1].imports


def test_stripped_binary_keeps_imports_only_in_bind_opcodes(
        macho_fixtures: Dict[str, Path]) -> None:
    stripped = one(macho_fixtures["stripped"])
    # the symbol table alone no longer names the class references ...
    data = macho_fixtures["stripped"].read_bytes()
    assert b"_OBJC_CLASS_$_NSUserDefaults" in data   # (only in the bind opcodes)
    assert "_OBJC_CLASS_$_NSUserDefaults" in stripped.imports
    assert stripped.imports == one(macho_fixtures["dylib"]).imports


def test_chained_fixture_really_uses_chained_fixups(macho_fixtures: Dict[str, Path]) -> None:
    if "chained" not in macho_fixtures:
        pytest.skip("no lld >= 15 to link with -fixup_chains")
    for key in ("chained", "chained_stripped"):
        cmds = load_commands(macho_fixtures[key])
        assert macho.LC_DYLD_CHAINED_FIXUPS in cmds
        assert macho.LC_DYLD_INFO_ONLY not in cmds
    # stripping leaves the class references only in the chained import table
    assert "_OBJC_CLASS_$_NSUserDefaults" in one(macho_fixtures["chained_stripped"]).imports


def test_decoy_uses_none_of_the_apis(macho_fixtures: Dict[str, Path]) -> None:
    for key in ("decoy", "decoy_object"):
        image = one(macho_fixtures[key])
        assert not image.imports & REQUIRED_REASON_IMPORTS
        assert not image.selectors & REQUIRED_REASON_SELECTORS
    data = macho_fixtures["decoy"].read_bytes()
    for planted in (b"NSUserDefaults\0", b"systemUptime", b"_my_lstat", b"_statistics",
                    b"fileModificationDate"):
        assert planted in data   # the look-alikes are really in the file


def test_object_file_selectors_are_the_sent_ones(macho_fixtures: Dict[str, Path]) -> None:
    # decoy_m.o implements -systemUptime (its __objc_methname has it) but never sends it
    data = macho_fixtures["decoy_object"].read_bytes()
    assert b"systemUptime\0" in data
    assert "systemUptime" not in one(macho_fixtures["decoy_object"]).selectors


def test_stat_inode64_on_x86_64_macos(macho_fixtures: Dict[str, Path]) -> None:
    image = one(macho_fixtures["statmac"])
    assert "_stat$INODE64" in image.imports and "_stat" not in image.imports


def _patched(data: bytes, cmd_id: int, field: int, value: int) -> bytes:
    """data with the 32-bit ``field`` (byte offset in the command) of the first ``cmd_id`` set."""
    ncmds = struct.unpack_from("<I", data, 16)[0]
    off = 32
    out = bytearray(data)
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd == cmd_id:
            struct.pack_into("<I", out, off + field, value)
            return bytes(out)
        off += size
    raise AssertionError(f"no load command 0x{cmd_id:x}")


def test_encrypted_binary(macho_fixtures: Dict[str, Path]) -> None:
    if "chained" not in macho_fixtures:
        pytest.skip("no lld >= 15 (it writes LC_ENCRYPTION_INFO_64)")
    data = macho_fixtures["chained"].read_bytes()
    plain = macho.read(data)[0]
    assert plain.encrypted is False
    image = macho.read(_patched(data, macho.LC_ENCRYPTION_INFO_64, 16, 1))[0]
    assert image.encrypted is True
    assert image.imports == plain.imports    # the link-edit tables are not encrypted
    assert image.selectors == frozenset()    # the selector strings are


def test_read_accepts_bytes_memoryview_and_mmap(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["fat"].read_bytes()
    assert macho.read(data) == macho.read(memoryview(data)) == \
        macho.read(bytearray(data)) == macho.read_file(str(macho_fixtures["fat"]))


def test_sniff() -> None:
    assert macho.sniff(struct.pack("<II", macho.MH_MAGIC_64, 0)) == "macho"
    assert macho.sniff(struct.pack(">II", macho.FAT_MAGIC, 2)) == "fat"
    assert macho.sniff(struct.pack(">II", macho.FAT_MAGIC_64, 2)) == "fat"
    assert macho.sniff(b"!<arch>\n") == "archive"
    assert macho.sniff(bytes.fromhex("cafebabe00000034")) is None   # Java 8 class file
    assert macho.sniff(b"\x7fELF\x02\x01\x01\x00") is None
    assert macho.sniff(b"") is None


def test_read_file_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(MachOError, match="not a regular file"):
        macho.read_file(str(fifo))   # and does not block waiting for a writer
    with pytest.raises(MachOError, match="not a regular file"):
        macho.read_file(str(tmp_path))
    with pytest.raises(MachOError, match="cannot open"):
        macho.read_file(str(tmp_path / "absent"))
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with pytest.raises(MachOError, match="only 0 bytes"):
        macho.read_file(str(empty))


def test_read_file_refuses_oversized_files(macho_fixtures: Dict[str, Path]) -> None:
    path = macho_fixtures["dylib"]
    with pytest.raises(MachOError, match="limit") as exc:
        macho.read_file(str(path), max_bytes=1024)
    assert exc.value.name == str(path)


# ---- Tencent's frameworks (third-party files beside the project, never in it) ----

def _tencent(name: str) -> List[Path]:
    root = BINARIES / f"{name}.xcframework"
    if not root.is_dir():
        pytest.skip(f"reference binaries {root} are absent (they live beside the project)")
    found = sorted(root.glob(f"*/{name}.framework/{name}"))
    assert len(found) == 2, found
    return found


def test_txffmpeg_imports_fstat() -> None:
    for path in _tencent("TXFFmpeg"):
        images = macho.read_file(str(path))
        assert len(images) == 2
        for image in images:
            assert "_fstat" in image.imports, (path, image.arch)
            assert image.filetype == "dylib"
            assert not image.imports & {"_mach_absolute_time"}   # no boot-time API


@pytest.mark.parametrize("name", ["TXSoundTouch", "TXLiteAVSDK_ReplayKitExt"])
def test_clean_tencent_frameworks_use_no_required_reason_api(name: str) -> None:
    for path in _tencent(name):
        for image in macho.read_file(str(path)):
            assert not image.imports & REQUIRED_REASON_IMPORTS, (path, image.arch)
            assert not image.selectors & REQUIRED_REASON_SELECTORS, (path, image.arch)


@pytest.mark.parametrize("name", ["TXFFmpeg", "TXSoundTouch", "TXLiteAVSDK_ReplayKitExt"])
def test_tencent_slices_are_signed_with_expected_archs(name: str) -> None:
    device, simulator = _tencent(name)
    assert "ios-arm64_armv7" in str(device) and "simulator" in str(simulator)
    dev = macho.read_file(str(device))
    sim = macho.read_file(str(simulator))
    assert [(i.arch, i.platform) for i in dev] == [("armv7", "ios"), ("arm64", "ios")]
    assert sorted((i.arch, i.platform) for i in sim) == [("arm64", "ios-simulator"),
                                                          ("x86_64", "ios-simulator")]
    assert all(i.signed and not i.encrypted for i in dev + sim)


def test_replaykit_selectors_come_from_selrefs() -> None:
    # the extension sends Objective-C messages; its selector references are read
    for path in _tencent("TXLiteAVSDK_ReplayKitExt"):
        for image in macho.read_file(str(path)):
            assert "UTF8String" in image.selectors and "addObject:" in image.selectors
