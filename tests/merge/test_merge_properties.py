"""Property tests of the merge over generated manifests, through the reader and the writer."""

from __future__ import annotations

import plistlib
from collections import Counter
from typing import List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.model import from_document
from trtc_privacy.manifest.reader import parse
from trtc_privacy.manifest.writer import apply
from trtc_privacy.merge.fold import merge

CAT = C.vocabulary()
categories = st.sampled_from(sorted(CAT.categories))
reasons = st.sampled_from(sorted(CAT.reasons))
data_types = st.sampled_from(sorted(CAT.data_types)[:8])
purposes = st.sampled_from(sorted(CAT.purposes))
domains = st.sampled_from(["a.example.com", "b.example.net", "t.example.org"])

api_entry = st.fixed_dictionaries({
    C.API_TYPE: categories, C.REASONS: st.lists(reasons, max_size=3)})
data_entry = st.fixed_dictionaries({
    C.DATA_TYPE: data_types, C.LINKED: st.booleans(), C.DATA_TRACKING: st.booleans(),
    C.PURPOSES: st.lists(purposes, max_size=3)})
manifest = st.fixed_dictionaries({}, optional={
    C.TRACKING: st.booleans(),
    C.DOMAINS: st.lists(domains, max_size=3),
    C.DATA_TYPES: st.lists(data_entry, max_size=4),
    C.API_TYPES: st.lists(api_entry, max_size=4),
})


def _doc(data: dict, name: str, indent: str = "\t"):
    xml = plistlib.dumps(data, sort_keys=False).decode()
    if indent != "\t":
        xml = "\n".join(indent * (len(line) - len(line.lstrip("\t"))) + line.lstrip("\t")
                        for line in xml.splitlines()) + "\n"
    return parse(xml.encode(), name)


def _merge_text(app: dict, others: List[dict], indent: str = "\t") -> str:
    doc = _doc(app, "app", indent)
    inputs = [from_document(_doc(o, f"in{i}")) for i, o in enumerate(others)]
    result = merge([from_document(doc)] + inputs)
    return apply(doc, result.target)


def _decls(data: dict) -> set:
    return set(from_document(parse(plistlib.dumps(data), "x")).declarations())


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(manifest, st.lists(manifest, min_size=1, max_size=3), st.sampled_from(["\t", "  ", "    "]))
def test_merge_keeps_every_declaration_adds_no_repeat_and_is_idempotent(app, others, indent):
    text = _merge_text(app, others, indent)
    out = plistlib.loads(text.encode())
    got = _decls(out)
    for m in [app] + others:
        assert _decls(m) <= got
    # nothing that no input declared
    assert got <= set().union(*(_decls(m) for m in [app] + others))
    # no new repeats: a declaration occurs at most as often as the app already had it (once)
    made = Counter(from_document(parse(text.encode(), "out")).declarations())
    had = Counter(from_document(_doc(app, "app", indent)).declarations())
    for decl, n in made.items():
        assert n <= max(1, had[decl]), (decl, n, had[decl])
    # merging the same inputs again changes nothing, byte for byte
    doc2 = parse(text.encode(), "app")
    again = apply(doc2, merge([from_document(doc2)] + [from_document(_doc(o, "o")) for o in others]).target)
    assert again == text


@SETTINGS
@given(manifest, st.lists(manifest, min_size=2, max_size=3), st.randoms())
def test_the_same_declarations_whatever_the_input_order(app, others, rnd):
    shuffled = list(others)
    rnd.shuffle(shuffled)
    a = _decls(plistlib.loads(_merge_text(app, others).encode()))
    b = _decls(plistlib.loads(_merge_text(app, shuffled).encode()))
    assert a == b


@SETTINGS
@given(manifest, st.lists(manifest, min_size=1, max_size=3))
def test_existing_app_lines_are_always_kept(app, others):
    """The edit only adds lines (and flips booleans), even where the app repeats itself."""
    doc = _doc(app, "app")
    text = _merge_text(app, others)
    old = doc.text.splitlines()
    new = text.splitlines()
    it = iter(new)
    flips = {"<true/>", "<false/>", "<array/>", "<dict/>"}
    for line in old:
        if line.strip() in flips:
            continue
        assert any(line == n for n in it), f"line lost or changed: {line!r}"
