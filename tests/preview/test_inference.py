import pytest

from flowservice.preview.infer import (
    DATE,
    DATE_TIME,
    INTEGER,
    NULL,
    NUMBER,
    STRING,
    Shape,
    merge,
    shape_of_json,
    shape_of_text,
)
from tests.preview.samples import columns, run


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (None, "null"),
        ("0", "integer"),
        ("12", "integer"),
        ("-3", "integer"),
        ("9223372036854775807", "integer"),
        ("9223372036854775808", "string"),
        ("-9223372036854775809", "string"),
        ("007", "string"),
        ("+5", "string"),
        (" 12", "string"),
        ("1.5", "number"),
        ("-0.25", "number"),
        ("1e5", "number"),
        ("2.5E-3", "number"),
        ("1e400", "string"),
        ("007.5", "string"),
        (".5", "string"),
        ("NaN", "string"),
        ("Infinity", "string"),
        ("true", "boolean"),
        ("FALSE", "boolean"),
        ("True", "boolean"),
        ("yes", "string"),
        ("2020-01-31", "date"),
        ("2020-02-30", "string"),
        ("2020-1-31", "string"),
        ("20200131", "integer"),  # a number, not a compact date
        ("2020-01-31T10:00:00Z", "date-time"),
        ("2020-01-31 10:00", "date-time"),
        ("2020-01-31T10:00:00.123456789+02:00", "date-time"),
        ("2020-01-31T10:00:00-0530", "date-time"),
        ("2020-01-31T25:00:00", "string"),
        ("2020-01-31T10", "string"),
        ("10:00:00", "string"),
        ("١٢", "string"),
    ],
)
def test_delimited_value_type(text, kind):
    assert shape_of_text(text).kind == kind


@pytest.mark.parametrize(
    ("a", "b", "merged"),
    [
        (INTEGER, NULL, INTEGER),
        (NULL, DATE, DATE),
        (INTEGER, NUMBER, NUMBER),
        (NUMBER, INTEGER, NUMBER),
        (INTEGER, STRING, STRING),
        (DATE, DATE_TIME, STRING),
        (Shape("boolean"), INTEGER, STRING),
        (Shape("array", items=INTEGER), Shape("array", items=NUMBER), Shape("array", items=NUMBER)),
        (Shape("object", fields=(("a", INTEGER),)), STRING, STRING),
    ],
)
def test_merging_types(a, b, merged):
    assert merge(a, b) == merged


def test_merging_objects_unions_their_sub_columns_in_first_seen_order():
    a = Shape("object", fields=(("x", INTEGER), ("y", NULL)))
    b = Shape("object", fields=(("z", DATE), ("x", NUMBER)))
    assert merge(a, b) == Shape("object", fields=(("x", NUMBER), ("y", NULL), ("z", DATE)))


def test_json_values_keep_json_types_and_only_strings_may_be_dates():
    assert shape_of_json("12") == STRING
    assert shape_of_json(12) == INTEGER
    assert shape_of_json(True).kind == "boolean"
    assert shape_of_json(2**63) == STRING
    assert shape_of_json(1.0) == NUMBER
    assert shape_of_json("2020-01-31") == DATE
    assert shape_of_json([]) == Shape("array", items=NULL)


def test_column_types_follow_the_rules_over_all_sampled_rows():
    data = (
        b"int,mixed_num,mixed,nulls,ids,bools,big\n"
        b"1,1,1,,007,true,9223372036854775808\n"
        b"2,2.5,x,,008,False,1\n"
        b",,,,,,\n"
    )
    document = run(data, file_type="delimited")
    assert columns(document) == {
        "int": "integer",
        "mixed_num": "number",
        "mixed": "string",
        "nulls": "string",
        "ids": "string",
        "bools": "boolean",
        "big": "string",
    }
    assert document["data"][0] == {
        "int": 1,
        "mixed_num": 1.0,
        "mixed": "1",
        "nulls": None,
        "ids": "007",
        "bools": True,
        "big": "9223372036854775808",
    }
    assert document["data"][1]["bools"] is False
    assert document["data"][2] == dict.fromkeys(document["data"][2])


def test_dates_and_date_times_are_converted_to_iso_strings():
    data = b"d,t\n2020-01-31,2020-01-31 10:00\n2021-12-01,2020-01-31T10:00:00.5Z\n"
    document = run(data, file_type="delimited")
    assert document["schema"]["columns"] == [
        {"name": "d", "type": "date", "xdm": {"type": "string", "format": "date"}},
        {"name": "t", "type": "date-time", "xdm": {"type": "string", "format": "date-time"}},
    ]
    assert document["data"] == [
        {"d": "2020-01-31", "t": "2020-01-31T10:00:00"},
        {"d": "2021-12-01", "t": "2020-01-31T10:00:00.500000+00:00"},
    ]


def test_integer_values_are_json_ints_not_floats():
    value = run(b"n\n42\n", file_type="delimited")["data"][0]["n"]
    assert value == 42
    assert isinstance(value, int)
