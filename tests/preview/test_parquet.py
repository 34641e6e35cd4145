import datetime
import decimal

import pyarrow as pa
import pytest

from flowservice.errors import UserError
from tests.preview.samples import parquet_bytes, run


def test_flat_parquet_maps_arrow_types_to_contract_types():
    table = pa.table(
        {
            "i": pa.array([1, None], pa.int32()),
            "f": pa.array([1.5, 2.0], pa.float64()),
            "s": pa.array(["a", "b"]),
            "b": pa.array([True, False]),
            "d": pa.array([datetime.date(2020, 1, 31), None], pa.date32()),
            "ts": pa.array([datetime.datetime(2020, 1, 31, 10, 0, 1)] * 2, pa.timestamp("ms")),
            "dec": pa.array([decimal.Decimal("1.25"), decimal.Decimal("-3.50")]),
            "cat": pa.array(["x", "y"]).dictionary_encode(),
        }
    )
    document = run(parquet_bytes(table), file_type="parquet")
    assert document["format"] == "flat"
    assert [(c["name"], c["type"], c["xdm"]) for c in document["schema"]["columns"]] == [
        ("i", "integer", {"type": "integer"}),
        ("f", "number", {"type": "number"}),
        ("s", "string", {"type": "string"}),
        ("b", "boolean", {"type": "boolean"}),
        ("d", "date", {"type": "string", "format": "date"}),
        ("ts", "date-time", {"type": "string", "format": "date-time"}),
        ("dec", "number", {"type": "number"}),
        ("cat", "string", {"type": "string"}),
    ]
    assert document["data"][0] == {
        "i": 1,
        "f": 1.5,
        "s": "a",
        "b": True,
        "d": "2020-01-31",
        "ts": "2020-01-31T10:00:01",
        "dec": 1.25,
        "cat": "x",
    }
    assert document["data"][1]["i"] is None
    assert document["data"][1]["d"] is None


def test_nanosecond_and_zoned_timestamps_become_iso_date_times():
    nanos = pa.array([1_600_000_000_123_456_789], pa.timestamp("ns", tz="UTC"))
    document = run(parquet_bytes(pa.table({"t": nanos})), file_type="parquet")
    assert document["data"] == [{"t": "2020-09-13T12:26:40.123456+00:00"}]


def test_types_without_a_counterpart_are_previewed_as_text():
    table = pa.table(
        {
            "bin": pa.array([b"\x00\x01"]),
            "time": pa.array([datetime.time(10, 30)], pa.time64("ns")),
            "nothing": pa.array([None], pa.null()),
        }
    )
    document = run(parquet_bytes(table), file_type="parquet")
    assert [c["type"] for c in document["schema"]["columns"]] == ["string"] * 3
    assert document["data"] == [{"bin": "AAE=", "time": "10:30:00", "nothing": None}]


def test_structs_lists_and_maps_make_a_hierarchical_schema():
    table = pa.table(
        {
            "who": pa.array(
                [{"name": "Ann", "born": datetime.date(1990, 5, 1)}],
                pa.struct([("name", pa.string()), ("born", pa.date32())]),
            ),
            "scores": pa.array([[1, 2]], pa.list_(pa.int64())),
            "attrs": pa.array([[("k", 1.5)]], pa.map_(pa.string(), pa.float64())),
        }
    )
    document = run(parquet_bytes(table), file_type="parquet")
    assert document["format"] == "hierarchical"
    who, scores, attrs = document["schema"]["columns"]
    assert who["type"] == "object"
    assert [(c["name"], c["type"]) for c in who["subProperties"]] == [
        ("name", "string"),
        ("born", "date"),
    ]
    assert who["xdm"] == {
        "type": "object",
        "properties": {"name": {"type": "string"}, "born": {"type": "string", "format": "date"}},
    }
    assert scores["items"] == {"type": "integer", "xdm": {"type": "integer"}}
    assert attrs["type"] == "array"
    assert [c["name"] for c in attrs["items"]["subProperties"]] == ["key", "value"]
    assert document["data"] == [
        {
            "who": {"name": "Ann", "born": "1990-05-01"},
            "scores": [1, 2],
            "attrs": [{"key": "k", "value": 1.5}],
        }
    ]


def test_rows_come_from_several_small_row_groups_up_to_max_rows():
    table = pa.table({"n": list(range(250))})
    document = run(parquet_bytes(table, row_group_size=30), file_type="parquet")
    assert [row["n"] for row in document["data"]] == list(range(100))


def test_parquet_without_rows_gives_columns_and_no_data():
    table = pa.table({"n": pa.array([], pa.int64())})
    document = run(parquet_bytes(table), file_type="parquet")
    assert document["schema"]["columns"] == [
        {"name": "n", "type": "integer", "xdm": {"type": "integer"}}
    ]
    assert document["data"] == []


def test_nan_and_infinity_become_null():
    table = pa.table({"x": [float("nan"), float("inf"), 1.0]})
    assert [r["x"] for r in run(parquet_bytes(table), file_type="parquet")["data"]] == [
        None,
        None,
        1.0,
    ]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"a,b\n1,2\n" * 10, "no PAR1 magic at its start"),
        (b"PAR1", "no PAR1 magic at its start"),
        (b"PAR1" + b"\x00" * 40, "no PAR1 at its end"),
        (b"PAR1" + b"\x00" * 40 + b"\xff\xff\x00\x00PAR1", "footer is corrupt"),
    ],
)
def test_file_that_is_not_parquet_is_1370(data, fragment):
    with pytest.raises(UserError) as caught:
        run(data, file_type="parquet")
    assert caught.value.code == "1370-400"
    assert fragment in caught.value.message


def test_truncated_parquet_is_1370():
    data = parquet_bytes(pa.table({"n": list(range(1000))}))
    with pytest.raises(UserError) as caught:
        run(data[: len(data) // 2], file_type="parquet")
    assert caught.value.code == "1370-400"


def test_parquet_with_a_garbled_footer_is_1370():
    data = bytearray(parquet_bytes(pa.table({"n": list(range(1000))})))
    footer = int.from_bytes(data[-8:-4], "little")
    data[-8 - footer : -8] = b"\xab" * footer
    with pytest.raises(UserError) as caught:
        run(bytes(data), file_type="parquet")
    assert caught.value.code == "1370-400"
    assert "not a readable Parquet file" in caught.value.message


@pytest.mark.parametrize("file_type", ["delimited", "json"])
def test_parquet_file_previewed_as_text_is_1370_with_a_hint(file_type):
    with pytest.raises(UserError) as caught:
        run(parquet_bytes(pa.table({"n": [1, 2, 3]})), file_type=file_type)
    assert caught.value.code == "1370-400"
    assert "set fileType=parquet" in caught.value.message


def test_csv_whose_header_starts_with_par1_is_still_text():
    assert run(b"PAR1,PAR2\n1,2\n", file_type="delimited")["data"] == [{"PAR1": 1, "PAR2": 2}]
