"""Property: whatever the bytes, the Mach-O reader returns images or raises MachOError.

Mutations of real fixtures (byte flips and 32-bit words set to boundary values, mostly in the
headers and load commands where the counts and offsets live, plus truncations) run in the normal
suite with a bounded example count; the coverage-guided fuzzer is tests/fuzz/fuzz_macho.py.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Dict, List, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trtc_privacy.usage import macho
from trtc_privacy.usage.macho import Image, MachOError

KEYS = ["object", "objc_object", "dylib", "archive", "archive_gnu", "fat", "fat_archive",
        "chained", "statmac", "executable"]
WORDS = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 8, 4096]

mutation = st.tuples(st.booleans(), st.integers(0, 1 << 31), st.booleans(),
                     st.integers(0, 255), st.sampled_from(WORDS))


def mutate(data: bytes, edits: List[Tuple[bool, int, bool, int, int]], cut: int) -> bytes:
    out = bytearray(data)
    for near_head, where, word, byte, value in edits:
        span = min(len(out), 4096) if near_head else len(out)
        at = where % max(span - 4, 1)
        if word:
            struct.pack_into("<I", out, at, value)
        else:
            out[at] = byte
    if cut:
        del out[len(out) - cut % len(out):]
    return bytes(out)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(key=st.sampled_from(KEYS), edits=st.lists(mutation, min_size=1, max_size=6),
       cut=st.integers(0, 1 << 20))
def test_mutated_fixtures_read_or_raise_machoerror(macho_fixtures: Dict[str, Path], key: str,
                                                   edits: List[Tuple[bool, int, bool, int, int]],
                                                   cut: int) -> None:
    if key not in macho_fixtures:
        return
    data = mutate(macho_fixtures[key].read_bytes(), edits, cut)
    try:
        images = macho.read(data)
    except MachOError as exc:
        assert str(exc)
        return
    assert all(isinstance(i, Image) for i in images)
    for image in images:
        assert all(isinstance(s, str) for s in image.imports | image.selectors)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(min_size=0, max_size=512), st.sampled_from([b"", b"\xcf\xfa\xed\xfe",
                                                              b"\xca\xfe\xba\xbe",
                                                              b"\xca\xfe\xba\xbf",
                                                              b"!<arch>\n"]))
def test_arbitrary_bytes_read_or_raise_machoerror(tail: bytes, magic: bytes) -> None:
    try:
        macho.read(magic + tail)
    except MachOError:
        pass
