"""One read-only virtual tree over a built artifact (.ipa, .xcarchive, .app, .xcframework).

An .ipa is a zip file: its central directory is checked (entry count, names, sizes, ratios,
overlaps, symbolic links) before anything is decompressed, and members are read into memory on
demand, never extracted. A folder is walked once without following links; a link that points
outside the artifact, a FIFO or a device is refused. Either way the result is one ``Tree`` of
POSIX paths relative to the artifact, so the bundle walker never knows which it reads.

Everything a user can feed this ends in an ``InputError`` (rule ``bad-artifact``, exit 2) with a
message naming the member, or in a tree: no traceback, no hang, nothing written.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import posixpath
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple, Union

from trtc_privacy.diagnostics import InputError, input_error

RULE = "bad-artifact"
ARTIFACT_SUFFIXES = (".ipa", ".xcarchive", ".app", ".framework", ".xcframework", ".appex", ".a")


@dataclass(frozen=True)
class Limits:
    """Bounds on what an artifact may ask of us. App Store apps are at most 4 GB uncompressed."""

    members: int = 300_000  # files and folders in the artifact
    central_directory: int = 128 << 20  # bytes of zip central directory
    member_bytes: int = 4 << 30  # declared uncompressed size of one member
    total_bytes: int = 16 << 30  # declared uncompressed size of all members
    read_bytes: int = 1 << 30  # bytes decompressed from one member we read
    ratio: int = 200  # uncompressed:compressed, for members over ratio_floor
    ratio_floor: int = 8 << 20
    depth: int = 64  # folder nesting
    link_hops: int = 16
    in_memory: int = 16 << 20  # a member read larger than this is decompressed to a mapped file


LIMITS = Limits()


@dataclass
class Member:
    """One file, folder or symbolic link in the tree."""

    path: str  # POSIX, relative to the artifact root ("" is the root)
    kind: str  # "file", "dir" or "link"
    size: int = 0
    target: str = ""  # for links: the tree path it points at (checked to stay inside)
    info: Optional[zipfile.ZipInfo] = field(default=None, repr=False)


class Tree:
    """The artifact as paths; ``read`` returns a member's bytes within the limits."""

    def __init__(self, source: str, kind: str, limits: Limits = LIMITS) -> None:
        self.source = source  # the path the user gave
        self.kind = kind  # "ipa", "xcarchive", "app", "framework", "xcframework", "library"
        self.limits = limits
        self.entries: Dict[str, Member] = {"": Member("", "dir")}
        self._children: Dict[str, List[str]] = {}
        self._zip: Optional[zipfile.ZipFile] = None

    # -- building ------------------------------------------------------------------------------

    def _add(self, entry: Member) -> None:
        if len(self.entries) >= self.limits.members:
            raise self.error(entry.path, f"the artifact has more than {self.limits.members:,} "
                             "files and folders; refusing to read further",
                             hint="an App Store app has far fewer; check this is the artifact "
                             "Xcode exported")
        parent = posixpath.dirname(entry.path)
        if parent not in self.entries:
            self._add(Member(parent, "dir"))
        elif self.entries[parent].kind != "dir":
            raise self.error(entry.path, f"\"{parent}\" is both a file and a folder")
        if entry.path in self.entries:
            old = self.entries[entry.path]
            if old.kind == "dir" and entry.kind == "dir":
                return
            raise self.error(entry.path, "the name occurs twice in the archive",
                             hint="a zip with duplicate names is ambiguous; re-export it")
        self.entries[entry.path] = entry
        self._children.setdefault(parent, []).append(posixpath.basename(entry.path))

    # -- reading -------------------------------------------------------------------------------

    def error(self, member: str, message: str, hint: str = "") -> InputError:
        where = f"{self.source}!{member}" if member and self.kind == "ipa" else (
            os.path.join(self.source, member) if member else self.source)
        return input_error(where, message, rule=RULE,
                           hint=hint or "check the file is the artifact Xcode exported; "
                           "re-export it")

    def resolve(self, path: str) -> Optional[Member]:
        """The entry at ``path`` with links followed (links only ever point inside)."""
        parts = [p for p in path.split("/") if p]
        cur = ""
        hops = 0
        i = 0
        while i < len(parts):
            nxt = posixpath.join(cur, parts[i]) if cur else parts[i]
            e = self.entries.get(nxt)
            if e is None:
                return None
            if e.kind == "link":
                hops += 1
                if hops > self.limits.link_hops:
                    raise self.error(nxt, "symbolic links form a loop")
                rest = parts[i + 1:]
                parts = [p for p in e.target.split("/") if p] + rest
                cur, i = "", 0
                continue
            cur = nxt
            i += 1
        return self.entries.get(cur)

    def real(self, path: str) -> Optional[str]:
        e = self.resolve(path)
        return e.path if e is not None else None

    def is_dir(self, path: str) -> bool:
        e = self.resolve(path)
        return e is not None and e.kind == "dir"

    def is_file(self, path: str) -> bool:
        e = self.resolve(path)
        return e is not None and e.kind == "file"

    def is_link(self, path: str) -> bool:
        e = self.entries.get(path)
        return e is not None and e.kind == "link"

    def children(self, path: str) -> List[str]:
        """Names directly inside a folder (links to folders included), sorted."""
        real = self.real(path)
        return sorted(self._children.get(real, [])) if real is not None else []

    def files(self) -> Iterator[Member]:
        """Every regular file, in path order (links not followed)."""
        for p in sorted(self.entries):
            e = self.entries[p]
            if e.kind == "file":
                yield e

    def size(self, path: str) -> int:
        e = self.resolve(path)
        return e.size if e is not None else 0

    def read(self, path: str, max_bytes: int) -> bytes:
        """A member's bytes, refusing one larger than ``max_bytes`` (or the read limit)."""
        e = self.resolve(path)
        if e is None or e.kind != "file":
            raise self.error(path, "is not a file in the artifact")
        cap = min(max_bytes, self.limits.read_bytes)
        if e.size > cap:
            raise self.error(e.path, f"is {e.size:,} bytes; the limit for this kind of file is "
                             f"{cap:,} bytes")
        if self._zip is not None and e.info is not None:
            return self._read_member(e, cap)
        return _read_regular(os.path.join(self.source, *e.path.split("/")), cap, self, e.path)

    def local_path(self, path: str) -> Optional[str]:
        """The file on disk behind a tree path (folders only; None inside a zip)."""
        if self._zip is not None:
            return None
        real = self.real(path)
        return os.path.join(self.source, *real.split("/")) if real is not None else None

    @contextlib.contextmanager
    def mapped(self, path: str, max_bytes: int) -> Iterator[Union[bytes, mmap.mmap]]:
        """A member's bytes for a reader that works in place (the Mach-O reader): a small one
        in memory; a larger one of a zip decompressed a chunk at a time into an unnamed
        temporary file and mapped, so that memory holds what the reader touches, not the
        member (a 1 GiB executable cost 2 GB)."""
        e = self.resolve(path)
        cap = min(max_bytes, self.limits.read_bytes)
        if (self._zip is None or e is None or e.info is None or e.kind != "file"
                or e.size <= self.limits.in_memory or e.size > cap):
            yield self.read(path, max_bytes)
            return
        import tempfile

        with tempfile.TemporaryFile(prefix=".trtc-privacy-member-") as spool:
            self._read_member(e, cap, spool)
            spool.flush()
            if spool.tell() == 0:
                yield b""
                return
            with mmap.mmap(spool.fileno(), 0, access=mmap.ACCESS_READ) as view:
                yield view

    def _read_member(self, e: Member, cap: int, spool: Optional[object] = None) -> bytes:
        """The member's bytes, or (``spool``, a binary file) written there in chunks."""
        assert self._zip is not None and e.info is not None
        chunks: List[bytes] = []
        got = 0
        try:
            with self._zip.open(e.info) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > cap:
                        raise self.error(e.path, f"decompresses to more than {cap:,} bytes")
                    if spool is not None:
                        spool.write(chunk)  # type: ignore[attr-defined]
                    else:
                        chunks.append(chunk)
        except InputError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as exc:  # corrupt data, truncation, encryption, unknown method
            raise self.error(e.path, f"cannot read this member: {_zip_reason(exc)}") from None
        except Exception as exc:  # zlib.error, lzma/bz2 errors on corrupt data
            raise self.error(e.path, f"cannot read this member: {exc}") from None
        return b"".join(chunks)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> "Tree":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _zip_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, EOFError):
        return "the archive ends early (truncated)"
    if "encrypted" in text:
        return "the member is encrypted"
    return text


def _read_regular(full: str, cap: int, tree: Tree, member: str) -> bytes:
    """Read a regular file, refusing anything else (a FIFO would block for ever)."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(full, flags)
    except OSError as exc:
        raise tree.error(member, f"cannot read: {(exc.strerror or str(exc)).lower()}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise tree.error(member, "is not a regular file")
        if st.st_size > cap:
            raise tree.error(member, f"is {st.st_size:,} bytes; the limit is {cap:,} bytes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(cap + 1)
    finally:
        os.close(fd)
    if len(data) > cap:
        raise tree.error(member, f"is larger than {cap:,} bytes")
    return data


# --------------------------------------------------------------------------------------------
# opening


def kind_of(path: str) -> str:
    """What the user gave: by suffix, else by content (a zip is an .ipa, a folder with
    Payload/ or Products/ an .ipa's contents or an .xcarchive)."""
    name = os.path.basename(os.path.normpath(path)).lower()
    for suffix in ARTIFACT_SUFFIXES:
        if name.endswith(suffix):
            return {".appex": "app", ".a": "library"}.get(suffix, suffix[1:])
    return ""


def open_artifact(path: str, limits: Limits = LIMITS) -> Tree:
    """The artifact at ``path`` as a Tree, or InputError (exit 2) saying why it is refused."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise input_error(path, "file not found", rule="unreadable",
                          hint="give an .ipa, .xcarchive, .app, .framework or .xcframework"
                          ) from None
    except OSError as exc:
        raise input_error(path, f"cannot read: {(exc.strerror or str(exc)).lower()}",
                          rule="unreadable") from None
    kind = kind_of(path)
    if kind == "library" and stat.S_ISREG(st.st_mode):
        # a loose static archive: a tree of the one file, in the folder that holds it
        folder, name = os.path.split(os.path.normpath(path))
        tree = Tree(folder or os.curdir, kind, limits)
        tree._add(Member(name, "file", size=st.st_size))
        return tree
    if stat.S_ISDIR(st.st_mode):
        if kind in ("", "ipa", "library"):
            kind = _folder_kind(path)
        tree = Tree(path, kind, limits)
        _walk_folder(tree, path)
        return tree
    if not stat.S_ISREG(st.st_mode):
        raise input_error(path, "is not a regular file or folder (a FIFO, socket or device?)",
                          rule=RULE, hint="give the .ipa file or the bundle folder itself")
    if kind not in ("", "ipa"):
        raise input_error(path, f"a .{kind} is a folder, but this is a file", rule=RULE,
                          hint="give the bundle folder, or the .ipa Xcode exported")
    if kind == "" and not is_artifact(path):
        raise input_error(path, "not an artifact: expected an .ipa (a zip file), .xcarchive, "
                          ".app, .framework or .xcframework", rule=RULE,
                          hint="`lint` checks a PrivacyInfo.xcprivacy file; `audit` the app "
                          "Xcode built")
    tree = Tree(path, "ipa", limits)
    _index_zip(tree, path, st.st_size)
    return tree


def _folder_kind(path: str) -> str:
    if os.path.isdir(os.path.join(path, "Products")):
        return "xcarchive"
    if os.path.isdir(os.path.join(path, "Payload")):
        return "ipa"  # an unzipped .ipa
    raise input_error(path, "not an artifact: expected an .ipa, .xcarchive, .app, .framework "
                      "or .xcframework", rule=RULE,
                      hint="give the archive or bundle Xcode built; `lint` checks manifests in "
                      "a source folder")


def _walk_folder(tree: Tree, top: str) -> None:
    """Index a folder without following links (``discover.INSIDE``: a link must stay inside);
    FIFOs, sockets and devices are refused."""
    from trtc_privacy import discover

    def refuse(rel: str, what: str, exc: OSError) -> None:
        why = exc.strerror or str(exc)
        raise tree.error(rel, f"cannot {what}: {why.lower() if what == 'list' else why}"
                         ) from None

    try:
        for folder in discover.walk(top, discover.INSIDE, on_error=refuse):
            rel = folder.rel
            for d in folder:
                child = f"{rel}/{d.name}" if rel else d.name
                if d.is_link:
                    tree._add(Member(child, "link", target=d.target))
                elif d.is_dir:
                    tree._add(Member(child, "dir"))
                else:
                    try:
                        st = os.lstat(os.path.join(folder.path, d.name))
                    except OSError as exc:
                        raise tree.error(child, f"cannot read: {exc.strerror or exc}") from None
                    if not stat.S_ISREG(st.st_mode):
                        raise tree.error(child, "is a FIFO, socket or device, not a file a "
                                         "bundle holds",
                                         hint="remove it; Xcode never puts one in a bundle")
                    tree._add(Member(child, "file", size=st.st_size))
            # subfolders in reverse name order: the order the index was always built in,
            # which decides which of several problems is reported
            folder.enter.reverse()
            if folder.enter and folder.depth + 1 > tree.limits.depth:
                name = folder.enter[0].name
                raise tree.error(f"{rel}/{name}" if rel else name,
                                 f"folders nest more than {tree.limits.depth} deep")
    except discover.OutsideTree as exc:
        raise tree.error(exc.rel, f"symbolic link to \"{exc.target}\" points outside the "
                         "artifact", hint="a bundle's links stay inside it (Versions/Current -> "
                         "A); rebuild or re-export it") from None


# -- zip --------------------------------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"


def _index_zip(tree: Tree, path: str, file_size: int) -> None:
    lim = tree.limits
    _check_directory(tree, path, file_size)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise input_error(path, f"not a readable zip archive: {exc}", rule=RULE,
                          hint="an .ipa is a zip file; this one is truncated or damaged - "
                          "re-export it") from None
    except (OSError, EOFError, ValueError, struct.error) as exc:
        raise input_error(path, f"not a readable zip archive: {exc}", rule=RULE) from None
    tree._zip = zf
    try:
        infos = zf.infolist()
        total = 0
        spans: List[Tuple[int, int, str]] = []
        for info in infos:
            name = _member_name(tree, info.filename)
            if info.file_size > lim.member_bytes:
                raise tree.error(name, f"claims {info.file_size:,} bytes uncompressed; the limit "
                                 f"is {lim.member_bytes:,} (a zip bomb?)")
            total += info.file_size
            if total > lim.total_bytes:
                raise tree.error(name, f"the members claim more than {lim.total_bytes:,} bytes "
                                 "uncompressed in all (a zip bomb?)")
            if info.file_size > lim.ratio_floor and \
                    info.file_size > lim.ratio * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise tree.error(name, f"compresses {ratio:,}:1 ({info.file_size:,} bytes from "
                                 f"{info.compress_size:,}); more than {lim.ratio}:1 is refused "
                                 "as a zip bomb")
            if info.header_offset + info.compress_size > file_size:
                raise tree.error(name, "the member runs past the end of the file (truncated)",
                                 hint="the .ipa is incomplete; download or export it again")
            spans.append((info.header_offset, 30 + len(info.orig_filename.encode("utf-8",
                          "surrogateescape")) + info.compress_size, name))
            mode = (info.external_attr >> 16) & 0xFFFF
            if info.create_system == 3 and stat.S_ISLNK(mode):
                tree._add(Member(name, "link", target=_zip_link(tree, zf, info, name)))
            elif info.is_dir():
                if name:
                    tree._add(Member(name, "dir"))
            elif info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG,
                                                                        stat.S_IFDIR):
                raise tree.error(name, "is a FIFO, socket or device entry, not a file")
            else:
                tree._add(Member(name, "file", size=info.file_size, info=info))
        spans.sort()
        for (a, length, name), (b, _, other) in zip(spans, spans[1:]):
            if a + length > b:
                raise tree.error(other, f"overlaps the data of \"{name}\"; overlapping members "
                                 "are how non-recursive zip bombs are built")
    except BaseException:
        tree.close()
        raise


def _check_directory(tree: Tree, path: str, file_size: int) -> None:
    """Read the end-of-central-directory record ourselves, so that an archive declaring
    millions of entries is refused before zipfile builds an object for each."""
    lim = tree.limits
    try:
        with open(path, "rb") as fh:
            tail_len = min(file_size, 22 + 0xFFFF + 20)
            fh.seek(file_size - tail_len)
            tail = fh.read(tail_len)
            at = tail.rfind(_EOCD)
            eocd_at = file_size - tail_len + at
            directory_end = eocd_at  # where zipfile takes the directory to end
            if at < 0 or len(tail) - at < 22:
                raise input_error(path, "not a zip archive, or truncated: no end-of-archive "
                                  "record", rule=RULE,
                                  hint="an .ipa is a zip file; this one is incomplete or not "
                                  "an .ipa - export it again")
            (_, _, _, _, count, cd_size, cd_offset, _) = struct.unpack(
                "<4sHHHHIIH", tail[at:at + 22])
            loc = at - 20
            if loc >= 0 and tail[loc:loc + 4] == _EOCD64_LOCATOR:
                (off64,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
                if off64 + 56 <= file_size:
                    fh.seek(off64)
                    rec = fh.read(56)
                    if rec[:4] == _EOCD64:
                        count, cd_size, cd_offset = struct.unpack("<QQQ", rec[32:56])
                        directory_end = eocd_at - 20 - 56
    except InputError:
        raise
    except OSError as exc:
        raise input_error(path, f"cannot read: {(exc.strerror or str(exc)).lower()}",
                          rule="unreadable") from None
    if count > lim.members:
        raise input_error(path, f"the archive declares {count:,} members; more than "
                          f"{lim.members:,} is refused", rule=RULE,
                          hint="an App Store app has far fewer files; check the archive")
    if cd_size > lim.central_directory:
        raise input_error(path, f"the archive's directory is {cd_size:,} bytes; more than "
                          f"{lim.central_directory:,} is refused", rule=RULE)
    if cd_offset + cd_size > file_size or directory_end - cd_size < 0:
        raise input_error(path, "the archive's directory lies past the end of the file "
                          "(truncated)", rule=RULE,
                          hint="the .ipa is incomplete; download or export it again")
    found = _count_directory(path, directory_end - cd_size, cd_size, min(count, lim.members))
    if found > min(count, lim.members):
        why = (f"more entries than the {count:,} its end record declares" if count <= lim.members
               else f"more than {lim.members:,} entries")
        raise input_error(path, f"the archive's directory holds {why}; refused before reading "
                          "them", rule=RULE,
                          hint="the archive was not made by Xcode (an App Store app has far "
                          "fewer files); do not unzip it")


def _count_directory(path: str, start: int, size: int, most: int) -> int:
    """How many entries the central directory at ``start`` holds, up to ``most`` + 1: zipfile
    reads every entry within its declared size whatever count the end record declares, so the
    entries are counted here first, a header at a time, holding one chunk of the file."""
    found = 0
    with open(path, "rb") as fh:
        fh.seek(start)
        buf = b""
        pos = 0  # of buf[0] within the directory
        at = 0  # the next header, within the directory
        while at + 46 <= size and found <= most:
            if at + 46 > pos + len(buf):
                fh.seek(start + at)
                buf, pos = fh.read(min(1 << 20, size - at)), at
                if len(buf) < 46:
                    break
            i = at - pos
            if buf[i:i + 4] != b"PK\x01\x02":
                break  # not a directory entry: zipfile says what is wrong
            name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, i + 28)
            at += 46 + name_len + extra_len + comment_len
            found += 1
    return found


def _member_name(tree: Tree, raw: str) -> str:
    """A member's path, refusing absolute names, drive letters, ``..`` and control characters."""
    name = raw.replace("\\", "/")
    if "\x00" in name or any(ord(c) < 32 for c in name):
        raise tree.error(repr(raw), "the member name contains control characters")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise tree.error(raw, "absolute member name; an .ipa's members are relative "
                         "(zip-slip)", hint="the archive was not made by Xcode; do not unzip it")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise tree.error(raw, "the member name climbs out of the archive with \"..\" "
                         "(zip-slip)", hint="the archive was not made by Xcode; do not unzip it")
    if len(parts) > tree.limits.depth:
        raise tree.error(raw, f"the member nests more than {tree.limits.depth} folders deep")
    return "/".join(parts)


def _zip_link(tree: Tree, zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> str:
    """A symbolic link stored in the zip (Unix mode in external_attr): its target, inside."""
    if info.file_size > 4096:
        raise tree.error(name, "a symbolic link with a target longer than 4096 bytes")
    try:
        target = zf.read(info).decode("utf-8", "surrogateescape")
    except Exception as exc:
        raise tree.error(name, f"cannot read the link: {_zip_reason(exc)}") from None
    if target.startswith("/") or "\x00" in target:
        raise tree.error(name, f"symbolic link to \"{target}\" points outside the archive",
                         hint="do not unzip this archive; an .ipa's links stay inside it")
    parts: List[str] = [p for p in posixpath.dirname(name).split("/") if p]
    for p in target.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                raise tree.error(name, f"symbolic link to \"{target}\" points outside the "
                                 "archive", hint="do not unzip this archive; an .ipa's links "
                                 "stay inside it")
            parts.pop()
        else:
            parts.append(p)
    return "/".join(parts)


def is_artifact(path: str) -> bool:
    """Whether ``path`` names a built artifact rather than a manifest: by its suffix, or a
    regular file that starts like a zip (an .ipa renamed)."""
    if kind_of(path):
        return True
    try:
        st = os.stat(path)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False
