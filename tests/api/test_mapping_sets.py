"""Data Prep ``/mappingSets`` over HTTP: create, versions, lists, invalid expressions."""

from __future__ import annotations

import httpx
import pytest

from tests.support.wire import error_code

MAPPINGS = [
    {"sourceType": "ATTRIBUTE", "source": "id", "destination": "id"},
    {"sourceType": "expression", "source": 'concat(first, " ", last)', "destination": "name"},
]


def test_create_read_and_versions(conversion: httpx.Client) -> None:
    created = conversion.post("/mappingSets", json={"mappings": MAPPINGS})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["version"] == 0
    assert {"id", "createdDate", "modifiedDate", "createdBy", "modifiedBy"} <= set(body)
    mapping_id = body["id"]
    got = conversion.get(f"/mappingSets/{mapping_id}").json()
    assert got["mappings"][1]["sourceType"] == "EXPRESSION"
    newer = conversion.put(f"/mappingSets/{mapping_id}", json={"mappings": MAPPINGS[:1]})
    assert newer.json()["version"] == 1
    assert len(conversion.get(f"/mappingSets/{mapping_id}").json()["mappings"]) == 1
    assert (
        len(
            conversion.get(f"/mappingSets/{mapping_id}", params={"version": "0"}).json()["mappings"]
        )
        == 2
    )
    assert conversion.get(f"/mappingSets/{mapping_id}", params={"version": "7"}).status_code == 404
    listed = conversion.get("/mappingSets").json()
    assert [m["id"] for m in listed["data"]] == [mapping_id]
    assert listed["_page"]["count"] == 1


def test_newer_data_prep_spelling_is_accepted(conversion: httpx.Client) -> None:
    body = {"mappings": [{"sourceAttribute": "Id", "destinationXdmPath": "_id", "identity": False}]}
    created = conversion.post("/mappingSets", json=body)
    assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    ("mappings", "named"),
    [
        ([{"source": "upper(", "sourceType": "EXPRESSION", "destination": "x"}], "destination x"),
        (
            [{"source": "shout(a)", "sourceType": "EXPRESSION", "destination": "x"}],
            "unknown function",
        ),
        (
            [{"source": "date(a, b)", "sourceType": "EXPRESSION", "destination": "x"}],
            "format must be",
        ),
        (
            [{"source": "a", "destination": "x"}, {"source": "b", "destination": "X"}],
            "same destination",
        ),
        ([{"source": "a", "sourceType": "SQL", "destination": "x"}], "sourceType"),
        ([], "mappings"),
    ],
)
def test_invalid_mapping_sets_are_400_naming_the_problem(
    conversion: httpx.Client, mappings: list[dict[str, str]], named: str
) -> None:
    response = conversion.post("/mappingSets", json={"mappings": mappings})
    assert response.status_code == 400, response.text
    assert error_code(response) == "1100-400"
    assert response.json()["type"].startswith("https://ns.adobe.com/aep/errors/DATAPREP-")
    assert named in response.json()["errorMessage"]
    assert conversion.get("/mappingSets").json()["_page"]["count"] == 0
