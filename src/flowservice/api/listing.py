"""A list request: its query parameters, parsed for one resource with the service's page sizes,
and its answer (a count, or a page with its ``next`` link)."""

from __future__ import annotations

from collections import defaultdict

from fastapi import Request
from starlette.responses import Response

from flowservice.api.responses import json_response
from flowservice.resources.fields import Fields
from flowservice.resources.listing import ListQuery, links, parse_list_query
from flowservice.resources.reader import Reader
from flowservice.settings import Settings
from flowservice.tenancy import Tenant

__all__ = ["list_query", "list_response"]


def list_query(request: Request, fields: Fields, settings: Settings) -> ListQuery:
    params: dict[str, list[str]] = defaultdict(list)
    for name, value in request.query_params.multi_items():
        params[name].append(value)
    return parse_list_query(
        params, fields, default_limit=settings.default_page_size, max_limit=settings.max_page_size
    )


async def list_response(
    reader: Reader, tenant: Tenant, query: ListQuery, resource: str
) -> Response:
    """``{"count"}`` when the query asks for it, else one page and the link to the next."""
    if query.count:
        return json_response({"count": await reader.total(tenant, query)})
    page = await reader.list(tenant, query)
    return json_response({"items": page.items, "_links": links(resource, page.next_token)})
