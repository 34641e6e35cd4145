import json

import pytest

from flowservice.errors import UserError
from flowservice.preview.limits import MAX_NESTING
from tests.preview.samples import JSONL, JSONL_ROWS, columns, run


def test_json_lines_give_one_row_per_object():
    document = run(b'{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n', file_type="json")
    assert document["format"] == "flat"
    assert columns(document) == {"a": "integer", "b": "string"}
    assert document["data"] == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]


def test_top_level_array_of_objects():
    document = run(b' [ {"a": 1} ,\n {"a": 2.5} ] ', file_type="json")
    assert columns(document) == {"a": "number"}
    assert document["data"] == [{"a": 1.0}, {"a": 2.5}]


def test_pretty_printed_concatenated_objects():
    data = json.dumps({"a": 1}, indent=2).encode() + b"\n" + json.dumps({"a": 2}, indent=2).encode()
    assert run(data, file_type="json")["data"] == [{"a": 1}, {"a": 2}]


def test_nested_objects_and_arrays_make_a_hierarchical_schema():
    document = run(JSONL, file_type="json")
    assert document["format"] == "hierarchical"
    assert document["schema"]["columns"] == [
        {"name": "id", "type": "integer", "xdm": {"type": "integer"}},
        {
            "name": "tags",
            "type": "array",
            "xdm": {"type": "array", "items": {"type": "string"}},
            "items": {"type": "string", "xdm": {"type": "string"}},
        },
        {
            "name": "who",
            "type": "object",
            "xdm": {"type": "object", "properties": {"name": {"type": "string"}}},
            "subProperties": [{"name": "name", "type": "string", "xdm": {"type": "string"}}],
        },
    ]
    assert document["data"] == JSONL_ROWS


def test_array_of_objects_merges_their_sub_columns():
    data = b'{"items": [{"sku": "A", "qty": 1}, {"sku": "B", "price": 2.5}]}\n'
    document = run(data, file_type="json")
    items = document["schema"]["columns"][0]["items"]
    assert items["type"] == "object"
    assert [(c["name"], c["type"]) for c in items["subProperties"]] == [
        ("sku", "string"),
        ("qty", "integer"),
        ("price", "number"),
    ]
    assert document["data"][0]["items"] == [
        {"sku": "A", "qty": 1, "price": None},
        {"sku": "B", "qty": None, "price": 2.5},
    ]


def test_keys_missing_from_some_records_are_null_and_columns_keep_first_seen_order():
    document = run(b'{"b": 1}\n{"a": "2020-01-31", "b": null}\n', file_type="json")
    assert columns(document) == {"b": "integer", "a": "date"}
    assert document["data"] == [{"b": 1, "a": None}, {"b": None, "a": "2020-01-31"}]


def test_mixed_json_types_become_a_string_column_of_json_text():
    document = run(b'{"v": 1}\n{"v": {"x": true}}\n{"v": "s"}\n', file_type="json")
    assert columns(document) == {"v": "string"}
    assert [row["v"] for row in document["data"]] == ["1", '{"x": true}', "s"]


def test_integers_beyond_int64_become_strings_with_every_digit():
    document = run(b'{"n": 123456789012345678901234567890}\n', file_type="json")
    assert columns(document) == {"n": "string"}
    assert document["data"] == [{"n": "123456789012345678901234567890"}]


def test_nesting_deeper_than_the_limit_is_kept_as_json_text():
    deep: object = 1
    for _ in range(MAX_NESTING + 5):
        deep = {"d": deep}
    document = run(json.dumps({"top": deep}).encode(), file_type="json")
    level = document["schema"]["columns"][0]
    depth = 0
    while level["type"] == "object":
        level, depth = level["subProperties"][0], depth + 1
    assert level["type"] == "string"
    assert depth == MAX_NESTING


def test_empty_array_gives_no_columns_and_no_rows():
    assert run(b"[ ]", file_type="json") == {
        "format": "flat",
        "schema": {"columns": []},
        "data": [],
    }


def test_at_most_max_rows_records_from_a_top_level_array():
    data = ("[" + ",".join(json.dumps({"i": i}) for i in range(1000)) + "]").encode()
    assert [row["i"] for row in run(data, file_type="json")["data"]] == list(range(100))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"a": 1}\n{"a": }\n', "Record 2 is not valid JSON"),
        (b'[{"a": 1}, 2]', "Record 2 is a JSON int, not an object"),
        (b'[{"a": 1} {"a": 2}]', "Expected ',' or ']' after record 1"),
        (b'[{"a": 1},', "not closed"),
        (b'[{"a": 1}', "not closed"),
        (b'{"a": NaN}', "Record 1 is not valid JSON"),
        (b'{"a": 1', "Record 1 is not valid JSON"),
        (b"not json at all", "Record 1 is not valid JSON"),
    ],
)
def test_invalid_json_is_1370_naming_the_record(data, fragment):
    with pytest.raises(UserError) as caught:
        run(data, file_type="json")
    assert caught.value.code == "1370-400"
    assert fragment in caught.value.message


def test_whitespace_only_json_is_1371():
    with pytest.raises(UserError) as caught:
        run(b" \n\t ", file_type="json")
    assert caught.value.code == "1371-400"


def test_json_record_longer_than_the_sample_cap_is_1373():
    data = b'{"a": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    with pytest.raises(UserError) as caught:
        run(data, file_type="json")
    assert caught.value.code == "1373-400"


def test_records_before_a_too_long_record_are_kept():
    data = b'{"a": 1}\n{"a": "' + b"x" * (9 * 1024 * 1024) + b'"}\n'
    assert run(data, file_type="json")["data"] == [{"a": 1}]


@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_nesting_beyond_the_decoders_recursion_is_kept_as_json_text_too(levels: int) -> None:
    deep = b'{"d": ' * levels + b'"x}]{["' + b"}" * levels
    document = run(b'{"top": ' + deep + b'}\n{"n": 7}\n', file_type="json")
    level, value, depth = document["schema"]["columns"][0], document["data"][0]["top"], 0
    while level["type"] == "object":
        level, value, depth = level["subProperties"][0], value["d"], depth + 1
    assert (level["type"], depth) == ("string", MAX_NESTING)
    rest = levels - MAX_NESTING
    assert value == ('{"d": ' * rest) + '"x}]{["' + "}" * rest
    assert document["data"][1] == {"top": None, "n": 7}


def test_deep_arrays_beyond_the_decoders_recursion_are_kept_as_json_text() -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    document = run(b'{"a": ' + data + b"}", file_type="json")
    assert document["schema"]["columns"][0]["type"] == "array"


def test_a_deep_record_cut_short_is_1370() -> None:
    with pytest.raises(UserError) as caught:
        run(b'{"a": ' + b"[" * 5_000 + b"]" * 10, file_type="json")
    assert caught.value.code == "1370-400"


def test_json_honours_a_declared_iso_8859_1_encoding():
    assert run(b'{"n": "Jos\xe9"}', file_type="json", encoding="ISO-8859-1")["data"] == [
        {"n": "José"}
    ]
