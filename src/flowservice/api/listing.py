"""A list request's query parameters, parsed for one resource with the service's page sizes."""

from __future__ import annotations

from collections import defaultdict

from fastapi import Request

from flowservice.resources.fields import Fields
from flowservice.resources.listing import ListQuery, parse_list_query
from flowservice.settings import Settings

__all__ = ["list_query"]


def list_query(request: Request, fields: Fields, settings: Settings) -> ListQuery:
    params: dict[str, list[str]] = defaultdict(list)
    for name, value in request.query_params.multi_items():
        params[name].append(value)
    return parse_list_query(
        params, fields, default_limit=settings.default_page_size, max_limit=settings.max_page_size
    )
