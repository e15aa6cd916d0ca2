"""The one reader's verdicts: encodings decided once, entities placed where they are declared,
libxml2's own wording kept out of messages, text that only looks blank."""

from __future__ import annotations

import json
import plistlib
from pathlib import Path

import pytest
from helpers import hostile_documents as hostile
from helpers import run_cli

BODY = hostile.body()


def _lint_json(path: Path):
    out = run_cli(["lint", "--format", "json", str(path)], cwd=path.parent)
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr
    return out.returncode, json.loads(out.stdout)["diagnostics"]


def _merge(path: Path):
    out = run_cli(["merge", str(path), "--sdk", "trtc"], cwd=path.parent)
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr
    return out


def test_utf16_declaring_utf8_gets_one_verdict_from_lint_and_merge(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    data = (hostile.XML_DECL + BODY).encode("utf-16")
    app.write_bytes(data)
    rc, diags = _lint_json(app)
    refusal = [d for d in diags if d["severity"] == "error"]
    assert rc == 1 and len(refusal) == 1, diags
    assert refusal[0]["rule"] == "not-well-formed"
    message = refusal[0]["message"]
    assert "UTF-16" in message and "UTF-8" in message, message
    out = _merge(app)
    assert out.returncode == 2
    assert out.stderr.splitlines()[0] == f"{app}:1:1: error: {message}"
    assert app.read_bytes() == data


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_that_says_so_is_merged_and_stays_utf16(tmp_path: Path, codec: str) -> None:
    bom = b"\xff\xfe" if codec == "utf-16-le" else b"\xfe\xff"
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + BODY
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(bom + text.encode(codec))
    out = _merge(app)
    assert out.returncode == 0, out.stderr
    after = app.read_bytes()
    assert after.startswith(bom)
    new = after[2:].decode(codec)
    assert new.startswith(text[:text.index("</dict>")])  # existing lines kept, in place
    data = plistlib.loads(after)
    assert data["NSPrivacyTrackingDomains"] == ["a.example.com"]
    assert "NSPrivacyAccessedAPITypes" in data
    again = _merge(app)
    assert again.returncode == 0 and "up to date" in again.stdout


@pytest.mark.parametrize("data, words", [
    (('<?xml version="1.0" encoding="UTF-16"?>\n' + BODY).encode("utf-16-le"),
     "without a byte order mark"),
    ((hostile.XML_DECL + BODY).encode("utf-16-be"), "declaration says UTF-8"),
    (('<?xml version="1.0" encoding="UTF-16"?>\n' + BODY).encode(), "not UTF-16"),
    (b"\xef\xbb\xbf" + ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + BODY).encode(),
     "UTF-8 byte order mark"),
    (b"\xff\xfe\x00\x00" + BODY.encode("utf-32-le"), "UTF-32"),
])
def test_bytes_and_declaration_that_disagree_are_refused_alike(tmp_path: Path, data: bytes,
                                                               words: str) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(data)
    rc, diags = _lint_json(app)
    assert rc == 1 and any(words in d["message"] for d in diags), diags
    out = _merge(app)
    assert out.returncode == 2 and words in out.stderr, out.stderr
    assert app.read_bytes() == data


def test_bytes_that_are_not_utf8_are_placed_at_their_line_and_column(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(hostile.CLEAN.encode().replace(b"a.example.com", b"a.ex\xffample.com"))
    out = _merge(app)
    assert out.returncode == 2
    assert out.stderr.startswith(f"{app}:9:15: error: ") and "0xFF" in out.stderr, out.stderr


def test_billion_laughs_is_placed_at_the_entity_declaration(tmp_path: Path) -> None:
    path = Path(hostile.billion_laughs(str(tmp_path)))
    text = path.read_text()
    line = text[:text.index("<!ENTITY")].count("\n") + 1
    col = text.index("<!ENTITY") - text.rfind("\n", 0, text.index("<!ENTITY"))
    _, diags = _lint_json(path)
    refusal = [d for d in diags if d["rule"] == "forbidden-dtd"]
    assert [(d["line"], d["column"]) for d in refusal] == [(line, col)], diags
    assert "lol0" in refusal[0]["message"]


@pytest.mark.parametrize("case", sorted(hostile.CASES))
def test_no_libxml2_names_in_any_message(case: str, tmp_path: Path) -> None:
    hostile.make_sentinel(str(tmp_path))
    path = Path(hostile.CASES[case][0](str(tmp_path)))
    out = run_cli(["lint", str(path)], cwd=tmp_path, timeout=120)
    text = out.stdout + out.stderr
    for leak in ("XML_PARSE_HUGE", "xmlCtxt", "xmlSAX2", "xmlParse"):
        assert leak not in text, text


def test_deep_nesting_says_how_deep_in_words(tmp_path: Path) -> None:
    path = Path(hostile.deep_nesting(str(tmp_path)))
    _, diags = _lint_json(path)
    assert any("nested more than 256 levels" in d["message"] for d in diags), diags


@pytest.mark.parametrize("blank", ["\u00a0", "\u2003", "\u00a0\t\u00a0"])
def test_dict_whose_stray_text_only_looks_blank_is_reported(tmp_path: Path, blank: str) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(hostile.CLEAN.replace("<dict>\n", f"<dict>{blank}\n"), encoding="utf-8")
    rc, diags = _lint_json(app)
    stray = [d for d in diags if d["rule"] == "not-a-plist"]
    assert rc == 1 and len(stray) == 1, diags
    assert f"U+{ord(blank[0]):04X}" in stray[0]["message"]
    assert (stray[0]["line"], stray[0]["column"]) == (4, 7)


def test_latin1_app_takes_text_its_encoding_cannot_hold_as_character_references(
        tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(('<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                     + hostile.body("m\u00fcnchen.example")).encode("latin-1"))
    vendor = tmp_path / "Vendor.xcprivacy"
    vendor.write_text(hostile.CLEAN.replace("a.example.com", "\u4f8b.example.jp"),
                      encoding="utf-8")
    out = run_cli(["merge", str(app), "--manifest", str(vendor), "--allow-invalid"],
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = app.read_bytes()
    assert "m\u00fcnchen".encode("latin-1") in data and b"&#20363;.example.jp" in data
    assert plistlib.loads(data)["NSPrivacyTrackingDomains"] == ["m\u00fcnchen.example",
                                                                "\u4f8b.example.jp"]


_STRAY_PLACES = {
    "before the root value": ("<plist version=\"1.0\">", "<plist version=\"1.0\">oops"),
    "after the root value": ("</dict>\n</plist>", "</dict>oops\n</plist>"),
    "in an empty dict": ("</dict>\n</plist>", "<key>NSPrivacyCollectedDataTypes</key>"
                         "<array><dict>oops</dict></array></dict>\n</plist>"),
    "after a key": ("<key>NSPrivacyTracking</key>", "<key>NSPrivacyTracking</key>oops"),
    "in an array": ("<array>\n", "<array>oops\n"),
    "after a comment": ("<key>NSPrivacyTracking</key>",
                        "<!-- note -->oops<key>NSPrivacyTracking</key>"),
    "after a processing instruction": ("<key>NSPrivacyTracking</key>",
                                       "<?pi x?>oops<key>NSPrivacyTracking</key>"),
}


@pytest.mark.parametrize("place", sorted(_STRAY_PLACES))
def test_stray_text_is_found_wherever_it_stands(tmp_path: Path, place: str) -> None:
    """The reader notes whether a file can hold stray text so that clean files skip the search;
    text it cannot see (after a comment or processing instruction) must still be found."""
    old, new = _STRAY_PLACES[place]
    assert old in hostile.CLEAN
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(hostile.CLEAN.replace(old, new, 1), encoding="utf-8")
    rc, diags = _lint_json(app)
    stray = [d for d in diags if d["rule"] == "not-a-plist"]
    assert rc == 1 and len(stray) == 1 and '"oops"' in stray[0]["message"], diags


def test_clean_file_with_comments_has_no_stray_text(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(hostile.CLEAN.replace("<dict>\n", "<dict>\n<!-- a note -->\n", 1),
                   encoding="utf-8")
    rc, diags = _lint_json(app)
    assert not [d for d in diags if d["rule"] == "not-a-plist"], diags
