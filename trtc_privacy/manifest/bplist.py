"""The shape of a binary property list, measured before anything expands it.

A binary plist names each object once and refers to it by number, so one object can be
referred to many times: 40 levels of arrays each holding the level below twice is 200 bytes,
and 2^40 elements once written out as XML (``plistlib`` shares the repeated objects when it
reads, and writes every path in full when it converts). A reference can also lead back to an
object that holds it (a cycle), and a chain of references can be deeper than any reader's
stack. ``check`` reads the object table itself (offsets, markers, references: no value is
decoded) and refuses, with a message that says which, a cycle, a depth over ``MAX_DEPTH``, and
an expansion over ``MAX_ELEMENTS`` elements or ``MAX_EXPANDED`` bytes of XML. Its cost is one
visit of each object and reference, so at most linear in the file.
"""

from __future__ import annotations

import struct
from typing import List, Tuple

#: The XML reader's own limit is 256 levels (libxml2's default); a manifest needs 5.
MAX_DEPTH = 128
#: Elements once expanded: a real manifest has tens to hundreds.
MAX_ELEMENTS = 200_000
#: XML bytes once expanded: what an XML manifest may be (reader.MAX_BYTES).
MAX_EXPANDED = 4 * 1024 * 1024

_TRAILER = struct.Struct(">6xBBQQQ")
#: XML written around one value by plistlib (``<string>`` ``</string>``, a tab, a newline):
#: a measure, not the exact count.
_TAGS = 20


#: The references of every object that holds none (one list, never changed).
_LEAF: List[int] = []


class Refused(Exception):
    """The binary plist is refused; the message says why, in the user's terms."""


def check(data: bytes) -> None:
    """Refuse (``Refused``) a binary plist that is corrupt at the level of its object table, has
    a reference cycle, is nested over MAX_DEPTH levels, or expands past the budgets."""
    if len(data) < 8 + _TRAILER.size:
        raise Refused("too short to be a binary plist")
    off_size, ref_size, count, top, table = _TRAILER.unpack_from(data, len(data) - _TRAILER.size)
    if off_size not in (1, 2, 4, 8) or ref_size not in (1, 2, 4, 8):
        raise Refused("its trailer gives impossible integer sizes")
    end = len(data) - _TRAILER.size
    if count == 0 or top >= count or table < 8 or table + count * off_size > end:
        raise Refused("its trailer does not fit the file (object count or offset table)")
    offsets = [_uint(data, table + i * off_size, off_size) for i in range(count)]
    children: List[List[int]] = []
    own: List[int] = []
    for i, at in enumerate(offsets):
        if not 8 <= at < table:
            raise Refused(f"object {i} lies outside the object area")
        refs, size = _object(data, at, ref_size, count, table)
        children.append(refs)
        own.append(size)
    _walk(top, children, own)


def _walk(top: int, children: List[List[int]], own: List[int]) -> None:
    """Depth-first from the top object without recursion: a cycle, the depth and the expanded
    size, each object measured once (so a shared object costs one visit however often used)."""
    n = len(children)
    state = bytearray(n)  # 0 not seen, 1 on the current path, 2 measured
    elements = [0] * n
    size = [0] * n
    depth = [0] * n
    stack = [(top, 0)]
    state[top] = 1
    while stack:
        obj, k = stack[-1]
        kids = children[obj]
        if k < len(kids):
            stack[-1] = (obj, k + 1)
            kid = kids[k]
            if state[kid] == 1:
                raise Refused(f"binary plist refers to itself: object {kid} contains itself, "
                              "directly or through others (a reference cycle)")
            if state[kid] == 0:
                state[kid] = 1
                stack.append((kid, 0))
            continue
        stack.pop()
        state[obj] = 2
        e, s, d = 1, own[obj], 0
        for kid in kids:
            e += elements[kid]
            s += size[kid]
            d = max(d, depth[kid])
        # capped: only whether a budget is passed matters, and 2^40 need not be counted exactly
        elements[obj], size[obj], depth[obj] = (min(e, MAX_ELEMENTS + 1),
                                                min(s, MAX_EXPANDED + 1), d + 1)
    if depth[top] > MAX_DEPTH:
        raise Refused(f"binary plist is nested {depth[top]} levels deep; a privacy manifest is "
                      f"at most {MAX_DEPTH} (it needs 5)")
    if elements[top] > MAX_ELEMENTS or size[top] > MAX_EXPANDED:
        what = (f"more than {MAX_ELEMENTS:,} elements" if elements[top] > MAX_ELEMENTS
                else f"more than {MAX_EXPANDED:,} bytes of XML")
        raise Refused(f"binary plist expands to {what} (its objects are referred to over and "
                      "over); refused before expanding it")


def _uint(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at:at + size], "big")


def _object(data: bytes, at: int, ref_size: int, count: int, limit: int) -> Tuple[List[int], int]:
    """The references an object holds and the XML bytes it adds itself."""
    marker = data[at]
    kind, info = marker >> 4, marker & 0x0F
    if kind == 0x0 or kind in (0x1, 0x2, 0x3, 0x8):  # null, bool, fill; int; real; date; UID
        return _LEAF, _TAGS + 32
    length, start = info, at + 1
    if info == 0x0F:  # the length is an int object that follows
        if start >= limit or data[start] >> 4 != 0x1:
            raise Refused(f"object at byte {at} has a malformed length")
        width = 1 << (data[start] & 0x0F)
        length = _uint(data, start + 1, width)
        start += 1 + width
    if kind in (0x4, 0x5, 0x6, 0x7):  # data (base64 in XML), ASCII, UTF-16, UTF-8 strings
        width = {0x4: 1, 0x5: 1, 0x6: 2, 0x7: 1}[kind]
        if start + length * width > limit:
            raise Refused(f"object at byte {at} runs past the object area")
        return _LEAF, _TAGS + (length * 4 // 3 + 4 if kind == 0x4 else length * 3)
    if kind in (0xA, 0xC, 0xD):  # array, set, dict (keys then values)
        n = length * (2 if kind == 0xD else 1)
        if start + n * ref_size > limit:
            raise Refused(f"object at byte {at} runs past the object area")
        refs = [_uint(data, start + j * ref_size, ref_size) for j in range(n)]
        if any(r >= count for r in refs):
            raise Refused(f"object at byte {at} refers to an object that does not exist")
        return refs, _TAGS
    raise Refused(f"object at byte {at} has an unknown type (marker 0x{marker:02x})")
