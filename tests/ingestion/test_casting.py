"""Casting text columns to the dataset's types: whole columns fast, bad values as failed records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from flowservice.ingestion.casting import added_fields, cast_batch, infer_fields
from flowservice.ingestion.readers import RowIssue

FIELDS = [
    {"name": "id", "type": "long", "nullable": False},
    {"name": "amount", "type": "decimal(10,2)", "nullable": True},
    {"name": "active", "type": "boolean", "nullable": True},
    {"name": "joined", "type": "date", "nullable": True},
    {"name": "seen", "type": "timestamp", "nullable": True},
    {"name": "ratio", "type": "double", "nullable": True},
]


def _batch(**columns: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict({k: pa.array(v, pa.string()) for k, v in columns.items()})


def test_clean_text_casts_to_every_type_and_timestamps_are_utc() -> None:
    batch = _batch(
        ID=["1", "2"],
        amount=["1.50", ""],
        active=["true", "FALSE"],
        joined=["2024-01-02", ""],
        seen=["2024-01-02T10:00:00Z", "2024-01-02 12:00:00"],
        ratio=["0.5", "1e3"],
    )
    issues: list[RowIssue] = []
    cast = cast_batch(batch, FIELDS, "/b/f.csv", 1, issues)
    assert issues == []
    assert cast.schema.field("seen").type == pa.timestamp("us", "UTC")
    assert cast.to_pylist() == [
        {
            "id": 1,
            "amount": Decimal("1.50"),
            "active": True,
            "joined": date(2024, 1, 2),
            "seen": datetime(2024, 1, 2, 10, tzinfo=UTC),
            "ratio": 0.5,
        },
        {
            "id": 2,
            "amount": None,
            "active": False,
            "joined": None,
            "seen": datetime(2024, 1, 2, 12, tzinfo=UTC),
            "ratio": 1000.0,
        },
    ]


def test_bad_values_and_missing_required_fields_are_failed_records() -> None:
    ids = [str(i) for i in range(1000)]
    ids[17], ids[600] = "seventeen", ""
    joined = ["2024-01-02"] * 1000
    joined[999] = "2024-02-30"
    issues: list[RowIssue] = []
    cast = cast_batch(_batch(id=ids, joined=joined), FIELDS, "/b/f.csv", 2, issues)
    assert cast.num_rows == 997
    assert [(i.line, i.column, i.code) for i in sorted(issues, key=lambda i: i.line or 0)] == [
        (19, "id", "MAPPER-3700-400"),
        (602, "id", "INGEST-1555-400"),
        (1001, "joined", "MAPPER-3700-400"),
    ]
    assert all(i.file == "/b/f.csv" for i in issues)


def test_infer_fields_follows_the_preview_rules() -> None:
    batch = _batch(
        id=["1", "2", ""],
        zip=["007", "123", "9"],
        price=["1", "2.5", "3"],
        day=["2024-01-02", "", "2024-03-04"],
        flag=["true", "false", ""],
        big=["9" * 30, "1", "2"],
    )
    kinds = {f["name"]: f["type"] for f in infer_fields(batch)}
    assert kinds == {
        "id": "long",
        "zip": "string",
        "price": "double",
        "day": "date",
        "flag": "boolean",
        "big": "string",
    }


def test_new_columns_are_added_as_text() -> None:
    assert added_fields(FIELDS, ["id", "Extra"]) == [
        {"name": "Extra", "type": "string", "nullable": True}
    ]
