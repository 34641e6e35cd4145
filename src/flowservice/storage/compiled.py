"""SQLAlchemy statements run on a driver connection directly, for the API's short reads.

Executing a prebuilt statement through SQLAlchemy's ``Connection`` costs ~18 µs of Python per
read on SQLite, where the read itself takes ~3 µs (docs/benchmarks.md). Here a statement is
compiled once for the dialect and run on the driver connection; each row becomes a ``Record``
with the values SQLAlchemy would have given: its own bind and result processors are applied
(on SQLite that decodes JSON columns, with the engine's orjson decoder).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from flowservice.storage.rows import Record

__all__ = ["Compiled", "Statements"]

KEPT = 256  # statements built per request (SQL filters) must not pile up


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement ready to send: its SQL, its parameters, and how to read its rows."""

    sql: str
    parameters: Any  # a tuple (positional paramstyles) or a dict
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def records(self, rows: Sequence[Sequence[Any]]) -> list[Record]:
        names = self.names
        processed = [(n, p) for n, p in zip(names, self.processors, strict=True) if p is not None]
        records = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            for name, process in processed:
                values[name] = process(values[name])
            records.append(Record(values))
        return records


@dataclass(frozen=True, slots=True)
class _Plan:
    compiler: SQLCompiler
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]


class Statements:
    """Select statements compiled for one dialect, each once (by identity)."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._plans: dict[Select[Any], _Plan] = {}

    def compile(self, statement: Select[Any], values: Mapping[str, Any]) -> Compiled:
        plan = self._plans.get(statement) or self._plan(statement)
        # The statement's own bound values (filters built per request) and the caller's; IN
        # lists become one parameter per value here, as when SQLAlchemy executes it.
        expanded = plan.compiler.construct_expanded_state(dict(values))
        parameters: Any = expanded.parameters
        if expanded.processors:
            processors = expanded.processors
            parameters = {
                name: processors[name](value) if name in processors else value
                for name, value in parameters.items()
            }
        if expanded.positiontup is not None:
            parameters = tuple(parameters[name] for name in expanded.positiontup)
        return Compiled(expanded.statement, parameters, plan.names, plan.processors)

    def _plan(self, statement: Select[Any]) -> _Plan:
        if len(self._plans) >= KEPT:
            self._plans.clear()
        dialect = self._dialect
        columns = statement.selected_columns
        plan = _Plan(
            statement.compile(dialect=dialect),
            tuple(str(column.key) for column in columns),
            tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns),
        )
        self._plans[statement] = plan
        return plan
