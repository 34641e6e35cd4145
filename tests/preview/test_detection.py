import codecs
import os
import random

import pyarrow as pa
import pytest

from flowservice.errors import UserError
from flowservice.preview import PreviewOptions, preview
from flowservice.preview.detect import sniff_delimiter
from tests.preview.fakes import MemorySource
from tests.preview.samples import CSV, CSV_ROWS, JSONL, JSONL_ROWS, compress, parquet_bytes


def detect(data: bytes, name: str = "file") -> dict:
    return preview(MemorySource(data, name), PreviewOptions(determine_properties=True))


def test_gzip_csv_detected_from_magic_bytes_not_name():
    document = detect(compress(CSV, "gzip"), name="misleading.json")
    assert document["properties"] == {
        "fileType": "delimited",
        "compressionType": "gzip",
        "columnDelimiter": ",",
        "encoding": "UTF-8",
    }
    assert document["data"] == CSV_ROWS


@pytest.mark.parametrize(
    ("packing", "detected"),
    [
        ("none", "none"),
        ("gzip", "gzip"),
        ("bzip2", "bzip2"),
        ("deflate", "deflate"),
        ("rawDeflate", "deflate"),
        ("zipDeflate", "zipDeflate"),
        ("tar", "tar"),
        ("tarGzip", "tarGzip"),
    ],
)
@pytest.mark.parametrize(
    ("data", "file_type", "rows"), [(CSV, "delimited", CSV_ROWS), (JSONL, "json", JSONL_ROWS)]
)
def test_every_compression_and_text_type_is_detected(packing, detected, data, file_type, rows):
    document = detect(compress(data, packing), name="data.parquet")
    assert document["properties"]["compressionType"] == detected
    assert document["properties"]["fileType"] == file_type
    assert document["data"] == rows


def test_parquet_detected_from_magic_bytes_not_name():
    document = detect(parquet_bytes(pa.table({"n": [1, 2]})), name="data.csv")
    assert document["properties"] == {"fileType": "parquet", "compressionType": "none"}
    assert document["data"] == [{"n": 1}, {"n": 2}]


def test_json_properties_carry_no_delimiter():
    assert detect(b'[{"a": 1}]')["properties"] == {
        "fileType": "json",
        "compressionType": "none",
        "encoding": "UTF-8",
    }


def test_bracketed_csv_header_is_delimited_not_json():
    document = detect(b"[id],[name]\n1,x\n")
    assert document["properties"]["fileType"] == "delimited"
    assert document["data"] == [{"[id]": 1, "[name]": "x"}]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter):
    lines = ["id,name,city", "1,Ann,Paris", "2,Bob,Rome", '3,"Smith, Jo",Oslo']
    data = "\n".join(line.replace(",", delimiter) if delimiter != "," else line for line in lines)
    if delimiter != ",":
        data = data.replace('"Smith' + delimiter + ' Jo"', '"Smith, Jo"')
    document = detect(data.encode())
    assert document["properties"]["columnDelimiter"] == delimiter
    assert [c["name"] for c in document["schema"]["columns"]] == ["id", "name", "city"]
    assert document["data"][2]["name"] == "Smith, Jo"


def test_commas_inside_text_do_not_fool_delimiter_detection():
    data = "id;comment\n1;hello, world\n2;a, b, c\n3;none\n"
    assert sniff_delimiter(data, complete=True) == ";"


def test_single_column_file_gets_the_default_delimiter():
    document = detect(b"name\nAnn\nBob\n")
    assert document["properties"]["columnDelimiter"] == ","
    assert document["data"] == [{"name": "Ann"}, {"name": "Bob"}]


def test_iso_8859_1_is_detected_when_bytes_are_not_utf8():
    document = detect(b"name;city\nJos\xe9;S\xe3o Paulo\n")
    assert document["properties"]["encoding"] == "ISO-8859-1"
    assert document["properties"]["columnDelimiter"] == ";"
    assert document["data"] == [{"name": "José", "city": "São Paulo"}]


def test_utf8_bom_is_detected_as_utf8_and_stripped():
    document = detect(codecs.BOM_UTF8 + "a,b\né,1\n".encode())
    assert document["properties"]["encoding"] == "UTF-8"
    assert document["data"] == [{"a": "é", "b": 1}]


def test_utf16_bom_is_detected():
    document = detect(codecs.BOM_UTF16_BE + "a\tb\né\t1\n".encode("utf-16-be"))
    assert document["properties"]["encoding"] == "UTF-16"
    assert document["properties"]["columnDelimiter"] == "\t"
    assert document["data"] == [{"a": "é", "b": 1}]


def test_multibyte_character_cut_by_the_detection_sample_is_still_utf8():
    data = b"a\n" + "é".encode() * 40_000 + b"\n"
    assert detect(data)["properties"]["encoding"] == "UTF-8"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 10,
        random.Random(7).randbytes(4096),
        b"\x00\x01\x02\x03" * 100,
    ],
    ids=["all-bytes", "random", "nul-heavy"],
)
def test_binary_content_cannot_be_detected_and_is_1375(data):
    with pytest.raises(UserError) as caught:
        detect(data)
    assert caught.value.code == "1375-400"
    assert "Enter the properties manually" in caught.value.message


def test_gzip_of_binary_content_is_1375():
    with pytest.raises(UserError) as caught:
        detect(compress(os.urandom(2048), "gzip"))
    assert caught.value.code == "1375-400"


def test_empty_file_is_1371_even_when_detecting():
    with pytest.raises(UserError) as caught:
        detect(b"")
    assert caught.value.code == "1371-400"


def test_gzip_of_nothing_is_1371_when_detecting():
    with pytest.raises(UserError) as caught:
        detect(compress(b"", "gzip"))
    assert caught.value.code == "1371-400"


def test_detection_and_preview_share_one_fetch_of_a_small_file():
    data = compress(CSV, "gzip")
    source = MemorySource(data)
    preview(source, PreviewOptions(determine_properties=True))
    assert source.bytes_read == len(data)


def test_detection_and_parquet_preview_share_one_fetch_of_a_small_file():
    data = parquet_bytes(pa.table({"n": [1, 2, 3]}))
    source = MemorySource(data)
    preview(source, PreviewOptions(determine_properties=True))
    assert source.bytes_read == len(data)


def test_bzip2_compressed_tar_is_1375_naming_what_is_supported():
    with pytest.raises(UserError) as caught:
        detect(compress(compress(CSV, "tar"), "bzip2"))
    assert caught.value.code == "1375-400"
    assert "not bzip2" in caught.value.message
