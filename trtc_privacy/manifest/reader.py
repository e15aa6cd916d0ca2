"""The one reader: every manifest, app or vendor, comes through here.

lxml parses with entity expansion, DTD loading and network access off, and the document is then
checked against the property-list grammar. The result keeps the original text and the lxml tree;
exact line and column of every element come from a small tokenizer over the same text, run only
when a position or an edit is needed, so plain linting stays close to the cost of parsing.
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Any, Dict, List, Optional, Tuple

from lxml import etree

from trtc_privacy.diagnostics import InputError, input_error
from trtc_privacy.files import FileKind, read_limited

#: Real manifests are a few kilobytes; anything this large is not one and is refused unread.
MAX_BYTES = 4 * 1024 * 1024
MANIFEST = FileKind("privacy manifest", "the PrivacyInfo.xcprivacy file itself", MAX_BYTES)

_PLIST_TAGS = {"dict", "array", "key", "string", "integer", "real", "true", "false", "date", "data"}
_BINARY_MAGIC = b"bplist"
#: The encoding a file declares; what property-list readers (Apple's, and expat behind plistlib)
#: read is UTF-8, UTF-16, US-ASCII and ISO-8859-1, and Xcode writes UTF-8.
_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


class Span:
    """Where an element sits in the text: offsets are character indexes into ``Document.text``.

    Equal to another span of the same place (the tests compare the two ways of finding one).
    """

    __slots__ = ("line", "column", "start", "start_end", "end_start", "end", "empty")

    def __init__(self, line: int, column: int, start: int, start_end: int, end_start: int,
                 end: int, empty: bool) -> None:
        self.line = line
        self.column = column
        self.start = start  # index of "<" of the start tag
        self.start_end = start_end  # index just after the start tag's ">"
        self.end_start = end_start  # index of "<" of the end tag (== start for an empty element)
        self.end = end  # index just after the end tag's ">"
        self.empty = empty  # written as <tag/>

    def _place(self) -> Tuple[int, int, int, int, int, int, bool]:
        return (self.line, self.column, self.start, self.start_end, self.end_start, self.end,
                self.empty)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and self._place() == other._place()

    def __repr__(self) -> str:
        return f"Span{self._place()}"


class Document:
    """A parsed property list: the original text, the lxml tree, and positions on demand."""

    def __init__(self, path: str, text: str, root: etree._Element, encoding: str = "utf-8",
                 bom: bool = False, binary: bool = False, stray_text: bool = True,
                 _spans: Optional[Dict[etree._Element, Span]] = None,
                 _lines: Optional["LineIndex"] = None,
                 _locator: Optional["_Locator"] = None,
                 _top: Optional[etree._Element] = None) -> None:
        self.path = path
        self.text = text
        self.root = root  # the <plist> element
        self.encoding = encoding
        self.bom = bom
        self.binary = binary
        #: False when the reader saw no text between elements, so stray-text need not look
        self.stray_text = stray_text
        self._spans = _spans
        self._lines = _lines
        self._locator = _locator
        self._top = _top

    @property
    def top(self) -> Optional[etree._Element]:
        """The plist's single value (normally the root ``<dict>``)."""
        if self._top is None:
            self._top = next(self.root.iterchildren(etree.Element), None)
        return self._top

    def span(self, el: etree._Element) -> Optional[Span]:
        """Exact offsets of an element in ``text`` (for a binary plist, in its XML rendering).

        An edit needs the spans of a handful of elements: those are found by scanning only
        from the nearest known place (see ``_Locator``), so editing a manifest with 100,000
        entries does not tokenize them all. Past a budget, or where the short way cannot be
        sure, the whole text is tokenized once; both ways give the same spans.
        """
        if self._spans is None:
            if self._locator is None:
                self._locator = _Locator(self.text, self.root, self._line_index())
            try:
                return self._locator.span(el)
            except _TooFar:
                self._locator = None
                self._spans = _tokenize(self.text, self.root, self._line_index())
        return self._spans.get(el)

    def _line_index(self) -> "LineIndex":
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def position(self, el: Optional[etree._Element]) -> Tuple[Optional[int], Optional[int]]:
        """1-based line and column of an element's start tag (None for binary plists).

        lxml knows the line; the column is where the tag stands on that line when it stands
        there once, which is nearly always. Otherwise the whole text is tokenized once.
        """
        if el is None or self.binary:
            return None, None
        line: Optional[int] = getattr(el, "sourceline", None)
        if self._spans is None and line:
            col = self._column_on_line(str(el.tag), line)
            if col is not None:
                return line, col
        s = self.span(el)
        if s is None:
            return line, None
        return s.line, s.column

    def _column_on_line(self, tag: str, line: int) -> Optional[int]:
        starts = self._line_index().starts
        if line > len(starts):
            return None
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        text = self.text[start:end]
        at = text.find("<" + tag)
        if at < 0:
            return None
        gt = text.find(">", 0, at)
        if gt >= 0 and text.find("<", 0, gt) < 0:
            return None  # the line starts inside a tag: lxml's line is where that tag ends
        nxt = text[at + 1 + len(tag):at + 2 + len(tag)]
        if nxt not in ("", ">", "/", " ", "\t", "\r", "\n") or text.find("<" + tag, at + 1) >= 0 \
                or "<!--" in text:
            return None
        return at + 1

    @property
    def newline(self) -> str:
        i = self.text.find("\n")
        return "\r\n" if i > 0 and self.text[i - 1] == "\r" else "\n"

    def encode(self, text: str) -> bytes:
        """The text in the file's own encoding, with its byte order mark if it had one."""
        data = text.encode(self.encoding, errors="xmlcharrefreplace")  # added text, say
        return (_BOMS[self.encoding] + data) if self.bom else data


def elements(el: etree._Element) -> List[etree._Element]:
    """Child elements, skipping comments and processing instructions."""
    return list(el.iterchildren(etree.Element))  # lxml filters in C: linting calls this a lot


def text_of(el: etree._Element) -> str:
    """The character content of a <key> or <string>, comments left out."""
    if not len(el):
        return el.text or ""
    parts = [el.text or ""]
    for c in el:
        parts.append(c.tail or "")
    return "".join(parts)


def dict_pairs(d: etree._Element) -> List[Tuple[etree._Element, etree._Element]]:
    """(key, value) element pairs of a <dict>, duplicates kept, in document order."""
    kids = elements(d)
    return [(kids[i], kids[i + 1]) for i in range(0, len(kids) - 1, 2)]


def to_python(el: etree._Element) -> object:
    """Convert a validated plist element to Python values (as plistlib would)."""
    tag = el.tag
    if tag == "dict":
        return {text_of(k): to_python(v) for k, v in dict_pairs(el)}
    if tag == "array":
        return [to_python(c) for c in elements(el)]
    if tag == "true":
        return True
    if tag == "false":
        return False
    if tag == "integer":
        return int(text_of(el).strip())
    if tag == "real":
        return float(text_of(el).strip())
    return text_of(el)


# --------------------------------------------------------------------------------------------
# reading


def read_bytes(path: str) -> bytes:
    """Read a manifest file the user named: a regular file of at most MAX_BYTES, else InputError."""
    return read_limited(path, MANIFEST)


def read_document(path: str, label: Optional[str] = None) -> Document:
    """Read and parse a manifest file; ``label`` is the name used in messages."""
    return parse(read_bytes(path), label or path)


def parse(data: bytes, path: str) -> Document:
    """Parse XML or binary plist bytes into a Document, or raise InputError naming the place.

    The encoding is decided here, once, from the byte order mark and the XML declaration; a
    file whose bytes and declaration disagree is refused, so every command gives one verdict
    and a Document always encodes back to exactly the bytes it was read from.
    """
    if data.startswith(_BINARY_MAGIC):
        return _parse_binary(data, path)
    encoding, bom = _decide_encoding(data, path)
    try:
        text = data[len(_BOMS.get(encoding, b"")) if bom else 0:].decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc, encoding, bom, path) from None
    _refuse_declared_entities(text, path)
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (None, None)
        msg = _clean_xml_message(exc.msg or str(exc))
        if re.search(r"\bentit", msg, re.I):
            raise input_error(path, f"entity reference refused: {msg}", line, col,
                              rule="forbidden-dtd",
                              hint="privacy manifests never need entities; "
                              "write the text out") from None
        raise input_error(path, f"not well-formed XML: {msg}", line, col or None,
                          rule="not-well-formed",
                          hint="fix the XML at this place; `plutil -lint` shows the same "
                          "problem") from None
    except ValueError as exc:  # pragma: no cover - lxml refusing what it was given
        raise input_error(path, f"not well-formed XML: {exc}", rule="not-well-formed") from None
    _refuse_entities(tree, text, path)
    doc = Document(path=path, text=text, root=tree.getroot(), encoding=encoding, bom=bom)
    _check_grammar(doc)
    return doc


#: Python codec -> its byte order mark.
_BOMS = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}
_CODECS = {"utf8": "utf-8", "usascii": "ascii", "ascii": "ascii", "iso88591": "latin-1",
           "latin1": "latin-1"}
_UTF16 = {"utf16", "utf16le", "utf16be"}
_SHOWN = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "ascii": "US-ASCII",
          "latin-1": "ISO-8859-1"}
_SAVE_AS_UTF8 = "save the file as UTF-8, as Xcode does"


def _decide_encoding(data: bytes, path: str) -> Tuple[str, bool]:
    """(Python codec, has a byte order mark) from the bytes themselves and the declaration."""
    if data.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        raise _bad_encoding(path, "the file is UTF-32, which property lists do not use")
    bom = True
    if data.startswith(_BOMS["utf-8"]):
        family = "utf-8"
    elif data.startswith(_BOMS["utf-16-le"]):
        family = "utf-16-le"
    elif data.startswith(_BOMS["utf-16-be"]):
        family = "utf-16-be"
    else:
        bom = False
        family = ("utf-16-le" if data[:2] == b"<\x00" else
                  "utf-16-be" if data[:2] == b"\x00<" else "utf-8")
    head = data[:512]
    if family.startswith("utf-16"):
        text = head[2 if bom else 0:][:510].decode(family, errors="replace")
        head = text.encode("ascii", "replace")
    m = _DECLARED.match(head)
    declared = m.group(1).decode("ascii") if m else None
    norm = declared.lower().replace("-", "").replace("_", "") if declared else None
    if family.startswith("utf-16"):
        if norm is not None and norm not in _UTF16:
            raise _bad_encoding(path, "the file is UTF-16 (it starts with a UTF-16 byte order "
                                f"mark) but its XML declaration says {declared}" if bom else
                                f"the file is UTF-16 but its XML declaration says {declared}")
        if not bom:
            raise _bad_encoding(path, "the file is UTF-16 without a byte order mark, which XML "
                                "readers (Apple's among them) do not accept")
        return family, True
    if norm is None:
        return "utf-8", bom
    if norm in _UTF16:
        raise _bad_encoding(path, f"the XML declaration says {declared} but the file is not "
                            "UTF-16 (it has no UTF-16 byte order mark)")
    codec = _CODECS.get(norm)
    if codec is None:
        raise _bad_encoding(path, f"encoding \"{declared}\" is not supported")
    if bom and codec != "utf-8":
        raise _bad_encoding(path, "the file starts with a UTF-8 byte order mark but its XML "
                            f"declaration says {declared}")
    return codec, bom


def _bad_encoding(path: str, message: str) -> InputError:
    return input_error(path, f"not well-formed XML: {message}", 1, 1, rule="not-well-formed",
                       hint=_SAVE_AS_UTF8)


def _undecodable(data: bytes, exc: UnicodeDecodeError, encoding: str, bom: bool,
                 path: str) -> InputError:
    """Where the first byte that is not text in the file's encoding stands, as line:column."""
    skip = len(_BOMS.get(encoding, b"")) if bom else 0
    before = data[skip:skip + exc.start].decode(encoding, errors="replace")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    bad = data[skip + exc.start:skip + exc.end]
    shown = " ".join(f"0x{b:02X}" for b in bad[:4])
    return input_error(path, f"not well-formed XML: {shown} is not {_SHOWN[encoding]} text "
                       "(the file's encoding)", line, col, rule="not-well-formed",
                       hint=_SAVE_AS_UTF8)


#: libxml2's wording, in the user's terms; the names of its options and functions never show.
#: (Patterns only bad files need are compiled when first used, by ``re``, which keeps them.)
_LXML_MESSAGES = (
    (r"Excessive depth in document: (\d+).*",
     r"elements are nested more than \1 levels deep; a privacy manifest needs five at most"),
    (r"Maximum entity amplification factor exceeded.*",
     "entities expand to far more text than the file holds"),
    (r"(?:Huge input lookup|xmlSAX2Characters: huge text node).*",
     "a single value is larger than any property list needs"),
    (r",?\s*(?:use XML_PARSE_HUGE option|see xmlCtxt\w+)\.?", ""),
    (r"^xml\w+: ", ""),
)


def _clean_xml_message(msg: str) -> str:
    msg = msg.strip()
    msg = re.sub(r",\s*line \d+, column \d+\s*$", "", msg)
    for pattern, repl in _LXML_MESSAGES:
        msg = re.sub(pattern, repl, msg)
    return msg.replace("\n", " ").strip()


#: A DOCTYPE's internal subset, which is where entities are declared.
_SUBSET = re.compile(r"<!DOCTYPE(?:[^\[>\"']|\"[^\"]*\"|'[^']*')*\[", re.S)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_:]")
_ENTITY = r"<!ENTITY\s+(?:%\s+)?([^\s>\"']+)"  # compiled in the rare file with a subset


def _refuse_declared_entities(text: str, path: str) -> None:
    """Refuse entity declarations before any parser sees them, at the declaration's place."""
    start = text.find("<!DOCTYPE")
    root = _FIRST_ELEMENT.search(text)
    if start < 0 or (root is not None and root.start() < start):
        return  # none in the prolog (a later one would be text in a comment or CDATA)
    m = _SUBSET.match(text, start)
    if m is None:
        return
    end = text.find("]", m.end())
    entity = re.compile(_ENTITY)
    names = [e.group(1) for e in entity.finditer(text, m.end(), end if end >= 0 else len(text))]
    if names:
        at = text.find("<!ENTITY", m.end())
        raise _entities(path, names, *LineIndex(text).locate(at))


def _entities(path: str, names: List[str], line: Optional[int], col: Optional[int]) -> InputError:
    many = len(names) != 1
    return input_error(
        path, f"the DOCTYPE declares {len(names)} entit{'ies' if many else 'y'} "
        f"(\"{names[0]}\"{' ...' if many else ''}); entities are refused to keep hostile files out",
        line, col, rule="forbidden-dtd",
        hint="remove the [ ... ] block from the DOCTYPE; Xcode never writes one")


def _refuse_entities(tree: etree._ElementTree, text: str, path: str) -> None:
    dtd = tree.docinfo.internalDTD
    ents: List[Any] = list(dtd.entities()) if dtd is not None else []  # type: ignore[attr-defined]
    if ents:  # declared in a way the scan above did not see
        at = text.find("<!ENTITY")
        line, col = LineIndex(text).locate(at) if at >= 0 else (None, None)
        raise _entities(path, [e.name for e in ents], line, col)
    if "&" not in text:
        return  # no entity reference can stand in the file
    for node in tree.getroot().iter(etree.Entity):
        where: Optional[int] = getattr(node, "sourceline", None)
        raise input_error(path, f"entity reference &{getattr(node, 'name', '')}; refused", where, None,
                          rule="forbidden-dtd", hint="write the text out instead of an entity")


def _parse_binary(data: bytes, path: str) -> Document:
    """A binary plist, measured first (``bplist.check``: cycles, depth, and what it expands to
    refused before anything is expanded), then converted to XML and read as any manifest."""
    import plistlib

    from trtc_privacy.manifest import bplist

    try:
        bplist.check(data)
    except bplist.Refused as exc:
        raise input_error(path, str(exc) if str(exc).startswith("binary plist") else
                          f"corrupt binary plist: {exc}", rule="not-a-plist",
                          hint="regenerate the file with Xcode, or convert it with `plutil "
                          "-convert xml1` and check the result") from None
    try:
        value = plistlib.loads(data, fmt=plistlib.FMT_BINARY)
        xml = plistlib.dumps(value, fmt=plistlib.FMT_XML, sort_keys=False)
    except RecursionError:
        raise input_error(path, "binary plist refers to itself (a reference cycle)",
                          rule="not-a-plist",
                          hint="regenerate the file with Xcode or plutil") from None
    except Exception as exc:  # plistlib raises many kinds on corrupt input
        raise input_error(path, f"corrupt binary plist: {exc or type(exc).__name__}",
                          rule="not-a-plist",
                          hint="convert it with `plutil -convert xml1` and check the "
                          "result") from None
    doc = parse(xml, path)
    doc.binary = True
    return doc


def _check_grammar(doc: Document) -> None:
    """The property-list grammar (what ``plutil -lint`` checks), as InputError at the place."""
    root = doc.root
    if root.tag != "plist":
        raise _not_plist(doc, root, f"root element is <{root.tag}>, expected <plist>")
    kids = elements(root)
    if len(kids) != 1:
        raise _not_plist(doc, root, "<plist> must hold exactly one value")
    quiet, space = _QUIET_TAGS, _XML_SPACE
    text = root.text
    texty = bool(text and text.strip(space))  # text between elements (stray-text's business)
    for el in kids[0].iter(etree.Element):  # document order: the first problem is reported
        text = el.tail  # every element met here stands in a container (or is refused below)
        if text and not texty and text.strip(space):
            texty = True
        tag = el.tag
        if tag == "dict" or tag == "array":
            text = el.text
            if text and not texty and text.strip(space):
                texty = True
            if tag == "array" or _pairs_ok(el):
                continue  # an array holds any values; the usual dict alternates keys and values
        elif not len(el):
            if tag in quiet:
                continue  # a string, key or date without children: nothing to check
            if tag in _BOOLEANS and not (el.text or "").strip():
                continue  # <true/> and <false/> as written
        _check_element(doc, el)
    if not texty and ("<!--" in doc.text or "<?" in doc.text[2:]):
        for c in root.iter(etree.Comment, etree.PI):  # text after these is their tail
            text = c.tail
            parent = c.getparent()
            if text and text.strip(space) and parent is not None and parent.tag in _CONTAINERS:
                texty = True
                break
    doc.stray_text = texty


def _pairs_ok(d: etree._Element) -> bool:
    """Whether a <dict>'s children alternate <key> and a value that is not a <key> (the check
    ``_check_element`` makes, done on a list of tags so that a clean dict costs little)."""
    tags = [c.tag for c in d.iterchildren(etree.Element)]
    keys, values = tags[::2], tags[1::2]
    return len(keys) == len(values) and keys.count("key") == len(keys) and "key" not in values


#: Leaves whose text may be anything; they need a check only if they contain elements.
_QUIET_TAGS = frozenset({"string", "key", "date", "data"})
#: What XML counts as white space (a no-break space is text).
_XML_SPACE = " \t\r\n"
_BOOLEANS = ("true", "false")
_CONTAINERS = ("plist", "dict", "array")


def _check_element(doc: Document, el: etree._Element) -> None:
    """Raise InputError if ``el`` itself breaks the property-list grammar."""
    tag = el.tag
    if tag not in _PLIST_TAGS:
        raise _not_plist(doc, el, f"<{tag}> is not a property-list element")
    if tag == "dict":
        sub = elements(el)
        for i, c in enumerate(sub):
            want_key = i % 2 == 0
            if want_key and c.tag != "key":
                raise _not_plist(doc, c, f"<{c.tag}> inside <dict> where a <key> was expected")
            if not want_key and c.tag == "key":
                raise _not_plist(doc, c, f"<key>{text_of(c)}</key> follows another key "
                                 "without a value")
        if len(sub) % 2:
            raise _not_plist(doc, sub[-1], f"<key>{text_of(sub[-1])}</key> has no value")
    elif tag == "array":
        return
    elif tag == "key" and (el.getparent() is None or getattr(el.getparent(), "tag", None) != "dict"):
        raise _not_plist(doc, el, f"<key> inside <{getattr(el.getparent(), 'tag', 'plist')}>")
    elif len(el) and elements(el):
        raise _not_plist(doc, elements(el)[0], f"<{tag}> cannot contain <{elements(el)[0].tag}>")
    elif tag in ("true", "false") and text_of(el).strip():
        raise _not_plist(doc, el, f"<{tag}/> must be empty")
    elif tag == "integer" and not re.fullmatch(_INTEGER, text_of(el)):
        raise _not_plist(doc, el, f"<integer> holds \"{text_of(el).strip()}\"")
    elif tag == "real":
        try:
            float(text_of(el))
        except ValueError:
            raise _not_plist(doc, el, f"<real> holds \"{text_of(el).strip()}\"") from None


_INTEGER = r"\s*[+-]?(0x[0-9a-fA-F]+|\d+)\s*"  # compiled for the first <integer>


def _not_plist(doc: Document, el: etree._Element, message: str) -> InputError:
    line, col = doc.position(el)
    return input_error(doc.path, f"not a property list: {message}", line, col, rule="not-a-plist",
                       hint="a privacy manifest is <plist><dict>...</dict></plist> with "
                       "<key>/value pairs")


# --------------------------------------------------------------------------------------------
# positions

#: Any markup token, for positions; compiled (with re.S) by the first document that needs one.
_TOKEN = (
    r"<!--.*?-->"  # comment
    r"|<\?.*?\?>"  # processing instruction / XML declaration
    r"|<!\[CDATA\[.*?\]\]>"  # CDATA
    r"|<!DOCTYPE(?:[^\[>\"']|\"[^\"]*\"|'[^']*'|\[.*?\])*>"  # DOCTYPE: quoted ids may hold ">"
    r"|<(/?)([A-Za-z_:][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
)


def _tokenize(text: str, root: etree._Element,
              line_starts: Optional["LineIndex"] = None) -> Dict[etree._Element, Span]:
    """Map each element to its exact span, pairing start tags with lxml's document order."""
    order = [el for el in root.iter() if isinstance(el.tag, str)]
    spans: Dict[etree._Element, Span] = {}
    stack: List[Span] = []
    index = 0
    line_starts = line_starts or LineIndex(text)
    for m in re.finditer(_TOKEN, text, re.S):
        name = m.group(2)
        if name is None:
            continue
        closing, selfclosing = m.group(1) == "/", m.group(4) == "/"
        if closing:
            if stack:
                s = stack.pop()
                s.end_start, s.end = m.start(), m.end()
            continue
        line, col = line_starts.locate(m.start())
        s = Span(line, col, m.start(), m.end(), m.start(), m.end(), selfclosing)
        if index < len(order):
            spans[order[index]] = s
        index += 1
        if not selfclosing:
            stack.append(s)
    return spans


class _TooFar(Exception):
    """The short way to a span would cost more than tokenizing the whole text, or cannot be
    sure of its answer: tokenize the whole text instead."""


class _Locator:
    """Spans of the few elements an edit needs, each found from the nearest known place.

    An element's start tag is the first tag after its previous sibling's end (or its parent's
    start tag): only the tokens between them are read. An element's end tag is found by looking
    only at tags of its own name, counting nesting; this is exact when no comment, CDATA
    section or processing instruction lies inside it (every ``<`` there then opens a tag),
    which is checked, and otherwise the whole text is tokenized (``_TooFar``). Every scan
    starts where a token of the whole-text tokenizer ends, with the same expression, so the
    spans are the ones ``_tokenize`` gives.
    """

    #: tag tokens the short way may read in one document before it tokenizes everything
    BUDGET = 4096

    def __init__(self, text: str, root: etree._Element, lines: "LineIndex") -> None:
        self.text, self.root, self.lines = text, root, lines
        self.token = re.compile(_TOKEN, re.S)
        self.spans: Dict[etree._Element, Span] = {}
        self.closed: Dict[etree._Element, bool] = {}  # whose end is known
        self.spent = 0

    def _charge(self, n: int = 1) -> None:
        self.spent += n
        if self.spent > self.BUDGET:
            raise _TooFar()

    def span(self, el: etree._Element) -> Span:
        s = self._start(el)
        if not self.closed.get(el):
            self._end(el, s)
        return s

    def _start(self, el: etree._Element) -> Span:
        got = self.spans.get(el)
        if got is not None:
            return got
        # walk back to the nearest sibling whose end is known (or to the first sibling), then
        # forward again: each sibling's start follows the previous one's end
        chain = [el]
        prev = el
        while True:
            before = next(prev.itersiblings(etree.Element, preceding=True), None)
            if before is None or self.closed.get(before):
                break
            self._charge()
            chain.append(before)
            prev = before
        if before is not None:
            pos = self.spans[before].end
        else:
            parent = el.getparent()
            if parent is None:
                pos = 0
            else:
                ps = self._start(parent)
                if ps.empty:
                    raise _TooFar()  # an element inside <x/>: the tree and text disagree
                pos = ps.start_end
        s = None
        for node in reversed(chain):
            s = self.spans.get(node) or self._open_at(node, pos)
            if node is not el:
                if not self.closed.get(node):
                    self._end(node, s)
                pos = s.end
        assert s is not None
        return s

    def _open_at(self, el: etree._Element, pos: int) -> Span:
        """The span of ``el``'s start tag, the first tag token at or after ``pos``."""
        for m in self.token.finditer(self.text, pos):
            self._charge()
            if m.group(2) is None:
                continue  # a comment, processing instruction, CDATA section or DOCTYPE
            if m.group(1) == "/" or m.group(2) != el.tag:
                raise _TooFar()
            line, col = self.lines.locate(m.start())
            s = Span(line, col, m.start(), m.end(), m.start(), m.end(), m.group(4) == "/")
            self.spans[el] = s
            self.closed[el] = s.empty
            return s
        raise _TooFar()

    def _end(self, el: etree._Element, s: Span) -> None:
        if s.empty:
            self.closed[el] = True
            return
        text, tag, token = self.text, str(el.tag), self.token
        depth = 0
        close = -1
        for m in _same_name(tag).finditer(text, s.start_end):
            self._charge()
            if m.group(1):
                if depth == 0:
                    close = m.start()
                    break
                depth -= 1
            else:
                t = token.match(text, m.start())
                if t is None or t.group(2) != tag:
                    raise _TooFar()
                if t.group(4) != "/":
                    depth += 1
        if close < 0 or text.find("<!", s.start_end, close) >= 0 \
                or text.find("<?", s.start_end, close) >= 0:
            raise _TooFar()
        t = token.match(text, close)
        if t is None or t.group(1) != "/" or t.group(2) != tag:
            raise _TooFar()
        s.end_start, s.end = close, t.end()
        self.closed[el] = True


_SAME_NAME: Dict[str, "re.Pattern[str]"] = {}


def _same_name(tag: str) -> "re.Pattern[str]":
    """Start and end tags named ``tag`` (``<tag``, ``</tag``, then a delimiter)."""
    got = _SAME_NAME.get(tag)
    if got is None:
        got = _SAME_NAME[tag] = re.compile(r"<(/?)" + re.escape(tag) + r"(?=[\s/>])")
    return got


class LineIndex:
    """Line starts of a text, to turn a character offset into a 1-based line and column."""

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        lines.pop()  # the last line ends the text, not a line
        self.starts = list(itertools.accumulate((len(s) + 1 for s in lines), initial=0))

    def locate(self, offset: int) -> Tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1
