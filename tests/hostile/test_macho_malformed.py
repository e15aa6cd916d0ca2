"""Malformed Mach-O input: each case is a MachOError with a message, never another exception
or a hang. A hang guard (SIGALRM, generous) turns a loop into a failure instead of a stuck run;
speed itself is measured in benchmarks/macho_speed.py, not asserted here.
"""

from __future__ import annotations

import signal
import struct
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import pytest

from trtc_privacy.usage import macho
from trtc_privacy.usage.macho import MachOError

GUARD_SECONDS = 20


def _alarm(signum: int, frame: object) -> None:
    raise AssertionError("the reader did not return: a loop or a pathological cost")


def fails(data: bytes, match: Optional[str] = None) -> MachOError:
    """Reading ``data`` raises MachOError (matching ``match``) and nothing else."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(GUARD_SECONDS)
    try:
        with pytest.raises(MachOError, match=match) as exc:
            macho.read(data, "case")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert str(exc.value)
    assert exc.value.name == "case"
    return exc.value


def commands(data: bytes) -> Iterator[Tuple[int, int, int]]:
    """(offset, cmd, cmdsize) of each load command of a thin 64-bit little-endian image."""
    ncmds = struct.unpack_from("<I", data, 16)[0]
    off = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        yield off, cmd, size
        off += size


def patch(data: bytes, at: int, fmt: str, *values: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, at, *values)
    return bytes(out)


def command(data: bytes, cmd_id: int) -> int:
    for off, cmd, _size in commands(data):
        if cmd == cmd_id:
            return off
    raise AssertionError(f"no load command 0x{cmd_id:x}")


@pytest.mark.parametrize("key", ["dylib", "chained", "object", "signed"])
def test_truncated_at_every_load_command_boundary(macho_fixtures: Dict[str, Path],
                                                  key: str) -> None:
    if key not in macho_fixtures:
        pytest.skip(f"no {key} fixture")
    data = macho_fixtures[key].read_bytes()
    cuts = [0, 4, 8, 20, 27, 31, 32] + [off + d for off, _c, size in commands(data)
                                        for d in (0, 4, 8, size - 1)]
    for cut in cuts:
        err = fails(data[:cut])
        assert "truncated" in str(err) or "only" in str(err) or "corrupt" in str(err), cut


def test_truncated_anywhere_is_an_error_or_a_full_read(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["fat"].read_bytes()
    for cut in range(0, len(data), 997):
        fails(data[:cut])


def test_message_names_the_load_command(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["dylib"].read_bytes()
    off, _cmd, _size = list(commands(data))[3]
    err = fails(patch(data, off + 4, "<I", 0x7FFFFFF0), "load command 3")
    assert err.offset == off


def test_absurd_header_counts(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["dylib"].read_bytes()
    fails(patch(data, 16, "<I", 0xFFFFFFFF), "load commands")            # ncmds
    fails(patch(data, 20, "<I", 0xFFFFFFF0), "load commands claim")      # sizeofcmds
    fails(patch(data, 16, "<I", 2_000_000), "cannot fit")


def test_absurd_symbol_table(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["dylib"].read_bytes()
    at = command(data, macho.LC_SYMTAB)
    fails(patch(data, at + 12, "<I", 0xFFFFFFFF), "symbol table")        # nsyms
    fails(patch(data, at + 8, "<I", 0xFFFFFFF0), "symbol table")         # symoff
    fails(patch(data, at + 16, "<I", 0xFFFFFFF0), "string table")        # stroff
    fails(patch(data, at + 20, "<I", 0xFFFFFFF0), "string table")        # strsize
    # a symbol name offset past the string table
    symoff, nsyms = struct.unpack_from("<II", data, at + 8)
    out = data
    for i in range(nsyms):
        out = patch(out, symoff + 16 * i, "<I", 0x7FFFFFFF)
    fails(out, "string")


def test_absurd_sections_and_segments(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["dylib"].read_bytes()
    for off, cmd, _size in commands(data):
        if cmd == macho.LC_SEGMENT_64:
            nsects = struct.unpack_from("<I", data, off + 64)[0]
            if nsects:
                fails(patch(data, off + 64, "<I", 100000), "sections")
                # first section's file offset far past the end
                fails(patch(data, off + 72 + 48, "<I", 0xFFFFFF00), "section")
                return
    raise AssertionError("no segment with sections")


def _bind_stream(data: bytes, stream: bytes) -> bytes:
    """data with its dyld-info bind opcodes replaced by ``stream`` (in place, padded)."""
    at = command(data, macho.LC_DYLD_INFO_ONLY)
    bind_off, bind_size = struct.unpack_from("<II", data, at + 16)
    lazy_off, lazy_size = struct.unpack_from("<II", data, at + 32)
    off, size = (bind_off, bind_size) if bind_size >= len(stream) else (lazy_off, lazy_size)
    assert size >= len(stream)
    out = bytearray(data)
    out[off:off + size] = stream + b"\0" * (size - len(stream))
    struct.pack_into("<II", out, at + 16, off, len(stream))
    return bytes(out)


def test_bind_opcode_loop_is_an_error(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["dylib"].read_bytes()
    name = b"\x40_x\0"                                  # SET_SYMBOL_TRAILING_FLAGS_IMM
    seg = b"\x72\x00"                                   # SET_SEGMENT_AND_OFFSET_ULEB seg 2 +0
    huge = b"\xff" * 8 + b"\x7f"                        # 2**63 - 1
    # DO_BIND_ULEB_TIMES_SKIPPING_ULEB with 2**63 binds: would run for ever one slot at a time
    fails(_bind_stream(data, seg + name + b"\xc0" + huge + b"\x00"), "outside")
    # a number longer than 64 bits
    fails(_bind_stream(data, seg + name + b"\x80" + b"\xff" * 12 + b"\x01"), "64 bits")
    # a number that runs off the end of the stream
    fails(_bind_stream(data, seg + name + b"\x80\xff\xff"), "runs past the end")
    # an opcode that does not exist
    fails(_bind_stream(data, seg + name + b"\xe0"), "unknown bind opcode")
    # a segment that does not exist
    fails(_bind_stream(data, b"\x7f\x00" + name + b"\x90"), "segment 15")
    # a symbol name without its NUL
    fails(_bind_stream(data, seg + b"\x40" + b"A" * 64), "NUL")


def test_chained_fixups_absurd_counts(macho_fixtures: Dict[str, Path]) -> None:
    if "chained" not in macho_fixtures:
        pytest.skip("no chained fixture")
    data = macho_fixtures["chained"].read_bytes()
    at = command(data, macho.LC_DYLD_CHAINED_FIXUPS)
    dataoff, datasize = struct.unpack_from("<II", data, at + 8)
    fails(patch(data, dataoff + 16, "<I", 0x40000000), "chained imports")   # imports_count
    fails(patch(data, dataoff + 20, "<I", 9), "import format")              # imports_format
    fails(patch(data, dataoff + 24, "<I", 1), "compressed")                 # symbols_format
    fails(patch(data, dataoff + 12, "<I", 0xFFFFFF), "symbol names")        # symbols_offset
    fails(patch(data, at + 12, "<I", 0x7FFFFFFF), "chained fixups")         # datasize


def test_java_class_file() -> None:
    java = bytes.fromhex("cafebabe00000034") + b"\x00\x10" + b"\x00" * 64
    assert macho.sniff(java[:8]) is None
    fails(java, "Java class")


def test_fat_with_a_billion_architectures() -> None:
    fails(struct.pack(">II", macho.FAT_MAGIC, 10**9) + b"\0" * 64, "1000000000 architectures")
    fails(struct.pack(">II", macho.FAT_MAGIC_64, 10**9) + b"\0" * 64, "architectures")


def test_fat_slices_out_of_range_or_overlapping(macho_fixtures: Dict[str, Path]) -> None:
    data = macho_fixtures["fat"].read_bytes()
    fails(patch(data, 8 + 8, ">I", 0xFFFFFF00), "runs past the end")        # first offset
    fails(patch(data, 8 + 12, ">I", 0x7FFFFFFF), "runs past the end")       # first size
    first_offset, first_size = struct.unpack_from(">II", data, 8 + 8)
    fails(patch(data, 8 + 20 + 8, ">I", first_offset + first_size - 64), "overlaps")
    fails(data[:8 + 20], "do not fit")


def test_fat_slice_that_is_not_macho(macho_fixtures: Dict[str, Path]) -> None:
    data = bytearray(macho_fixtures["fat"].read_bytes())
    offset = struct.unpack_from(">I", data, 8 + 8)[0]
    data[offset:offset + 4] = b"\x7fELF"
    fails(bytes(data), "x86_64 slice")


def _ar_member(name: bytes, body: bytes, size: bytes = b"") -> bytes:
    size = size or str(len(body)).encode()
    head = name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + \
        b"644".ljust(8) + size.ljust(10) + b"`\n"
    return head + body + (b"\n" if len(body) % 2 else b"")


def test_ar_absurd_member_sizes(macho_fixtures: Dict[str, Path]) -> None:
    obj = macho_fixtures["object"].read_bytes()
    good = b"!<arch>\n" + _ar_member(b"rr.o/", obj)
    assert [i.member for i in macho.read(good)] == ["rr.o"]
    fails(b"!<arch>\n" + _ar_member(b"rr.o/", obj, b"9999999999"), "claims 9999999999 bytes")
    fails(b"!<arch>\n" + _ar_member(b"rr.o/", obj, b"-5"), "not an ar header")
    fails(b"!<arch>\n" + _ar_member(b"rr.o/", obj)[:59], "runs past the end")
    fails(b"!<arch>\n" + _ar_member(b"#1/99999", obj), "long-name length")
    fails(b"!<arch>\n" + _ar_member(b"/4000", obj), "long name 4000")
    fails(b"!<arch>\n" + _ar_member(b"rr.o/", obj[:100]), "archive member rr.o")
    fails(b"!<thin>\n", "thin static archive")


def test_ar_non_macho_members_are_skipped(macho_fixtures: Dict[str, Path]) -> None:
    obj = macho_fixtures["object"].read_bytes()
    data = b"!<arch>\n" + _ar_member(b"README/", b"plain text") + \
        _ar_member(b"bitcode.o/", b"BC\xc0\xde" + b"\0" * 20) + _ar_member(b"rr.o/", obj)
    assert [i.member for i in macho.read(data)] == ["rr.o"]


def test_wrong_magic_and_tiny_inputs() -> None:
    fails(b"", "only 0 bytes")
    fails(b"\xcf\xfa\xed\xfe", "only 4 bytes")
    fails(b"\x7fELF" + b"\0" * 60, "not a Mach-O file")
    fails(struct.pack("<I", macho.MH_MAGIC_64) + b"\0" * 20, "shorter than a Mach-O header")


def test_overlapping_symbol_names_cost_no_more_than_linear(
        macho_fixtures: Dict[str, Path]) -> None:
    # 100,000 undefined symbols whose names all start inside one 2 MB NUL-less run: reading each
    # to its NUL would scan 100,000 x 2 MB
    data = bytearray(macho_fixtures["object"].read_bytes())
    at = command(bytes(data), macho.LC_SYMTAB)
    count, run = 100_000, 2 << 20
    symoff = len(data)
    data += b"".join(struct.pack("<IBBHQ", 1 + i, 0x01, 0, 0, 0) for i in range(count))
    stroff = len(data)
    data += b"\0" + b"A" * run + b"\0"
    struct.pack_into("<IIII", data, at + 8, symoff, count, stroff, run + 2)
    fails(bytes(data), "overlap")


def test_read_file_reports_malformed_files_as_machoerror(macho_fixtures: Dict[str, Path],
                                                         tmp_path: Path) -> None:
    # through the mmap path too: the error must not turn into a BufferError when it closes
    for key in ("fat_archive", "dylib"):
        data = macho_fixtures[key].read_bytes()
        for cut in (100, len(data) // 2, len(data) - 3):
            bad = tmp_path / f"{key}-{cut}"
            bad.write_bytes(data[:cut])
            with pytest.raises(MachOError) as exc:
                macho.read_file(str(bad))
            assert exc.value.name == str(bad)
