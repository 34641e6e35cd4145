"""The mapping expression parser and its Arrow evaluator (no HTTP: pure functions on Arrow)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from flowservice.mappings.evaluate import CompiledMapping, apply_mappings, java_to_strptime
from flowservice.mappings.expressions import Call, Column, Constant, ExpressionError, parse

TABLE = pa.table(
    {
        "first": ["Ann", "Bob", None],
        "last": ["Lee", "Ray", "Cy"],
        "age": ["42", "x", " 7 "],
        "big": ["9223372036854775807", "9223372036854775808", "-9223372036854775808"],
        "joined": ["2024-01-02", "2024-02-30", None],
        "vip": ["Yes", "0", "maybe"],
        "address": [{"city": "Oslo"}, {"city": "Lima"}, {"city": None}],
    }
)


def _run(**expressions: str) -> tuple[dict[str, list[object]], list[tuple[int, str]]]:
    mapped = apply_mappings(TABLE, [CompiledMapping(k, parse(v)) for k, v in expressions.items()])
    return mapped.table.to_pydict(), [(e.row, e.column) for e in mapped.errors]


def test_parse_builds_a_tree() -> None:
    assert parse('concat(first, " ", `last name`)') == Call(
        "concat", (Column("first"), Constant(" "), Column("last name"))
    )
    assert parse("to_integer('12')") == Call("to_integer", (Constant("12"),))
    assert parse("null") == Constant(None)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("lower(a", "ends too early"),
        ("shout(a)", "unknown function"),
        ("lower(a, b)", "takes 1"),
        ("concat()", "at least 1"),
        ("date(a, b)", "format must be"),
        ("a b", "unexpected"),
        ("lower(a) ;", "unexpected character"),
        ("lower(" * 20 + "a" + ")" * 20, "nested"),
    ],
)
def test_parse_errors_say_why(text: str, says: str) -> None:
    with pytest.raises(ExpressionError, match=says):
        parse(text)


def test_strings_and_constants() -> None:
    columns, errors = _run(
        name='concat(first, " ", last)', up="upper(trim(last))", c="'k'", city="address.city"
    )
    assert columns["name"] == ["Ann Lee", "Bob Ray", " Cy"]
    assert columns["up"] == ["LEE", "RAY", "CY"]
    assert columns["c"] == ["k", "k", "k"]
    assert columns["city"] == ["Oslo", "Lima", None]
    assert errors == []


def test_conversions_null_the_value_and_record_the_row() -> None:
    columns, errors = _run(
        age="to_integer(age)", big="to_integer(big)", vip="to_bool(vip)", f="to_float(age)"
    )
    assert columns["age"] == [42, None, 7]
    assert columns["big"] == [2**63 - 1, None, -(2**63)]
    assert columns["vip"] == [True, False, None]
    assert columns["f"] == [42.0, None, 7.0]
    assert errors == [(1, "age"), (1, "big"), (1, "f"), (2, "vip")]


def test_dates_are_strict_utc_timestamps() -> None:
    columns, errors = _run(joined='date(joined, "yyyy-MM-dd")')
    assert columns["joined"] == [datetime(2024, 1, 2, tzinfo=UTC), None, None]
    assert errors == [(1, "joined")]
    assert apply_mappings(
        TABLE, [CompiledMapping("j", parse('date(joined, "yyyy-MM-dd")'))]
    ).table.schema.field("j").type == pa.timestamp("us", "UTC")


def test_java_patterns() -> None:
    assert java_to_strptime("yyyy-MM-dd'T'HH:mm:ss") == "%Y-%m-%dT%H:%M:%S"
    assert java_to_strptime("dd/MM/yy 100%") == "%d/%m/%y 100%%"
