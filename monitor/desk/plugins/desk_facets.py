"""Facets of items by state and nationality (from facts) and their filters."""

from __future__ import annotations

from datasette import hookimpl

from monitor.desk.facets import FactFacet, fact_filters


@hookimpl
def register_facet_classes():
    return [FactFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    async def inner():
        return await fact_filters(request, database, table, datasette)

    return inner
