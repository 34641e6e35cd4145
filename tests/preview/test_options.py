import pytest

from flowservice.errors import UserError
from flowservice.preview import PreviewOptions
from flowservice.preview.options import Properties


def test_from_query_matches_names_and_values_case_insensitively():
    options = PreviewOptions.from_query(
        {"filetype": "DELIMITED", "COMPRESSIONTYPE": "GZIP", "Encoding": "utf-8"}
    )
    assert options == PreviewOptions(
        file_type="delimited", compression_type="gzip", encoding="UTF-8"
    )


def test_camel_case_enum_values_are_canonicalised():
    options = PreviewOptions.from_query({"fileType": "json", "compressionType": "targzip"})
    assert options.compression_type == "tarGzip"
    options = PreviewOptions.from_query({"fileType": "json", "compressionType": "ZIPDEFLATE"})
    assert options.compression_type == "zipDeflate"


def test_iso_8859_1_encoding_is_accepted_in_any_case():
    options = PreviewOptions.from_query({"fileType": "delimited", "encoding": "iso-8859-1"})
    assert options.encoding == "ISO-8859-1"


@pytest.mark.parametrize("raw", ["\t", "\\t"], ids=["real-tab", "backslash-t"])
def test_tab_delimiter_is_accepted_as_a_tab_or_as_backslash_t(raw):
    options = PreviewOptions.from_query({"fileType": "delimited", "columnDelimiter": raw})
    assert options.column_delimiter == "\t"


@pytest.mark.parametrize("raw", [";;", "tab", "\\n", "\\\\t"])
def test_delimiter_of_more_than_one_character_is_1331(raw):
    with pytest.raises(UserError) as caught:
        PreviewOptions.from_query({"fileType": "delimited", "columnDelimiter": raw})
    assert caught.value.code == "1331-400"
    assert "one character" in caught.value.message


@pytest.mark.parametrize("raw", ['"', "\n", "\r"])
def test_quote_or_line_break_delimiter_is_1331(raw):
    with pytest.raises(UserError) as caught:
        PreviewOptions(file_type="delimited", column_delimiter=raw)
    assert caught.value.code == "1331-400"


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("fileType", "json"),
        ("columnDelimiter", ";"),
        ("compressionType", "gzip"),
        ("encoding", "UTF-8"),
    ],
)
def test_determine_properties_with_an_explicit_property_is_1374(param, value):
    with pytest.raises(UserError) as caught:
        PreviewOptions.from_query({"determineProperties": "true", param: value})
    assert caught.value.code == "1374-400"
    assert param in caught.value.message


def test_determine_properties_false_with_properties_is_fine():
    options = PreviewOptions.from_query({"determineProperties": "FALSE", "fileType": "json"})
    assert options.determine_properties is False
    assert options.file_type == "json"


def test_missing_file_type_without_determine_properties_is_1376():
    with pytest.raises(UserError) as caught:
        PreviewOptions.from_query({"compressionType": "gzip"})
    assert caught.value.code == "1376-400"
    assert "fileType" in caught.value.message


@pytest.mark.parametrize(
    ("param", "value", "allowed"),
    [
        ("fileType", "csv", "delimited, json, parquet"),
        ("compressionType", "zip", "none, gzip, bzip2, deflate, zipDeflate, tar, tarGzip"),
        ("encoding", "UTF-16", "UTF-8, ISO-8859-1"),
        ("determineProperties", "yes", "true, false"),
    ],
)
def test_unknown_value_is_1377_naming_the_param_and_allowed_values(param, value, allowed):
    query = {"fileType": "delimited", param: value}
    with pytest.raises(UserError) as caught:
        PreviewOptions.from_query(query)
    assert caught.value.code == "1377-400"
    assert param in caught.value.message
    assert allowed in caught.value.message


def test_compression_with_parquet_is_1377():
    with pytest.raises(UserError) as caught:
        PreviewOptions.from_query({"fileType": "parquet", "compressionType": "gzip"})
    assert caught.value.code == "1377-400"


def test_unrelated_params_are_ignored_and_empty_values_count_as_absent():
    options = PreviewOptions.from_query(
        {
            "objectType": "file",
            "object": "/b/x.csv",
            "preview": "true",
            "fileType": "json",
            "columnDelimiter": "",
            "encoding": "",
        }
    )
    assert options == PreviewOptions(file_type="json")


def test_direct_construction_is_validated_like_the_query():
    with pytest.raises(UserError) as caught:
        PreviewOptions(file_type="csv")  # type: ignore[arg-type]
    assert caught.value.code == "1377-400"
    with pytest.raises(UserError) as caught:
        PreviewOptions()
    assert caught.value.code == "1376-400"
    with pytest.raises(ValueError, match="max_rows"):
        PreviewOptions(file_type="json", max_rows=0)


def test_explicit_properties_fill_the_contract_defaults():
    assert PreviewOptions(file_type="delimited").properties() == Properties(
        "delimited", "none", ",", "UTF-8"
    )
    assert PreviewOptions(file_type="json", compression_type="bzip2").properties() == Properties(
        "json", "bzip2", None, "UTF-8"
    )
    assert PreviewOptions(file_type="parquet").properties() == Properties("parquet", "none")
