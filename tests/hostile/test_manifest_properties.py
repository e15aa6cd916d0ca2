"""Property-based hardening: generated and mutated manifests (structure and bytes).

For every input, ``lint`` reports diagnostics or exits 2, never a traceback; ``merge`` either
writes a valid manifest holding every declaration of its inputs, or exits 2 and leaves the
target byte for byte. Hypothesis drives the CLI in-process (``cli.main``, which turns any
unexpected exception into exit 3) so hundreds of cases run in seconds; the last test feeds a
batch of mutated files to one real ``lint`` process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import plistlib
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trtc_privacy.cli import main
from trtc_privacy.knowledge import apple as C

CAT = C.vocabulary()
Decl = Tuple[str, ...]

# -- generating manifests -------------------------------------------------------------------------

text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF,
                                      blacklist_categories=("Cs",)), max_size=12)
known_or_not = lambda known: st.one_of(st.sampled_from(sorted(known)), text)  # noqa: E731
scalar = st.one_of(st.booleans(), st.integers(-5, 5), text)
junk = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(text, inner, max_size=3)),
                    max_leaves=6)

data_entry = st.fixed_dictionaries(
    {C.DATA_TYPE: known_or_not(CAT.data_types)},
    optional={C.LINKED: st.booleans(), C.DATA_TRACKING: st.booleans(),
              C.PURPOSES: st.lists(known_or_not(CAT.purposes), max_size=3)})
api_entry = st.fixed_dictionaries(
    {C.API_TYPE: known_or_not(CAT.categories)},
    optional={C.REASONS: st.lists(known_or_not(CAT.reasons), max_size=3)})
manifest = st.fixed_dictionaries(
    {},
    optional={C.TRACKING: st.one_of(st.booleans(), junk),
              C.DOMAINS: st.one_of(st.lists(text, max_size=3), junk),
              C.DATA_TYPES: st.one_of(st.lists(data_entry, max_size=3), junk),
              C.API_TYPES: st.one_of(st.lists(api_entry, max_size=3), junk),
              "SomethingElse": junk})


@st.composite
def documents(draw) -> bytes:
    """A manifest rendered as XML or binary, then maybe damaged byte by byte."""
    value = draw(manifest)
    fmt = draw(st.sampled_from([plistlib.FMT_XML, plistlib.FMT_XML, plistlib.FMT_BINARY]))
    data = bytearray(plistlib.dumps(value, fmt=fmt, sort_keys=False))
    for op, at, blob in draw(st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete",
                                                                 "truncate", "repeat"]),
                                                st.integers(0, 10 ** 6), st.binary(max_size=8)),
                                      max_size=3)):
        i = at % (len(data) + 1)
        if op == "flip" and i < len(data):
            data[i] ^= (blob[0] if blob else 0xFF) or 1
        elif op == "insert":
            data[i:i] = blob or b"<"
        elif op == "delete":
            del data[i:i + 1 + len(blob)]
        elif op == "truncate":
            del data[i:]
        elif op == "repeat":
            data[i:i] = data[max(0, i - 16):i]
    return bytes(data)


# -- the oracle: what a manifest declares, read with plistlib ------------------------------------


def declarations(value: object) -> Set[Decl]:
    """Declarations as ``Manifest.declarations`` names them, computed independently."""
    out: Set[Decl] = set()
    if not isinstance(value, dict):
        return out
    if value.get(C.TRACKING) is True:
        out.add(("tracking",))
    for d in _list(value.get(C.DOMAINS)):
        if isinstance(d, str):
            out.add(("domain", d.strip()))
    for e in _list(value.get(C.DATA_TYPES)):
        if isinstance(e, dict) and isinstance(e.get(C.DATA_TYPE), str):
            t = e[C.DATA_TYPE].strip()
            out.add(("data-type", t))
            if e.get(C.LINKED) is True:
                out.add(("linked", t))
            if e.get(C.DATA_TRACKING) is True:
                out.add(("data-tracking", t))
            out.update(("purpose", t, p.strip()) for p in _list(e.get(C.PURPOSES))
                       if isinstance(p, str))
    for e in _list(value.get(C.API_TYPES)):
        if isinstance(e, dict) and isinstance(e.get(C.API_TYPE), str):
            c = e[C.API_TYPE].strip()
            out.add(("api", c))
            out.update(("reason", c, r.strip()) for r in _list(e.get(C.REASONS))
                       if isinstance(r, str))
    return out


def _list(v: object) -> List[object]:
    return v if isinstance(v, list) else []


def declared_by(data: bytes) -> Optional[Set[Decl]]:
    try:
        return declarations(plistlib.loads(data))
    except Exception:
        return None  # plistlib cannot read it (trtc-privacy may): no oracle for this input


# -- running the CLI in-process ------------------------------------------------------------------


@contextlib.contextmanager
def _inside(directory: str) -> Iterator[None]:
    """Run from a directory of our own, away from any configuration file above the repo."""
    old = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(old)


def run(argv: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(documents())
def test_lint_reports_or_exits_2_never_crashes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d, _inside(d):
        path = os.path.join(d, "PrivacyInfo.xcprivacy")
        with open(path, "wb") as fh:
            fh.write(data)
        rc, out, err = run(["lint", "--format", "json", path])
        event(f"lint exit {rc}")
        assert rc in (0, 1, 2), (rc, err)
        assert "internal error" not in err and "Traceback" not in err + out
        if rc in (0, 1):
            report = json.loads(out)
            assert all(diag["path"] == path for diag in report["diagnostics"])
            if rc == 1:
                assert any(diag["severity"] == "error" for diag in report["diagnostics"])
        else:
            assert ": error: " in err


@SETTINGS
@given(documents(), documents())
def test_merge_writes_every_declaration_or_exits_2_untouched(app: bytes, vendor: bytes) -> None:
    with tempfile.TemporaryDirectory() as d, _inside(d):
        app_path = os.path.join(d, "PrivacyInfo.xcprivacy")
        vendor_path = os.path.join(d, "Vendor.xcprivacy")
        with open(app_path, "wb") as fh:
            fh.write(app)
        with open(vendor_path, "wb") as fh:
            fh.write(vendor)
        rc, out, err = run(["merge", app_path, "--manifest", vendor_path, "--allow-invalid"])
        event(f"merge exit {rc}")
        assert rc in (0, 2), (rc, out, err)
        assert "internal error" not in err and "Traceback" not in err + out
        with open(app_path, "rb") as fh:
            after = fh.read()
        assert sorted(os.listdir(d)) == ["PrivacyInfo.xcprivacy", "Vendor.xcprivacy"]
        if rc == 2:
            assert after == app  # byte for byte
            assert ": error: " in err
            return
        result = plistlib.loads(after)  # a valid property list ...
        assert isinstance(result, dict)
        got = declarations(result)
        for source in (app, vendor):  # ... that holds every declaration of both inputs
            want = declared_by(source)
            if want is not None:
                assert want <= got, sorted(want - got)


# -- one real process over a batch of damaged real manifests -------------------------------------


def _seeds() -> List[bytes]:
    repo = Path(__file__).resolve().parents[2]
    files = sorted(repo.glob("manifests/pods/*.xcprivacy"))
    corpus = repo.parent / "shared" / "corpus"
    if corpus.is_dir():
        files += sorted(corpus.glob("*.xcprivacy"))
    return [f.read_bytes() for f in files]


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(b) + 1)
        op = rng.choice(["flip", "insert", "delete", "truncate", "swap-tag"])
        if op == "flip" and i < len(b):
            b[i] = rng.randrange(256)
        elif op == "insert":
            b[i:i] = rng.choice([b"<", b">", b"&", b"\0", b"\xff", b"<dict>", b"</array>",
                                 b"<key>k</key>", b"<!ENTITY x 'y'>", b"]]>"])
        elif op == "delete":
            del b[i:i + rng.randint(1, 40)]
        elif op == "truncate":
            del b[i:]
        elif op == "swap-tag":
            s = bytes(b)
            for old, new in ((b"<array>", b"<dict>"), (b"<string>", b"<integer>"),
                             (b"<true/>", b"<string>yes</string>"), (b"<key>", b"<string>")):
                if old in s:
                    b = bytearray(s.replace(old, new, 1))
                    break
    return bytes(b)


def test_one_lint_process_over_200_damaged_real_manifests(tmp_path: Path) -> None:
    rng = random.Random(6)
    seeds = _seeds()
    paths = []
    for i in range(200):
        folder = tmp_path / f"m{i:03d}"
        folder.mkdir()
        p = folder / "PrivacyInfo.xcprivacy"
        p.write_bytes(_mutate(rng, seeds[i % len(seeds)]))
        paths.append(str(p))
    out = subprocess.run([sys.executable, "-m", "trtc_privacy", "lint", "--format", "json",
                          str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, NO_COLOR="1"))
    assert out.returncode in (0, 1, 2), out.stderr[-2000:]
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    if out.returncode != 2:
        report: Dict[str, object] = json.loads(out.stdout)
        named = {d["path"] for d in report["diagnostics"]}  # type: ignore[index]
        assert len(named) > 100  # most damaged files are reported, each under its own path
        assert named <= set(paths)


# -- the reader alone: a Document or an InputError, nothing else ---------------------------------

DECLARATIONS = ["UTF-8", "utf-8", "UTF-16", "UTF-16LE", "ISO-8859-1", "US-ASCII", "Shift_JIS",
                "UTF-32", None]
CODECS = ["utf-8", "utf-16-le", "utf-16-be", "latin-1"]
BOMS = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
        "latin-1": b""}


@st.composite
def encoded_documents(draw) -> bytes:
    """A manifest's XML re-declared and re-encoded, bytes and declaration agreeing or not."""
    value = draw(manifest)
    xml = plistlib.dumps(value, fmt=plistlib.FMT_XML, sort_keys=False).decode("utf-8")
    body = xml.split("?>", 1)[1]
    declared = draw(st.sampled_from(DECLARATIONS))
    prolog = (f'<?xml version="1.0" encoding="{declared}"?>' if declared
              else draw(st.sampled_from(['<?xml version="1.0"?>', ""])))
    codec = draw(st.sampled_from(CODECS))
    data = (prolog + body).encode(codec, errors="replace")
    if draw(st.booleans()):
        data = BOMS[codec] + data
    return data


def _read(data: bytes) -> None:
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.manifest.model import from_document
    from trtc_privacy.manifest.reader import Document, elements, parse, to_python

    try:
        doc = parse(data, "PrivacyInfo.xcprivacy")
    except InputError as exc:
        d = exc.diagnostic
        assert d.path == "PrivacyInfo.xcprivacy" and d.message and d.rule
        for leak in ("XML_PARSE_HUGE", "xmlCtxt", "xmlSAX2"):
            assert leak not in d.message
        event(f"refused: {d.rule}")
        return
    assert isinstance(doc, Document)
    event("binary" if doc.binary else f"read as {doc.encoding}{' + BOM' if doc.bom else ''}")
    if not doc.binary:  # the reader decided the encoding once: the bytes come back exactly
        assert doc.encode(doc.text) == data
    for el in doc.root.iter():
        if isinstance(el.tag, str):
            line, col = doc.position(el)
            assert doc.binary or (line and line >= 1)
    assert doc.top is not None
    to_python(doc.top)
    elements(doc.top)
    try:
        from_document(doc)
    except InputError:
        pass


@settings(SETTINGS, max_examples=int(os.environ.get("TRTC_PRIVACY_READER_EXAMPLES", "500")))
@given(st.one_of(documents(), encoded_documents(), st.binary(max_size=300)))
def test_the_reader_yields_a_document_or_an_input_error(data: bytes) -> None:
    _read(data)
