"""Coverage-guided fuzzing (atheris) of the reader, the rules, the merge and the writer.

Every input is read as an app's manifest. Allowed outcomes: an ``InputError`` (the CLI's exit 2)
from the reader or the model, or a Document that encodes back to exactly the input, then a full
pass where lint returns diagnostics and the merge of a vendor manifest into it yields text that
re-reads as exactly the merged declarations (``pipeline.plan`` checks that itself, and an edit
that does not is a bug, raised here as such).
Anything else is a crash that atheris reports with the input that caused it.

    python tests/fuzz/fuzz_manifest.py -runs=100000 CORPUS_DIR   # seeds: manifests/, ../shared/corpus

tests/hostile/test_fuzz_manifest.py runs it for a bounded number of inputs.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["trtc_privacy"]):
    from trtc_privacy.config import Config
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.lint.engine import lint_document
    from trtc_privacy.manifest.reader import parse
    from trtc_privacy.merge.pipeline import Options, gather, plan

_DIR = tempfile.mkdtemp(prefix="trtc-privacy-fuzz-")
_APP = os.path.join(_DIR, "PrivacyInfo.xcprivacy")
_CONFIG = Config()


def one_input(data: bytes) -> None:
    try:
        doc = parse(data, "fuzz.xcprivacy")
    except InputError:
        return
    # the reader decided the encoding once: a Document encodes back to exactly its bytes
    assert doc.binary or doc.encode(doc.text) == data
    diagnostics = lint_document(doc, "app")
    assert all(d.path == "fuzz.xcprivacy" for d in diagnostics)
    with open(_APP, "wb") as fh:
        fh.write(data)
    try:
        inputs = gather(_CONFIG, Options(_APP, sdks=["trtc"]))
        merged = plan(inputs)
    except InputError as exc:
        if exc.diagnostic.rule == "internal":
            raise AssertionError(exc.diagnostic.message) from None
        return
    # plan verified the text with plistlib and the reader; the vendor's part must be in it
    got = set(merged.target.declarations())
    assert set(inputs.sources[0].manifest.declarations()) <= got


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
