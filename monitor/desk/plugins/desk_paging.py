"""Sorted table pages that `_next` walks without repeating or skipping rows (monitor.desk.paging)."""

from __future__ import annotations

from datasette import hookimpl

from monitor.desk import desk_database_name
from monitor.desk.paging import (
    end_request,
    forget_table_page,
    mark_table_page,
    tiebreak_table_pages,
)


@hookimpl
def startup(datasette):
    name = desk_database_name(datasette)
    if name in datasette.databases:
        tiebreak_table_pages(datasette.databases[name])


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def one_request(scope, receive, send):
            token = forget_table_page()  # nothing marked by an earlier request leaks into this one
            try:
                await app(scope, receive, send)
            finally:
                end_request(token)

        return one_request

    return wrap


@hookimpl
def filters_from_request(request, database, table, datasette):
    if database != desk_database_name(datasette):
        return None

    async def mark():  # awaited in the request's own task, before the page's query runs
        await mark_table_page(datasette.get_database(database), table)

    return mark
