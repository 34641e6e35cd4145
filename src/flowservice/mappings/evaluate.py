"""Mappings applied to Arrow record batches, column at a time (pyarrow.compute, no row loop).

A value that does not convert (``to_integer("abc")``, a date that does not match its format) is
null in the output and a :class:`RowError` for that row and destination; rows are never dropped
here. The engine decides what a row error means for the run (partial ingestion).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowservice.mappings.expressions import Call, Column, Constant, Expression

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CompiledMapping", "MappedBatch", "RowError", "apply_mappings", "java_to_strptime"]

MAPPER_ERROR = "MAPPER-3700-400"
_INTEGER = r"^\s*[+-]?\d+\s*$"
_FLOAT = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_JAVA = [("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"),
         ("mm", "%M"), ("ss", "%S"), ("SSS", "%f"), ("XXX", "%z"), ("Z", "%z")]  # fmt: skip


@dataclass(frozen=True)
class CompiledMapping:
    destination: str
    expression: Expression


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class MappedBatch:
    table: pa.Table
    errors: list[RowError]


def java_to_strptime(pattern: str) -> str:
    """``yyyy-MM-dd'T'HH:mm:ss`` → ``%Y-%m-%dT%H:%M:%S`` (quoted text kept, % escaped)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "'":
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1 : end].replace("%", "%%"))
            i = end + 1
            continue
        for java, posix in _JAVA:
            if pattern.startswith(java, i):
                out.append(posix)
                i += len(java)
                break
        else:
            out.append("%%" if pattern[i] == "%" else pattern[i])
            i += 1
    return "".join(out)


class _Evaluator:
    def __init__(self, batch: pa.Table, destination: str, errors: list[RowError]) -> None:
        self.batch = batch
        self.destination = destination
        self.errors = errors

    def value(self, expression: Expression) -> pa.Array:
        import pyarrow as pa

        if isinstance(expression, Constant):
            return pa.array([expression.value] * self.batch.num_rows)
        if isinstance(expression, Column):
            return self.column(expression.name)
        return getattr(self, "_" + expression.function)(expression)

    def column(self, name: str) -> pa.Array:
        import pyarrow as pa

        if name in self.batch.column_names:
            return self.batch.column(name).combine_chunks()
        head, _, rest = name.partition(".")
        if rest and head in self.batch.column_names:
            import pyarrow.compute as pc

            array = self.batch.column(head).combine_chunks()
            for part in rest.split("."):
                array = pc.struct_field(array, part)
            return array
        return pa.nulls(self.batch.num_rows, pa.string())

    def text(self, expression: Expression) -> pa.Array:
        import pyarrow as pa

        array = self.value(expression)
        return array if pa.types.is_string(array.type) else array.cast(pa.string())

    def fail(self, bad: pa.Array, reason: str) -> None:
        import pyarrow.compute as pc

        for row in pc.indices_nonzero(pc.fill_null(bad, False)).to_pylist():
            self.errors.append(RowError(int(row), self.destination, MAPPER_ERROR, reason))

    def _concat(self, call: Call) -> pa.Array:
        import pyarrow.compute as pc

        parts = [self.text(a) for a in call.args]
        return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")

    def _lower(self, call: Call) -> pa.Array:
        import pyarrow.compute as pc

        return pc.utf8_lower(self.text(call.args[0]))

    def _upper(self, call: Call) -> pa.Array:
        import pyarrow.compute as pc

        return pc.utf8_upper(self.text(call.args[0]))

    def _trim(self, call: Call) -> pa.Array:
        import pyarrow.compute as pc

        return pc.utf8_trim_whitespace(self.text(call.args[0]))

    def _convert(self, call: Call, pattern: str, target: pa.DataType, what: str) -> pa.Array:
        import pyarrow as pa
        import pyarrow.compute as pc

        source = self.value(call.args[0])
        if source.type == target:
            return source
        if pa.types.is_integer(source.type) or pa.types.is_floating(source.type):
            return pc.cast(source, target, safe=False)
        text = self.text(call.args[0])
        valid = pc.fill_null(pc.match_substring_regex(text, pattern), False)
        cleaned = pc.if_else(valid, pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
        if pa.types.is_integer(target):
            wide = pc.cast(cleaned, pa.decimal128(38, 0))
            fits = pc.fill_null(
                pc.and_(pc.less_equal(wide, 2**63 - 1), pc.greater_equal(wide, -(2**63))), False
            )
            valid = pc.and_(valid, fits)
            cleaned = pc.if_else(fits, cleaned, pa.scalar(None, pa.string()))
        self.fail(pc.and_(pc.is_valid(text), pc.invert(valid)), f"The value is not {what}.")
        return pc.cast(cleaned, target)

    def _to_integer(self, call: Call) -> pa.Array:
        import pyarrow as pa

        return self._convert(call, _INTEGER, pa.int64(), "an integer")

    def _to_float(self, call: Call) -> pa.Array:
        import pyarrow as pa

        return self._convert(call, _FLOAT, pa.float64(), "a number")

    def _to_bool(self, call: Call) -> pa.Array:
        import pyarrow as pa
        import pyarrow.compute as pc

        source = self.value(call.args[0])
        if pa.types.is_boolean(source.type):
            return source
        folded = pc.utf8_lower(pc.utf8_trim_whitespace(self.text(call.args[0])))
        yes, no = pc.is_in(folded, pa.array(_TRUE)), pc.is_in(folded, pa.array(_FALSE))
        self.fail(
            pc.and_(pc.is_valid(folded), pc.invert(pc.or_(yes, no))), "The value is not a boolean."
        )
        return pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))

    def _date(self, call: Call) -> pa.Array:
        import pyarrow as pa
        import pyarrow.compute as pc

        pattern = call.args[1]
        assert isinstance(pattern, Constant)
        fmt = java_to_strptime(str(pattern.value))
        text = pc.utf8_trim_whitespace(self.text(call.args[0]))
        parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
        if "%f" not in fmt and "%z" not in fmt:
            # strptime rolls 2024-02-30 over to March 1st: only a value that prints back the
            # same is a real date.
            back = pc.strftime(parsed.cast(pa.timestamp("s"), safe=False), format=fmt)
            parsed = pc.if_else(pc.fill_null(pc.equal(back, text), False), parsed, None)
        message = f"The value does not match the date format {pattern.value!r}."
        self.fail(pc.and_(pc.is_valid(text), pc.is_null(parsed)), message)
        zone = parsed.type.tz
        return parsed if zone else parsed.cast(pa.timestamp("us", "UTC"))


def apply_mappings(batch: pa.Table, mappings: Sequence[CompiledMapping]) -> MappedBatch:
    """One output column per mapping (by destination), evaluated on the whole batch."""
    import pyarrow as pa

    errors: list[RowError] = []
    columns: dict[str, Any] = {}
    for mapping in mappings:
        columns[mapping.destination] = _Evaluator(batch, mapping.destination, errors).value(
            mapping.expression
        )
    table = pa.table(columns) if columns else pa.table({})
    errors.sort(key=lambda e: (e.row, e.column))
    return MappedBatch(table, errors)
