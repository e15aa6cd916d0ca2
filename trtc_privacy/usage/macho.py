"""Read what a Mach-O binary imports and which Objective-C selectors it sends, without macOS.

Standard library only. One pass over the load commands of each image, then only the tables those
commands point at: the symbol table's undefined externals, the dyld-info bind opcodes, the chained
fixups' import table, and the ``__objc_selrefs`` pointers. Thin, fat (32- and 64-bit headers) and
``ar`` static archives (BSD and GNU member names, fat archives) are read; dSYM companions yield no
image. Every offset, size and count is checked against the bytes that exist before it is used,
and every loop is bounded by the size of what it walks, so malformed input is a ``MachOError``
with a message, never a hang or another exception. See docs/macho.md.
"""

from __future__ import annotations

import bisect
import mmap
import os
import re
import stat as stat_module
import struct
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, Union

__all__ = ["MachOError", "Image", "sniff", "read", "read_file"]

Data = Union[bytes, bytearray, memoryview, mmap.mmap]
#: What images are parsed in: the map of a file, or bytes (a memoryview is copied to bytes once)
Buffer = Union[bytes, bytearray, mmap.mmap]

MH_MAGIC, MH_MAGIC_64 = 0xFEEDFACE, 0xFEEDFACF
MH_CIGAM, MH_CIGAM_64 = 0xCEFAEDFE, 0xCFFAEDFE
FAT_MAGIC, FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
AR_MAGIC = b"!<arch>\n"
AR_THIN = b"!<thin>\n"
#: A fat header with more slices than this is not a fat file (a Java class file has its major
#: version, 45 and up, where nfat_arch would be); lipo itself never writes more than a handful.
MAX_FAT_ARCHS = 30
MAX_SELECTOR = 4096          # longest selector string read
MAX_MEMBERS_NAME = 4096      # longest BSD "#1/NN" member name
CHUNK = 1 << 16              # tables are walked in pieces of at most this many bytes

LC_REQ_DYLD = 0x80000000
LC_SEGMENT, LC_SYMTAB, LC_SEGMENT_64 = 0x1, 0x2, 0x19
LC_CODE_SIGNATURE = 0x1D
LC_ENCRYPTION_INFO, LC_ENCRYPTION_INFO_64 = 0x21, 0x2C
LC_DYLD_INFO, LC_DYLD_INFO_ONLY = 0x22, 0x22 | LC_REQ_DYLD
LC_VERSION_MIN_MACOSX, LC_VERSION_MIN_IPHONEOS = 0x24, 0x25
LC_VERSION_MIN_TVOS, LC_VERSION_MIN_WATCHOS = 0x2F, 0x30
LC_BUILD_VERSION = 0x32
LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD

MH_OBJECT, MH_DSYM = 0x1, 0xA
FILETYPES = {1: "object", 2: "executable", 6: "dylib", 8: "bundle", 10: "dsym"}
PLATFORMS = {1: "macos", 2: "ios", 3: "tvos", 4: "watchos", 5: "bridgeos", 6: "maccatalyst",
             7: "ios-simulator", 8: "tvos-simulator", 9: "watchos-simulator", 10: "driverkit",
             11: "visionos", 12: "visionos-simulator"}
_VERSION_MIN = {LC_VERSION_MIN_MACOSX: "macos", LC_VERSION_MIN_IPHONEOS: "ios",
                LC_VERSION_MIN_TVOS: "tvos", LC_VERSION_MIN_WATCHOS: "watchos"}

CPU_ARCH_ABI64, CPU_ARCH_ABI64_32 = 0x01000000, 0x02000000
CPU_X86, CPU_ARM, CPU_PPC = 7, 12, 18
_ARM_SUBTYPES = {5: "armv4t", 6: "armv6", 7: "armv5", 8: "xscale", 9: "armv7", 10: "armv7f",
                 11: "armv7s", 12: "armv7k", 13: "armv8", 14: "armv6m", 15: "armv7m",
                 16: "armv7em"}

# nlist n_type: N_STAB 0xe0, N_PEXT 0x10, N_TYPE 0x0e (N_UNDF 0, N_PBUD 0xc), N_EXT 0x01
_UNDEFINED_TYPES = re.compile(b"[\x01\x0d\x11\x1d]")
_ZEROFILL = frozenset({0x1, 0xC, 0x12})   # S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL


class MachOError(ValueError):
    """A file that is not readable Mach-O: truncated, absurd counts or offsets, wrong magic.

    ``str(exc)`` says what is wrong in the user's terms; ``offset`` is the file offset where
    reading failed, when one is known; ``name`` is the ``name`` given to ``read``.
    """

    def __init__(self, message: str, offset: Optional[int] = None, name: str = "") -> None:
        super().__init__(message)
        self.offset = offset
        self.name = name


@dataclass(frozen=True)
class Image:
    """One Mach-O image: a thin file, a fat slice, or a static-archive member."""
    arch: str
    platform: str
    filetype: str
    member: str
    imports: FrozenSet[str]
    selectors: FrozenSet[str]
    signed: bool
    encrypted: bool


def sniff(head: bytes) -> Optional[str]:
    """"macho", "fat" or "archive" from the first 8 bytes, else None.

    A Java class file also starts 0xcafebabe; its version stands where a fat header's slice
    count would, and is larger than any real one, so it is None.
    """
    if len(head) < 8:
        return None
    if head[:8] == AR_MAGIC:
        return "archive"
    (le,) = struct.unpack_from("<I", head)
    if le in (MH_MAGIC, MH_MAGIC_64, MH_CIGAM, MH_CIGAM_64):
        return "macho"
    be, count = struct.unpack_from(">II", head)
    if be in (FAT_MAGIC, FAT_MAGIC_64) and 0 < count <= MAX_FAT_ARCHS:
        return "fat"
    return None


def arch_name(cputype: int, cpusubtype: int) -> str:
    """The name lipo and Xcode use for a CPU type and subtype ("arm64", "armv7s", ...)."""
    sub = cpusubtype & 0x00FFFFFF
    if cputype == CPU_ARM | CPU_ARCH_ABI64:
        return {2: "arm64e", 1: "arm64v8"}.get(sub, "arm64")
    if cputype == CPU_ARM | CPU_ARCH_ABI64_32:
        return "arm64_32"
    if cputype == CPU_ARM:
        return _ARM_SUBTYPES.get(sub, "arm")
    if cputype == CPU_X86 | CPU_ARCH_ABI64:
        return "x86_64h" if sub == 8 else "x86_64"
    if cputype == CPU_X86:
        return "i386"
    if cputype == CPU_PPC:
        return "ppc"
    if cputype == CPU_PPC | CPU_ARCH_ABI64:
        return "ppc64"
    return f"cpu-0x{cputype & 0xFFFFFFFF:x}"


def _uleb(reader: "_Reader", buf: Buffer, pos: int, end: int) -> Tuple[int, int]:
    """(value, next position) of the ULEB128 number at absolute ``pos``; at most 64 bits,
    before absolute ``end``."""
    if pos < end and buf[pos] < 0x80:
        return buf[pos], pos + 1
    result = shift = 0
    while True:
        if pos >= end:
            raise reader.fail("corrupt Mach-O: a bind opcode's number runs past the end of "
                              "the bind opcodes", pos - reader.at)
        byte = buf[pos]
        pos += 1
        if shift > 63:
            raise reader.fail("corrupt Mach-O: a bind opcode's number is longer than 64 bits",
                              pos - 1 - reader.at)
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos


def _pieces(buf: Buffer, start: int, size: int, each: int) -> Iterator[Tuple[int, bytes]]:
    """buf[start:start+size] as (offset, bytes) pieces of at most CHUNK bytes, whole entries
    of ``each`` bytes: tables are walked a piece at a time, so no copy grows with the file."""
    step = max(each, CHUNK - CHUNK % each)
    stop = start + size - size % each
    # a map's pages once walked are given back, so a table spanning a huge file does not keep
    # them all resident (a 512 MB symbol table of a sparse file peaked at 538 MiB)
    drop = isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED")
    for at in range(start, stop, step):
        end = min(stop, at + step)
        yield at, bytes(buf[at:end])
        if drop:
            low = at - at % mmap.PAGESIZE
            try:
                buf.madvise(mmap.MADV_DONTNEED, low, end - low)  # type: ignore[union-attr]
            except (OSError, ValueError):  # pragma: no cover - a system without it
                drop = False


class _Reader:
    """Parses one thin Mach-O image in place: ``size`` bytes at offset ``at`` of ``buf``.

    ``buf`` is the whole input (the map of a file, or bytes); the image is a thin file, a fat
    slice or an archive member inside it. Offsets the image's own fields give are relative to
    its start, so every read adds ``at``; only the pages of the tables read are touched, and
    tables are walked in bounded pieces (``_pieces``), never copied out whole.
    """

    def __init__(self, buf: Buffer, at: int, size: int) -> None:
        self.buf = buf
        self.at = at       # where the image starts in ``buf`` (and in the file, for messages)
        self.size = size
        self._names: Dict[int, str] = {}
        self._symtab_at = 0          # absolute offset of the symbol table (object relocations)
        self._nsyms = 0
        # Names are NUL-terminated strings that offsets point into; offsets that overlap could
        # make each search re-scan the same bytes. Distinct names of a real binary add up to
        # less than the file, so a budget of a few times its size keeps the cost linear.
        self._budget = 4 * self.size + (1 << 20)

    def cstring(self, start: int, limit: int, what: str) -> str:
        """The NUL-terminated string at image offset ``start`` (before ``limit``); an error if
        unterminated."""
        text = self.lookup(start, limit)
        if text is None:
            raise self.fail(f"corrupt Mach-O: {what} at offset 0x{self.at + start:x} is not "
                            f"NUL-terminated", start)
        return text

    def lookup(self, start: int, limit: int) -> Optional[str]:
        """The NUL-terminated string at image offset ``start`` (before ``limit``), or None if
        unterminated."""
        cached = self._names.get(start)
        if cached is not None:
            return cached
        at = self.at
        end = self.buf.find(b"\0", at + start, at + limit)
        if end < 0:
            return None
        end -= at
        self._budget -= end - start + 1
        if self._budget < 0:
            raise self.fail("corrupt Mach-O: its names overlap so much that reading them would "
                            "take many times the file's size", start)
        text = bytes(self.buf[at + start:at + end]).decode("utf-8", "backslashreplace")
        self._names[start] = text
        return text

    def fail(self, message: str, offset: Optional[int] = None) -> MachOError:
        """A MachOError at image offset ``offset`` (reported as the file offset)."""
        return MachOError(message, None if offset is None else self.at + offset)

    def span(self, offset: int, size: int, what: str) -> None:
        """Check that [offset, offset+size) lies inside the image."""
        if offset < 0 or size < 0 or offset + size > self.size:
            raise self.fail(f"{what} (offset 0x{self.at + offset:x}, {size} bytes) runs past "
                            f"the end of the image ({self.size} bytes): the file is truncated "
                            f"or corrupt", offset)

    def parse(self, member: str) -> Optional[Image]:
        buf, at = self.buf, self.at
        if self.size < 28:
            raise self.fail(f"truncated Mach-O: {self.size} bytes is shorter than a Mach-O "
                            f"header", 0)
        (magic,) = struct.unpack_from("<I", buf, at)
        if magic in (MH_MAGIC, MH_MAGIC_64):
            e = "<"
        elif magic in (MH_CIGAM, MH_CIGAM_64):
            e = ">"
        else:
            raise self.fail(f"not a Mach-O image (magic 0x{magic:08x})", 0)
        is64 = magic in (MH_MAGIC_64, MH_CIGAM_64)
        self.e, self.is64 = e, is64
        hsize = 32 if is64 else 28
        self.span(0, hsize, "the Mach-O header")
        cputype, cpusub, filetype, ncmds, sizeofcmds, _flags = struct.unpack_from(e + "6I", buf,
                                                                                  at + 4)
        if filetype == MH_DSYM:
            return None
        if sizeofcmds > self.size - hsize:
            raise self.fail(f"truncated Mach-O: the load commands claim {sizeofcmds} bytes but "
                            f"only {self.size - hsize} follow the header", 20)
        if ncmds * 8 > sizeofcmds:
            raise self.fail(f"corrupt Mach-O: {ncmds} load commands cannot fit in "
                            f"{sizeofcmds} bytes", 16)
        arch = arch_name(cputype, cpusub)
        end = hsize + sizeofcmds
        off = hsize
        self.sections: List[Tuple[int, int, int, str, int]] = []  # addr, size, offset, name, reloc
        self.segments: List[Tuple[int, int, int, int]] = []       # vmaddr, vmsize, off, filesize
        symtab: Optional[Tuple[int, int, int, int]] = None
        dyld_info: Optional[Tuple[int, ...]] = None
        chained: Optional[Tuple[int, int]] = None
        signed = encrypted = False
        crypt: Optional[Tuple[int, int]] = None
        platform = ""
        version_min = ""
        for index in range(ncmds):
            if off + 8 > end:
                raise self.fail(f"truncated Mach-O: load command {index} at offset "
                                f"0x{at + off:x} runs past the end of the load commands", off)
            cmd, cmdsize = struct.unpack_from(e + "II", buf, at + off)
            if cmdsize < 8 or off + cmdsize > end:
                raise self.fail(f"corrupt Mach-O: load command {index} at offset "
                                f"0x{at + off:x} has size {cmdsize}, outside the "
                                f"{sizeofcmds} bytes of load commands", off)
            body = at + off + 8
            if cmd in (LC_SEGMENT, LC_SEGMENT_64):
                self._segment(cmd == LC_SEGMENT_64, off, cmdsize, index)
            elif cmd == LC_SYMTAB:
                self._need(cmdsize, 24, index, off)
                symtab = struct.unpack_from(e + "4I", buf, body)
            elif cmd in (LC_DYLD_INFO, LC_DYLD_INFO_ONLY):
                self._need(cmdsize, 48, index, off)
                dyld_info = struct.unpack_from(e + "10I", buf, body)
            elif cmd == LC_DYLD_CHAINED_FIXUPS:
                self._need(cmdsize, 16, index, off)
                chained = struct.unpack_from(e + "2I", buf, body)
            elif cmd == LC_CODE_SIGNATURE:
                signed = True
            elif cmd in (LC_ENCRYPTION_INFO, LC_ENCRYPTION_INFO_64):
                self._need(cmdsize, 20, index, off)
                cryptoff, cryptsize, cryptid = struct.unpack_from(e + "3I", buf, body)
                if cryptid:
                    encrypted = True
                    crypt = (cryptoff, cryptsize)
            elif cmd == LC_BUILD_VERSION:
                self._need(cmdsize, 24, index, off)
                if not platform:
                    (number,) = struct.unpack_from(e + "I", buf, body)
                    platform = PLATFORMS.get(number, f"platform-{number}")
            elif cmd in _VERSION_MIN and not version_min:
                version_min = _VERSION_MIN[cmd]
            off += cmdsize
        if not platform and version_min:
            # before LC_BUILD_VERSION a simulator build said "iphoneos" on an Intel CPU
            simulator = version_min != "macos" and arch in ("x86_64", "x86_64h", "i386")
            platform = version_min + ("-simulator" if simulator else "")
        self.sections.sort()
        self._addrs = [s[0] for s in self.sections]

        imports: Set[str] = set()
        if symtab is not None:
            self._symtab(symtab, imports)
        if dyld_info is not None:
            for stream, (o, n) in enumerate(((dyld_info[2], dyld_info[3]),
                                             (dyld_info[4], dyld_info[5]),
                                             (dyld_info[6], dyld_info[7]))):
                if n:
                    self._bind_opcodes(o, n, lazy=stream == 2, into=imports)
        formats: Dict[int, int] = {}
        if chained is not None and chained[1]:
            formats = self._chained_fixups(chained[0], chained[1], imports)
        selectors = self._selectors(filetype == MH_OBJECT, formats, crypt)
        return Image(arch=arch, platform=platform, filetype=FILETYPES.get(filetype,
                                                                          f"type-{filetype}"),
                     member=member, imports=frozenset(imports), selectors=frozenset(selectors),
                     signed=signed, encrypted=encrypted)

    def _need(self, cmdsize: int, minimum: int, index: int, off: int) -> None:
        if cmdsize < minimum:
            raise self.fail(f"corrupt Mach-O: load command {index} at offset "
                            f"0x{self.at + off:x} is {cmdsize} bytes, shorter than its "
                            f"{minimum}-byte layout", off)

    def _segment(self, is64: bool, off: int, cmdsize: int, index: int) -> None:
        e, buf, at = self.e, self.buf, self.at
        if is64:
            self._need(cmdsize, 72, index, off)
            vmaddr, vmsize, fileoff, filesize, _mx, _ini, nsects, _fl = \
                struct.unpack_from(e + "4Q4I", buf, at + off + 24)
            head, each, fmt = 72, 80, e + "16s16s2Q7I"
        else:
            self._need(cmdsize, 56, index, off)
            vmaddr, vmsize, fileoff, filesize, _mx, _ini, nsects, _fl = \
                struct.unpack_from(e + "8I", buf, at + off + 24)
            head, each, fmt = 56, 68, e + "16s16s9I"
        if nsects > (cmdsize - head) // each:
            raise self.fail(f"corrupt Mach-O: segment command {index} at offset "
                            f"0x{at + off:x} claims {nsects} sections but has room for "
                            f"{(cmdsize - head) // each}", off)
        self.segments.append((vmaddr, vmsize, fileoff, filesize))
        for i in range(nsects):
            fields = struct.unpack_from(fmt, buf, at + off + head + i * each)
            sectname = fields[0].split(b"\0", 1)[0].decode("ascii", "replace")
            addr, size, offset, _align, reloff, nreloc, flags = fields[2:9]
            if flags & 0xFF in _ZEROFILL or size == 0:
                continue
            self.span(offset, size, f"section {sectname}")
            self.sections.append((addr, size, offset, sectname, (reloff << 32) | nreloc))

    def _symtab(self, symtab: Tuple[int, int, int, int], into: Set[str]) -> None:
        symoff, nsyms, stroff, strsize = symtab
        entry = 16 if self.is64 else 12
        self.span(symoff, nsyms * entry, f"the symbol table ({nsyms} symbols)")
        self.span(stroff, strsize, "the string table")
        self._symtab_at, self._nsyms = self.at + symoff, nsyms
        head = struct.Struct(self.e + "I")
        value = struct.Struct(self.e + ("Q" if self.is64 else "I"))
        for piece_at, table in _pieces(self.buf, self.at + symoff, nsyms * entry, entry):
            first = (piece_at - self.at - symoff) // entry    # index of the piece's first symbol
            for m in _UNDEFINED_TYPES.finditer(table[4::entry]):
                at = m.start() * entry
                if value.unpack_from(table, at + 8)[0]:
                    continue   # an undefined symbol with a value is a common (tentative) definition
                (strx,) = head.unpack_from(table, at)
                if strx == 0:
                    continue
                if strx >= strsize:
                    raise self.fail(f"corrupt Mach-O: symbol {first + m.start()} names string "
                                    f"offset {strx}, past the {strsize}-byte string table",
                                    symoff + (first + m.start()) * entry)
                into.add(self.cstring(stroff + strx, stroff + strsize, "a symbol name"))

    def _bind_opcodes(self, off: int, size: int, lazy: bool, into: Set[str]) -> None:
        """Names bound by a bind / weak-bind / lazy-bind opcode stream.

        Each opcode consumes at least one byte and none jumps backwards, so the walk is linear
        in the stream; addresses are tracked only to reject binds outside their segment (a
        stream that would bind billions of slots is an error, not a loop). Positions here are
        absolute (in ``buf``); ``base`` turns them back into image offsets for messages.
        """
        self.span(off, size, "the dyld bind opcodes")
        buf, base = self.buf, self.at
        pos, end = base + off, base + off + size
        ptr = 8 if self.is64 else 4
        segments = self.segments
        name, seg_size, addr = "", -1, 0
        threaded = False
        mask = (1 << 64) - 1
        names: Set[str] = set()
        while pos < end:
            byte = buf[pos]
            pos += 1
            op = byte & 0xF0
            if op == 0x40:                                   # SET_SYMBOL_TRAILING_FLAGS_IMM
                stop = buf.find(b"\0", pos, end)
                if stop < 0:
                    raise self.fail("corrupt Mach-O: a bind opcode's symbol name is not "
                                    "NUL-terminated", pos - base)
                name = bytes(buf[pos:stop]).decode("utf-8", "backslashreplace")
                pos = stop + 1
                continue
            if op in (0x10, 0x30, 0x50):                     # dylib ordinal / special, type
                continue
            if op == 0x00:                                   # DONE
                if lazy:
                    continue
                break
            if op in (0x20, 0x60, 0x70, 0x80, 0xA0, 0xC0) or byte == 0xD0:
                value, pos = _uleb(self, buf, pos, end)      # the opcode's first number
            else:
                value = 0
            if op == 0x70:                                   # SET_SEGMENT_AND_OFFSET_ULEB
                imm = byte & 0x0F
                if imm >= len(segments):
                    raise self.fail(f"corrupt Mach-O: a bind opcode names segment {imm}, but "
                                    f"there are {len(segments)}", pos - 1 - base)
                seg_size, addr = segments[imm][1], value
            elif op == 0x80:                                 # ADD_ADDR_ULEB
                addr = (addr + value) & mask
            elif op in (0x90, 0xA0, 0xB0, 0xC0):             # the four DO_BIND forms
                if op == 0xC0:                               # ..._ULEB_TIMES_SKIPPING_ULEB
                    count = value
                    skip, pos = _uleb(self, buf, pos, end)
                    stride = ptr + skip
                    if count == 0:
                        continue
                else:
                    count = 1
                    stride = ptr + (byte & 0x0F) * ptr if op == 0xB0 else ptr
                if threaded:
                    names.add(name)
                    continue
                if seg_size < 0 or not name:
                    raise self.fail("corrupt Mach-O: a bind opcode binds before naming a "
                                    "segment and symbol", pos - 1 - base)
                if addr >= seg_size or count > seg_size or \
                        addr + (count - 1) * stride >= seg_size:
                    raise self.fail(f"corrupt Mach-O: bind opcodes bind {count} slot(s) at "
                                    f"offset 0x{addr:x}, outside their {seg_size}-byte segment",
                                    pos - 1 - base)
                names.add(name)
                addr = (addr + count * stride + (value if op == 0xA0 else 0)) & mask
            elif op == 0xD0:                                 # THREADED
                if byte == 0xD0:                             # SET_BIND_ORDINAL_TABLE_SIZE_ULEB
                    threaded = True
                elif byte != 0xD1:                           # APPLY walks chains: no names
                    raise self.fail(f"corrupt Mach-O: unknown threaded bind opcode "
                                    f"0x{byte:02x}", pos - 1 - base)
            elif op not in (0x20, 0x60):
                raise self.fail(f"corrupt Mach-O: unknown bind opcode 0x{byte:02x} at offset "
                                f"0x{pos - 1:x}", pos - 1 - base)
        into.update(names)

    def _chained_fixups(self, off: int, size: int, into: Set[str]) -> Dict[int, int]:
        """Names in the chained-fixups import table; returns segment index -> pointer format."""
        self.span(off, size, "the chained fixups")
        if size < 28:
            raise self.fail("corrupt Mach-O: the chained fixups header is truncated", off)
        buf, e, base = self.buf, self.e, self.at
        _version, starts, imports_off, symbols_off, count, fmt, symbols_fmt = \
            struct.unpack_from(e + "7I", buf, base + off)
        width = {1: 4, 2: 8, 3: 16}.get(fmt)
        if width is None:
            raise self.fail(f"corrupt Mach-O: unknown chained import format {fmt}", off)
        if symbols_fmt != 0:
            raise self.fail("unsupported Mach-O: the chained fixups' symbol names are "
                            "compressed", off)
        if imports_off > size or count > (size - imports_off) // width:
            raise self.fail(f"corrupt Mach-O: {count} chained imports do not fit in the "
                            f"{size}-byte chained fixups", off)
        if symbols_off > size:
            raise self.fail("corrupt Mach-O: the chained fixups' symbol names start past their "
                            "end", off)
        names_at, names_end = off + symbols_off, off + size
        table = off + imports_off
        if fmt == 3:
            shape, shift = e + "Q8x", 32
        else:
            shape, shift = e + ("I" if fmt == 1 else "I4x"), 9
        for _at, piece in _pieces(buf, base + table, count * width, width):
            for (v,) in struct.iter_unpack(shape, piece):
                name_off = v >> shift
                if name_off >= names_end - names_at:
                    raise self.fail(f"corrupt Mach-O: a chained import's name offset "
                                    f"{name_off} is past the symbol names", table)
                into.add(self.cstring(names_at + name_off, names_end,
                                      "a chained import's name"))
        formats: Dict[int, int] = {}
        if starts and starts + 4 <= size:
            at = off + starts
            (seg_count,) = struct.unpack_from(e + "I", buf, base + at)
            if seg_count > (size - starts - 4) // 4:
                raise self.fail(f"corrupt Mach-O: the chained fixups list {seg_count} segments",
                                at)
            for i in range(seg_count):
                (seg_off,) = struct.unpack_from(e + "I", buf, base + at + 4 + 4 * i)
                if seg_off and starts + seg_off + 8 <= size:
                    formats[i] = struct.unpack_from(e + "H", buf, base + at + seg_off + 6)[0]
        return formats

    def _string_at(self, addr: int) -> Optional[str]:
        """The C string at virtual address ``addr`` (inside some section), else None."""
        i = bisect.bisect_right(self._addrs, addr) - 1
        if i < 0:
            return None
        s_addr, s_size, s_off = self.sections[i][:3]
        if addr >= s_addr + s_size:
            return None
        start = s_off + (addr - s_addr)
        return self.lookup(start, min(s_off + s_size, start + MAX_SELECTOR))

    def _selectors(self, is_object: bool, formats: Dict[int, int],
                   crypt: Optional[Tuple[int, int]]) -> Set[str]:
        """Selectors referenced through ``__objc_selrefs``.

        Linked images hold plain pointers (rebased by dyld-info) or chained rebase pointers;
        object files hold relocations, resolved here the way the linker would.
        """
        found: Set[str] = set()
        selrefs = [s for s in self.sections if s[3] == "__objc_selrefs"]
        if not selrefs:
            return found
        if crypt is not None:
            # the strings sit in the encrypted __TEXT: what they say cannot be read
            return found
        ptr = 8 if self.is64 else 4
        word = struct.Struct(self.e + ("Q" if self.is64 else "I"))
        base = min((seg[0] for seg in self.segments if seg[2] == 0 and seg[3]), default=0)
        for addr, size, offset, _name, relocs in selrefs:
            if is_object:
                self._object_selrefs(offset, size, relocs, word, found)
                continue
            fmt = self._format_at(addr, formats)
            for _at, piece in _pieces(self.buf, self.at + offset, size, ptr):
                for (raw,) in struct.iter_unpack(word.format, piece):
                    if raw == 0:
                        continue
                    target = _rebase_target(raw, fmt, base) if fmt else raw
                    text = self._string_at(target)
                    if text is None and not fmt and self.is64:
                        # arm64e "threaded" rebases look like chained ones
                        text = self._string_at(_rebase_target(raw, 1, base))
                    if text:
                        found.add(text)
        return found

    def _format_at(self, addr: int, formats: Dict[int, int]) -> int:
        for index, fmt in formats.items():
            if index < len(self.segments):
                vmaddr, vmsize = self.segments[index][:2]
                if vmaddr <= addr < vmaddr + vmsize:
                    return fmt
        return 0

    def _object_selrefs(self, offset: int, size: int, relocs: int, word: struct.Struct,
                        into: Set[str]) -> None:
        reloff, nreloc = relocs >> 32, relocs & 0xFFFFFFFF
        self.span(reloff, nreloc * 8, "the relocations of __objc_selrefs")
        buf, at = self.buf, self.at
        entry = 16 if self.is64 else 12
        for _piece_at, piece in _pieces(buf, at + reloff, nreloc * 8, 8):
            for r_address, info in struct.iter_unpack(self.e + "iI", piece):
                if r_address < 0:  # a scattered relocation carries the target address itself
                    target = info
                else:
                    if r_address + word.size > size:
                        raise self.fail("corrupt Mach-O: a relocation of __objc_selrefs points "
                                        "past the section", reloff)
                    (target,) = word.unpack_from(buf, at + offset + r_address)
                    if self.e == "<":
                        symbolnum, extern = info & 0xFFFFFF, (info >> 27) & 1
                    else:
                        symbolnum, extern = info >> 8, (info >> 4) & 1
                    if extern:
                        if symbolnum >= self._nsyms:
                            raise self.fail(f"corrupt Mach-O: a relocation names symbol "
                                            f"{symbolnum}, outside the symbol table", reloff)
                        symbol = self._symtab_at + symbolnum * entry
                        if buf[symbol + 4] & 0x0E != 0x0E:   # not N_SECT: an external
                            continue
                        (value,) = word.unpack_from(buf, symbol + 8)
                        target = (target + value) & ((1 << (8 * word.size)) - 1)
                text = self._string_at(target)
                if text:
                    into.add(text)


def _rebase_target(raw: int, fmt: int, base: int) -> int:
    """The virtual address a chained rebase pointer of pointer format ``fmt`` points at."""
    if fmt in (1, 9, 12):                               # arm64e variants
        if raw >> 63:                                   # authenticated: a 32-bit image offset
            return base + (raw & 0xFFFFFFFF)
        if (raw >> 62) & 1:
            return -1                                   # a bind, not a rebase
        target = raw & 0x7FFFFFFFFFF
        return target if fmt == 1 else base + target
    if fmt == 3:                                        # 32-bit
        return -1 if raw >> 31 else raw & 0x3FFFFFF
    if raw >> 63:
        return -1                                       # a bind
    target = raw & 0xFFFFFFFFF
    if fmt == 6 or target < base:                       # DYLD_CHAINED_PTR_64_OFFSET
        return base + target
    return target


def _chunk(data: Buffer, start: int, end: int) -> bytes:
    """A copy of the few bytes data[start:end] (a header, a name), as bytes."""
    return bytes(data[start:end])


def _read_fat(data: Buffer, name: str) -> List[Image]:
    """Every image of every slice, each parsed in place at its offset (never copied out)."""
    total = len(data)
    magic, count = struct.unpack_from(">II", data)
    if count == 0 or count > MAX_FAT_ARCHS:
        hint = " (this looks like a Java class file)" if 45 <= count <= 100 else ""
        raise MachOError(f"not a Mach-O universal file: its header claims {count} "
                         f"architectures{hint}", 4, name)
    is64 = magic == FAT_MAGIC_64
    each = 32 if is64 else 20
    table_end = 8 + count * each
    if table_end > total:
        raise MachOError(f"truncated Mach-O universal file: {count} architecture entries do not "
                         f"fit in {total} bytes", 8, name)
    slices: List[Tuple[int, int, str, int]] = []
    for i in range(count):
        at = 8 + i * each
        if is64:
            cputype, cpusub, offset, size, _align, _r = struct.unpack_from(">IIQQII", data, at)
        else:
            cputype, cpusub, offset, size, _align = struct.unpack_from(">IIIII", data, at)
        label = arch_name(cputype, cpusub)
        if offset < table_end or offset + size > total:
            raise MachOError(f"truncated Mach-O universal file: the {label} slice (offset "
                             f"0x{offset:x}, {size} bytes) runs past the end of the file "
                             f"({total} bytes)", at, name)
        slices.append((offset, size, label, at))
    previous_end = 0
    for offset, size, label, at in sorted(slices):
        if offset < previous_end:
            raise MachOError(f"corrupt Mach-O universal file: the {label} slice at offset "
                             f"0x{offset:x} overlaps the slice before it", at, name)
        previous_end = offset + size
    images: List[Image] = []
    for offset, size, label, _at in slices:
        kind = sniff(_chunk(data, offset, offset + 8))
        try:
            if kind == "macho":
                image = _Reader(data, offset, size).parse("")
                if image is not None:
                    images.append(image)
            elif kind == "archive":
                images.extend(_read_archive(data, offset, offset + size, name))
            else:
                raise MachOError(f"the slice at offset 0x{offset:x} is neither a Mach-O image "
                                 f"nor a static archive", offset)
        except MachOError as exc:
            raise _within(exc, f"{label} slice", name) from None
    return images


def _within(exc: MachOError, where: str, name: str) -> MachOError:
    return MachOError(f"{where}: {exc}", exc.offset, name)


def _member_name(header: bytes, data: Buffer, data_at: int, size: int,
                 long_names: bytes, at: int) -> Tuple[str, int]:
    """(name, bytes of the member's data taken by a BSD long name)."""
    raw = header[:16].rstrip(b" ")
    if raw.startswith(b"#1/"):
        digits = raw[3:]
        if not digits.isdigit() or int(digits) > min(size, MAX_MEMBERS_NAME):
            raise MachOError(f"corrupt static archive: member header at offset 0x{at:x} has a "
                             f"bad long-name length {digits!r}", at)
        n = int(digits)
        text = _chunk(data, data_at, data_at + n).split(b"\0", 1)[0]
        return text.decode("utf-8", "backslashreplace"), n
    if raw.startswith(b"/") and raw[1:].isdigit():
        i = int(raw[1:])
        if i >= len(long_names):
            raise MachOError(f"corrupt static archive: member header at offset 0x{at:x} names "
                             f"long name {i}, outside the name table", at)
        stop = min(len(long_names), i + MAX_MEMBERS_NAME)   # bounded: names may overlap
        endl = long_names.find(b"\n", i, stop)
        text = long_names[i:endl if endl >= 0 else stop]
        return text.rstrip(b"/").decode("utf-8", "backslashreplace"), 0
    if raw.endswith(b"/") and raw not in (b"/", b"//"):
        raw = raw[:-1]
    return raw.decode("utf-8", "backslashreplace"), 0


_SYMBOL_TABLES = frozenset({"/", "//", "/SYM64/", "/SYM64", "__.SYMDEF", "__.SYMDEF SORTED",
                            "__.SYMDEF_64", "__.SYMDEF_64 SORTED"})


def _read_archive(data: Buffer, start: int, end: int, name: str) -> List[Image]:
    """Every Mach-O member of the ``ar`` archive in data[start:end]; other members yield nothing.

    Members that are not Mach-O (LLVM bitcode, ELF, text) are skipped.
    """
    pos = start + 8
    images: List[Image] = []
    long_names = b""
    while pos < end:
        if pos + 60 > end:
            raise MachOError(f"truncated static archive: a member header at offset 0x{pos:x} "
                             f"runs past the end ({end} bytes)", pos, name)
        header = _chunk(data, pos, pos + 60)
        size_field = header[48:58].strip(b" ")
        if header[58:60] != b"`\n" or not size_field.isdigit():
            raise MachOError(f"corrupt static archive: the member header at offset 0x{pos:x} "
                             f"is not an ar header", pos, name)
        size = int(size_field)
        data_at = pos + 60
        if size > end - data_at:
            raise MachOError(f"truncated static archive: the member at offset 0x{pos:x} claims "
                             f"{size} bytes but only {end - data_at} remain", pos, name)
        try:
            member, skip = _member_name(header, data, data_at, size, long_names, pos)
        except MachOError as exc:
            raise MachOError(str(exc), exc.offset, name) from None
        if member == "//":
            long_names = _chunk(data, data_at, data_at + size)
        elif member not in _SYMBOL_TABLES and size - skip >= 8:
            first = data_at + skip
            if sniff(_chunk(data, first, first + 8)) == "macho":
                try:
                    image = _Reader(data, first, data_at + size - first).parse(member)
                except MachOError as exc:
                    raise _within(exc, f"archive member {member}", name) from None
                if image is not None:
                    images.append(image)
        pos = data_at + size + (size & 1)
    return images


def read(data: Data, name: str = "") -> List[Image]:
    """Every image in a thin, fat (including fat archives) or ``ar`` file; raises MachOError.

    ``name`` is kept on the error (``exc.name``) for the caller's message; the message itself
    names slices and archive members, not the file.
    """
    if isinstance(data, memoryview):
        data = data.tobytes()    # find() and slices to bytes are needed; a view has neither
    head = _chunk(data, 0, 8)
    if len(head) < 8:
        raise MachOError(f"not a Mach-O file: only {len(head)} bytes", 0, name)
    if head == AR_THIN:
        raise MachOError("a thin static archive only refers to object files elsewhere; read "
                         "those files instead", 0, name)
    kind = sniff(head)
    if kind == "macho":
        try:
            image = _Reader(data, 0, len(data)).parse("")
        except MachOError as exc:
            raise MachOError(str(exc), exc.offset, name) from None
        return [image] if image is not None else []
    if kind == "archive":
        return _read_archive(data, 0, len(data), name)
    (be,) = struct.unpack_from(">I", head)
    if be in (FAT_MAGIC, FAT_MAGIC_64):
        return _read_fat(data, name)
    raise MachOError(f"not a Mach-O file, universal file or static archive (it starts "
                     f"0x{head[:4].hex()})", 0, name)


def read_file(path: str, max_bytes: int = 2 << 30) -> List[Image]:
    """Open once, fstat, refuse non-regular and oversized files, mmap, and ``read``.

    Opening does not block on a FIFO; a directory, device or socket is refused. OSError
    becomes a MachOError with the system's reason.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC",
                                                                              0))
    except OSError as exc:
        raise MachOError(f"cannot open: {exc.strerror}", None, path) from None
    try:
        st = os.fstat(fd)
        if not stat_module.S_ISREG(st.st_mode):
            raise MachOError("not a regular file", None, path)
        if st.st_size > max_bytes:
            raise MachOError(f"{st.st_size} bytes is more than the {max_bytes}-byte limit for "
                             f"a binary", None, path)
        if st.st_size < 8:
            raise MachOError(f"not a Mach-O file: only {st.st_size} bytes", 0, path)
        try:
            mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise MachOError(f"cannot map the file: {exc}", None, path) from None
        try:
            return read(mapped, path)
        finally:
            mapped.close()
    except OSError as exc:
        raise MachOError(f"cannot read: {exc.strerror}", None, path) from None
    finally:
        os.close(fd)

