import codecs

import pytest

from flowservice.errors import UserError
from flowservice.preview import PreviewOptions, preview
from flowservice.preview.limits import CHUNK_BYTES
from tests.preview.fakes import MemorySource
from tests.preview.samples import CSV, CSV_ROWS, columns, run


def test_csv_with_header_gives_typed_columns_and_converted_rows():
    document = run(CSV, file_type="delimited")
    assert columns(document) == {
        "Id": "integer",
        "Name": "string",
        "Amount": "number",
        "Joined": "date",
        "Active": "boolean",
    }
    assert document["data"] == CSV_ROWS


def test_quoted_fields_keep_embedded_delimiters_quotes_and_newlines():
    data = b'a,b\n"x, y","say ""hi"""\n"line1\nline2",plain\n'
    document = run(data, file_type="delimited")
    assert document["data"] == [
        {"a": "x, y", "b": 'say "hi"'},
        {"a": "line1\nline2", "b": "plain"},
    ]


@pytest.mark.parametrize("raw", ["\t", "\\t"], ids=["real-tab", "backslash-t"])
def test_tab_delimited_file_parses_with_tab_given_either_way(raw):
    source = MemorySource(b"a\tb\n1\tx,y\n")
    options = PreviewOptions.from_query({"fileType": "delimited", "columnDelimiter": raw})
    assert preview(source, options)["data"] == [{"a": 1, "b": "x,y"}]


@pytest.mark.parametrize("delimiter", [";", "|", "\x1f", "é"])
def test_any_single_character_delimiter_works(delimiter):
    data = f"a{delimiter}b\n1{delimiter}2\n".encode()
    document = run(data, file_type="delimited", column_delimiter=delimiter)
    assert document["data"] == [{"a": 1, "b": 2}]


def test_utf8_bom_is_stripped_from_the_first_header():
    document = run(codecs.BOM_UTF8 + b"Id,Name\n1,\xc3\xa9\n", file_type="delimited")
    assert columns(document) == {"Id": "integer", "Name": "string"}
    assert document["data"] == [{"Id": 1, "Name": "é"}]


def test_iso_8859_1_file_is_decoded_when_declared():
    document = run(b"Name\nJos\xe9\n", file_type="delimited", encoding="ISO-8859-1")
    assert document["data"] == [{"Name": "José"}]


def test_utf16_bom_overrides_the_declared_encoding():
    data = codecs.BOM_UTF16_LE + "Name\nJosé\n".encode("utf-16-le")
    assert run(data, file_type="delimited")["data"] == [{"Name": "José"}]


def test_invalid_utf8_is_1372_naming_the_byte_and_its_offset():
    with pytest.raises(UserError) as caught:
        run(b"Name\nJos\xe9\n", file_type="delimited")
    assert caught.value.code == "1372-400"
    assert "0xE9 at byte offset 8" in caught.value.message
    assert "ISO-8859-1" in caught.value.message


def test_invalid_utf8_offset_counts_across_chunks_and_a_bom():
    data = codecs.BOM_UTF8 + b"a\n" + b"x" * (CHUNK_BYTES * 2) + b"\xff\n"
    with pytest.raises(UserError) as caught:
        run(data, file_type="delimited")
    assert f"at byte offset {3 + 2 + CHUNK_BYTES * 2} " in caught.value.message


def test_duplicate_and_empty_header_names_are_made_unique_and_non_empty():
    document = run(b"a,a,,a_2, \n1,2,3,4,5\n", file_type="delimited")
    assert [c["name"] for c in document["schema"]["columns"]] == [
        "a",
        "a_2",
        "column_3",
        "a_2_2",
        "column_5",
    ]
    assert document["data"] == [{"a": 1, "a_2": 2, "column_3": 3, "a_2_2": 4, "column_5": 5}]


def test_short_rows_get_nulls_and_long_rows_get_extra_positional_columns():
    document = run(b"a,b\n1\n1,2,3\n", file_type="delimited")
    assert [c["name"] for c in document["schema"]["columns"]] == ["a", "b", "column_3"]
    assert document["data"] == [
        {"a": 1, "b": None, "column_3": None},
        {"a": 1, "b": 2, "column_3": 3},
    ]


def test_blank_lines_are_skipped_and_all_empty_fields_are_null():
    document = run(b"\n\na,b\n\n,\n\n1,2\n", file_type="delimited")
    assert document["data"] == [{"a": None, "b": None}, {"a": 1, "b": 2}]


def test_header_only_file_has_string_columns_and_no_rows():
    document = run(b"a,b\n", file_type="delimited")
    assert document["schema"]["columns"] == [
        {"name": "a", "type": "string", "xdm": {"type": "string"}},
        {"name": "b", "type": "string", "xdm": {"type": "string"}},
    ]
    assert document["data"] == []


@pytest.mark.parametrize("newline", [b"\r\n", b"\r", b"\n"], ids=["crlf", "cr", "lf"])
def test_every_line_ending_is_understood(newline):
    data = newline.join([b"a,b", b"1,2", b"3,4"])
    document = run(data, file_type="delimited")
    assert document["data"] == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]


def test_crlf_split_across_chunks_inside_and_outside_quotes():
    head = b"a,b\r\n"
    filler = b'"' + b"x" * (CHUNK_BYTES - len(head) - 2) + b"\r\n" + b'more",1\r'
    data = head + filler + b"\nlast,2\r\n"
    assert data[CHUNK_BYTES - 1 : CHUNK_BYTES + 1] == b"\r\n"
    rows = run(data, file_type="delimited")["data"]
    assert rows[0]["a"].endswith("x\r\nmore")
    assert rows[1] == {"a": "last", "b": 2}
    assert len(rows) == 2


def test_at_most_max_rows_rows_are_returned():
    data = b"n\n" + b"".join(b"%d\n" % i for i in range(500))
    assert len(run(data, file_type="delimited")["data"]) == 100
    assert [r["n"] for r in run(data, file_type="delimited", max_rows=3)["data"]] == [0, 1, 2]


def test_empty_file_is_1371():
    with pytest.raises(UserError) as caught:
        run(b"", file_type="delimited")
    assert caught.value.code == "1371-400"


def test_file_of_blank_lines_is_1371():
    with pytest.raises(UserError) as caught:
        run(b"\n\r\n\n", file_type="delimited")
    assert caught.value.code == "1371-400"


def test_row_longer_than_the_sample_cap_is_1373():
    data = b"a,b\n" + b"x," * (5 * 1024 * 1024) + b"\n"
    with pytest.raises(UserError) as caught:
        run(data, file_type="delimited")
    assert caught.value.code == "1373-400"
    assert "8 MiB" in caught.value.message


def test_first_line_longer_than_the_sample_cap_is_1373():
    with pytest.raises(UserError) as caught:
        run(b"x" * (9 * 1024 * 1024), file_type="delimited")
    assert caught.value.code == "1373-400"


def test_field_longer_than_the_csv_field_limit_is_1373():
    data = b'a\n"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(UserError) as caught:
        run(data, file_type="delimited")
    assert caught.value.code == "1373-400"
    assert "131072 characters" in caught.value.message


def test_rows_before_a_cut_are_kept_when_a_later_row_is_too_long():
    data = b"a\n1\n2\n" + b"y" * (9 * 1024 * 1024) + b"\n3\n"
    assert run(data, file_type="delimited")["data"] == [{"a": 1}, {"a": 2}]


def test_unclosed_quote_at_end_of_file_keeps_the_text():
    assert run(b'a,b\n1,"open\n', file_type="delimited")["data"] == [{"a": 1, "b": "open\n"}]
