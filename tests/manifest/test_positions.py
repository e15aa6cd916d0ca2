"""Positions and spans found the short way are the ones the whole-text tokenizer gives.

An edit asks for the spans of a few elements; ``Document.span`` finds those from the nearest
known place instead of tokenizing the whole text, and ``Document.position`` reads a column off
the line lxml names. Whatever the layout (comments holding tags, CDATA, processing
instructions, start tags over several lines, ``<x/>`` and ``<x></x>``), and in whatever order
elements are asked for, both must agree with ``plist._tokenize`` exactly, or edits land in the
wrong place.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import List

import pytest
from helpers import FIXTURES, SHARED
from hypothesis import given, settings
from hypothesis import strategies as st

from trtc_privacy.manifest import reader as plist
from trtc_privacy.manifest.reader import Document, parse


def _elements(doc: Document) -> List[object]:
    return [el for el in doc.root.iter() if isinstance(el.tag, str)]


def _agrees(data: bytes, seed: int = 0) -> None:
    full = parse(data, "x")
    truth = plist._tokenize(full.text, full.root)
    orders = [lambda xs: xs, lambda xs: xs[::-1],
              lambda xs: random.Random(seed).sample(xs, len(xs))]
    full_els = _elements(full)
    for order in orders:
        doc = parse(data, "x")  # a fresh document: nothing known yet
        els = _elements(doc)
        by_index = {el: i for i, el in enumerate(els)}
        for el in order(els):
            i = by_index[el]
            assert doc.span(el) == truth[full_els[i]], (i, el.tag)
    doc = parse(data, "x")
    for i, el in enumerate(_elements(doc)):
        line, col = doc.position(el)
        s = truth[full_els[i]]
        assert (line, col) == (s.line, s.column), (i, el.tag, line, col, s)


def _manifests() -> List[Path]:
    """The fixtures, and the corpus when the reference data is beside the project (collected
    here, outside any test, so its absence must not skip: the fixtures still run)."""
    found = sorted(FIXTURES.rglob("*.xcprivacy"))
    corpus = SHARED / "corpus"
    if corpus.is_dir():
        found += sorted(corpus.glob("*.xcprivacy"))
    return found


@pytest.mark.parametrize("path", _manifests(), ids=lambda p: p.name)
def test_spans_of_real_manifests_agree_with_the_tokenizer(path: Path) -> None:
    data = path.read_bytes()
    try:
        parse(data, str(path))
    except Exception:
        pytest.skip("not a readable manifest (a fixture for errors)")
    _agrees(data)


# -- layouts that trip a short cut -----------------------------------------------------------

_SPACE = st.sampled_from(["", "\n", "\t", " ", "\r\n", "\n\t\t", "  \n  "])
_JUNK = st.sampled_from([
    "", "<!-- a comment -->", "<!-- </array> <string>x</string> </dict> -->",
    "<?pi </array> ?>", "<!--\n<dict>\n-->", "<!-- <array> -->",
])
_TEXT = st.sampled_from(["", "a", "a>b", "x &amp; y", "<![CDATA[</string><string>]]>",
                         "<![CDATA[</array>]]>", "a\nb", "<!-- c --> d"])


def _open(tag: str, space: str) -> str:
    return f"<{tag}{space}>" if space.strip() == "" and space else f"<{tag}>"


@st.composite
def values(draw, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["string", "bool", "array", "dict"] if depth < 3
                                else ["string", "bool"]))
    sp = draw(_SPACE)
    junk = draw(_JUNK)
    if kind == "string":
        text = draw(_TEXT)
        if not text and draw(st.booleans()):
            return f"<string{draw(st.sampled_from(['', ' ', chr(10)]))}/>"
        return f"{_open('string', draw(_SPACE))}{text}</string{draw(_SPACE)}>"
    if kind == "bool":
        return draw(st.sampled_from(["<true/>", "<false/>", "<true></true>", "<false\n/>"]))
    if kind == "array":
        items = draw(st.lists(values(depth + 1), max_size=4))
        if not items and draw(st.booleans()):
            return "<array/>"
        body = "".join(sp + junk + v for v in items)
        return f"{_open('array', draw(_SPACE))}{body}{sp}</array>"
    n = draw(st.integers(0, 4))
    pairs = []
    for i in range(n):
        pairs.append(f"{sp}{draw(_JUNK)}<key>k{i}</key>{draw(_SPACE)}{draw(values(depth + 1))}")
    if not pairs and draw(st.booleans()):
        return "<dict/>"
    return f"{_open('dict', draw(_SPACE))}{''.join(pairs)}{sp}{junk}</dict>"


@st.composite
def layouts(draw) -> bytes:
    top = draw(values(1).filter(lambda v: v.startswith("<dict")))
    head = draw(st.sampled_from([
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST '
        '1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n', ""]))
    plist_tag = draw(st.sampled_from(['<plist version="1.0">', "<plist>",
                                      '<plist version="a>b"\n>']))
    return (head + draw(_JUNK) + plist_tag + draw(_SPACE) + top + draw(_SPACE)
            + "</plist>\n").encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(layouts(), st.integers(0, 1000))
def test_spans_of_any_layout_agree_with_the_tokenizer(data: bytes, seed: int) -> None:
    _agrees(data, seed)


def test_many_siblings_past_the_budget_still_agree() -> None:
    n = plist._Locator.BUDGET + 50
    body = "".join(f"\t\t<string>d{i}.example</string>\n" for i in range(n))
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
            f"\t<key>NSPrivacyTrackingDomains</key>\n\t<array>\n{body}\t</array>\n"
            "\t<key>NSPrivacyTracking</key>\n\t<true/>\n</dict>\n</plist>\n").encode()
    full = parse(data, "x")
    truth = plist._tokenize(full.text, full.root)
    doc = parse(data, "x")
    arr = doc.top[1]
    # the array's end and the keys after it are found without reading its strings
    assert doc.span(arr) == truth[full.top[1]]
    assert doc.span(doc.top[3]) == truth[full.top[3]]
    assert doc._spans is None  # the short way was enough
    last = arr[n - 1]
    assert doc.span(last) == truth[full.top[1][n - 1]]  # past the budget: tokenized once
    assert doc._spans is not None
