import dataclasses

import flowservice.preview as preview_package
from flowservice.preview import PreviewOptions
from tests.preview.samples import CSV, CSV_ROWS, run


def test_public_api_is_exactly_preview_and_options():
    assert preview_package.__all__ == ["PreviewOptions", "preview"]
    assert callable(preview_package.preview)


def test_preview_options_fields_and_defaults_are_pinned():
    fields = {f.name: f.default for f in dataclasses.fields(PreviewOptions)}
    assert fields == {
        "file_type": None,
        "column_delimiter": None,
        "compression_type": None,
        "encoding": None,
        "determine_properties": False,
        "max_rows": 100,
    }
    assert dataclasses.is_dataclass(PreviewOptions)
    assert PreviewOptions.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_document_has_contract_keys_and_no_properties_unless_determined():
    document = run(CSV, file_type="delimited")
    assert list(document) == ["format", "schema", "data"]
    assert document["format"] == "flat"
    assert document["schema"]["columns"][0] == {
        "name": "Id",
        "type": "integer",
        "xdm": {"type": "integer"},
    }
    assert document["data"] == CSV_ROWS
