"""Value classes without ``dataclasses``' start-up cost.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__`` (and, when frozen,
``__hash__``, ``__setattr__``, ``__delattr__``) as source text and compiles it on every start:
about a millisecond a class, and the classes every command imports would cost more than the
rest of a one-file lint. The classes on that path write their ``__init__`` by hand and take
the rest from here, with the same behaviour as the dataclass they replace: the repr lists the
fields (``__fields__`` in order, less ``__hidden__``), equality compares all fields of two
instances of the same class, a ``FrozenRecord`` hashes by its fields and refuses assignment.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, Tuple


class Record:
    """Field-wise repr and equality; unhashable, as a mutable dataclass is."""

    __slots__ = ()
    __fields__: ClassVar[Tuple[str, ...]] = ()
    __hidden__: ClassVar[Tuple[str, ...]] = ()  # left out of the repr (``field(repr=False)``)

    def _values(self) -> Tuple[Any, ...]:
        return tuple([getattr(self, n) for n in self.__fields__])

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__fields__
                          if n not in self.__hidden__)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented


class FrozenRecord(Record):
    """A Record that cannot change once made: hashable by its fields, as a frozen dataclass."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
