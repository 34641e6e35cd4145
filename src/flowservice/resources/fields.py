"""What a resource lets lists filter and sort on: one :class:`Field` per wire path.

A field is either a column (filtered and sorted in SQL) or a path into the resource's wire
document (filtered in Python over the rows the SQL part selected). ``/connections`` declares its
seven fields and refuses others (``1449-400``); the dataflow resources also accept any dotted
path with ``[]`` for array members (``sourceConnectionIds[]``, ``metrics.statusSummary.status``),
as the contract says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Field", "Fields", "Kind"]

# How a filter value is read: text as is, text compared case-insensitively, epoch ms, a boolean,
# or one of a few values (``choices``, case-insensitive).
Kind = Literal["str", "lower", "int", "bool", "enum"]

# A path of names, each optionally followed by [] (an array's members): a.b[].c
_PATH = re.compile(r"^[A-Za-z_$][\w$-]*(\[\])?(\.[A-Za-z_$][\w$-]*(\[\])?)*$")


@dataclass(frozen=True, slots=True)
class Field:
    wire: str
    column: str | None = None  # None: the value is read from the wire document
    kind: Kind = "str"
    sortable: bool = False
    choices: tuple[str, ...] = ()

    @property
    def in_sql(self) -> bool:
        return self.column is not None


@dataclass(frozen=True)
class Fields:
    """The filterable and sortable fields of one resource (named for its tokens and links)."""

    resource: str
    declared: tuple[Field, ...]
    any_path: bool = False
    # Document paths whose values compare case-insensitively (enum-like: state, status).
    folded_paths: frozenset[str] = frozenset()

    @classmethod
    def of(cls, resource: str, fields: Iterable[Field], **options: object) -> Fields:
        return cls(resource, tuple(fields), **options)  # type: ignore[arg-type]

    def lookup(self, path: str) -> Field | None:
        """The field a filter names: a declared one (any case), else a document path."""
        folded = path.lower()
        for field in self.declared:
            if field.wire.lower() == folded:
                return field
        if self.any_path and _PATH.match(path):
            kind: Kind = "lower" if path in self.folded_paths else "str"
            return Field(path, kind=kind)
        return None

    def sortable(self, name: str) -> Field | None:
        folded = name.lower()
        return next((f for f in self.declared if f.sortable and f.wire.lower() == folded), None)

    def describe(self) -> str:
        names = ", ".join(f.wire for f in self.declared)
        return f"{names}, or any field path" if self.any_path else names

    def describe_sortable(self) -> str:
        return ", ".join(f.wire for f in self.declared if f.sortable)
