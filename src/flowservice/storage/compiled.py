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

KEPT = 256  # shapes (one per combination of SQL filters and order) must not pile up


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement ready to send: its SQL, its parameters, and how to read its rows."""

    sql: str
    parameters: Any  # a tuple (positional paramstyles) or a dict
    names: tuple[str, ...]
    processed: tuple[tuple[str, Callable[[Any], Any]], ...]  # the columns that need converting

    def records(self, rows: Sequence[Sequence[Any]]) -> list[Record]:
        names, processed = self.names, self.processed
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
    processed: tuple[tuple[str, Callable[[Any], Any]], ...]


class Statements:
    """Select statements compiled for one dialect, each shape once.

    Found by SQLAlchemy's cache key, as its own compiled cache does, so statements built per
    request (SQL filters, counts) are compiled once too: compiling one costs ~3 times running it.
    The key of a statement built once is computed once (SQLAlchemy memoizes it).
    """

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._shapes: dict[Any, _Plan] = {}

    def compile(self, statement: Select[Any], values: Mapping[str, Any]) -> Compiled:
        plan, extracted = self._by_shape(statement)
        compiler = plan.compiler
        # The statement's own bound values (filters, from the equivalent statement when the
        # compiled one came from another) and the caller's; IN lists then become one parameter
        # per value. What SQLAlchemy's Connection.execute does: construct_expanded_state, with
        # the extracted parameters of a cached statement (which that method does not take).
        parameters = compiler.construct_params(
            dict(values), extracted_parameters=extracted, _no_postcompile=True
        )
        expanded = compiler._process_parameters_for_postcompile(parameters)
        sent: Any = expanded.parameters
        if expanded.processors:
            processors = expanded.processors
            sent = {
                name: processors[name](value) if name in processors else value
                for name, value in sent.items()
            }
        if expanded.positiontup is not None:
            sent = tuple(sent[name] for name in expanded.positiontup)
        return Compiled(expanded.statement, sent, plan.names, plan.processed)

    def _by_shape(self, statement: Select[Any]) -> tuple[_Plan, Any]:
        key = statement._generate_cache_key()
        if key is None:  # a construct SQLAlchemy cannot cache: compiled each time
            return self._plan(statement, None), None
        plan = self._shapes.get(key.key)
        if plan is None:
            if len(self._shapes) >= KEPT:
                self._shapes.clear()
            plan = self._shapes[key.key] = self._plan(statement, key)
        return plan, key.bindparams

    def _plan(self, statement: Select[Any], key: Any) -> _Plan:
        dialect = self._dialect
        columns = statement.selected_columns
        names = tuple(str(column.key) for column in columns)
        processors = (c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        processed = tuple((n, p) for n, p in zip(names, processors, strict=True) if p is not None)
        return _Plan(statement.compile(dialect=dialect, cache_key=key), names, processed)
