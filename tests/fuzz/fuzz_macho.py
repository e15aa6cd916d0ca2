"""Coverage-guided fuzzing (atheris) of the Mach-O reader.

Every input is read as a binary (thin, fat or ar). Allowed outcomes: a list of images whose
names are strings, or a ``MachOError`` with a message. Anything else (another exception, a hang
that libFuzzer's -timeout catches) is a crash that atheris reports with the input.

    python tests/fuzz/fuzz_macho.py -runs=100000 CORPUS_DIR   # seeds: built fixtures

tests/hostile/test_fuzz_macho.py runs it for a bounded number of inputs.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["trtc_privacy"]):
    from trtc_privacy.usage.macho import MachOError, read


def one_input(data: bytes) -> None:
    try:
        images = read(data, "fuzz")
    except MachOError as exc:
        assert str(exc), "a MachOError without a message"
        return
    for image in images:
        assert all(isinstance(s, str) for s in image.imports)
        assert all(isinstance(s, str) for s in image.selectors)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
