"""The one filter parser: declared fields, document paths with [], quotes, numbers, case."""

from __future__ import annotations

from typing import Any

import pytest

from flowservice.errors import UserError
from flowservice.resources.fields import Field, Fields
from flowservice.resources.filters import parse_filter, values_at
from flowservice.resources.listing import parse_list_query

FLOWS = Fields.of(
    "flows",
    [
        Field("id", "id"),
        Field("name", "name", sortable=True),
        Field("createdAt", "created_at", "int", True),
    ],
    any_path=True,
    folded_paths=frozenset({"state", "metrics.statusSummary.status"}),
)
FLOW: dict[str, Any] = {
    "id": "f-1",
    "state": "enabled",
    "sourceConnectionIds": ["s-1", "s-2"],
    "inheritedAttributes": {
        "properties": {"isSourceFlow": True},
        "targetConnections": [{"id": "t-1", "connectionSpec": {"id": "c604ff05"}}],
    },
    "scheduleParams": {"startTime": "1597784298", "interval": "15"},
    "metrics": {"statusSummary": {"status": "failed"}},
}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("sourceConnectionIds[]==s-2", True),
        ("sourceConnectionIds[]==s-3,s-1", True),
        ("sourceConnectionIds==s-2", True),
        ("sourceConnectionIds[]!=s-1", False),
        ("sourceConnectionIds[]!=s-9", True),
        ("inheritedAttributes.properties.isSourceFlow==true", True),
        ("inheritedAttributes.properties.isSourceFlow==false", False),
        ("inheritedAttributes.targetConnections[].connectionSpec.id==c604ff05", True),
        ('inheritedAttributes.targetConnections[].connectionSpec.id=="c604ff05"', True),
        ("metrics.statusSummary.status==Failed", True),
        ("metrics.statusSummary.status==success", False),
        ("scheduleParams.startTime>1597784297", True),
        ("scheduleParams.interval>=16", False),
        ("scheduleParams.interval==15.0", True),
        ("labels[]!=core", True),
        ("labels[]==core", False),
    ],
)
def test_document_paths(text: str, matches: bool) -> None:
    assert parse_filter(text, FLOWS).matches(FLOW) is matches


def test_values_at_flattens_arrays_at_brackets_and_at_the_end() -> None:
    assert values_at(FLOW, "inheritedAttributes.targetConnections[].id") == ["t-1"]
    assert values_at(FLOW, "sourceConnectionIds") == ["s-1", "s-2"]
    assert values_at(FLOW, "no.such.path") == []


def test_declared_fields_become_sql_and_document_paths_do_not() -> None:
    assert parse_filter("name==x", FLOWS).field.in_sql
    assert not parse_filter("state==enabled", FLOWS).field.in_sql


@pytest.mark.parametrize(
    ("text", "code"),
    [("a..b==x", "1449-400"), ("name==", "1453-400"), ("name", "1450-400"), ("name~x", "1440-400")],
)
def test_bad_filters(text: str, code: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_filter(text, FLOWS)
    assert caught.value.code == code


def test_a_token_names_its_resource_and_is_refused_elsewhere() -> None:
    query = parse_list_query({"limit": ["2"]}, FLOWS, default_limit=50, max_limit=500)
    token = query.next_token((1700000000000, "f-1"))
    again = parse_list_query({"continuationToken": [token]}, FLOWS, default_limit=50, max_limit=500)
    assert again.after == (1700000000000, "f-1")
    assert again.limit == 2
    runs = Fields.of("runs", FLOWS.declared, any_path=True)
    with pytest.raises(UserError) as caught:
        parse_list_query({"continuationToken": [token]}, runs, default_limit=50, max_limit=500)
    assert caught.value.code == "1452-400"


def test_count_false_is_not_a_count_request_even_with_limit() -> None:
    query = parse_list_query(
        {"count": ["False"], "limit": ["10"]}, FLOWS, default_limit=50, max_limit=500
    )
    assert (query.count, query.limit) == (False, 10)
