"""Regular expressions compiled on first use, not at import.

Compiling a pattern costs about a tenth of a millisecond; a module that holds a dozen, most of
them for error messages, would pay for all of them on every start. ``lazy(...)`` stands in for
``re.compile(...)``: the pattern is compiled when a method is first called, and each method is
then bound on the stand-in, so later calls cost what calls on the compiled pattern cost.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast


class _Lazy:
    def __init__(self, pattern: Any, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for names not yet bound here
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(re.compile(*self._source), name)
        setattr(self, name, value)
        return value


def lazy(pattern: AnyStr, flags: int = 0) -> "re.Pattern[AnyStr]":
    """``re.compile(pattern, flags)``, compiled when first used."""
    return cast("re.Pattern[AnyStr]", _Lazy(pattern, flags))
