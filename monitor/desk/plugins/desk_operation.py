"""The operations list (/-/operations) and the operation page (/-/operation/<event id>), and
links to an operation page from event_id cells (see monitor.desk.operations_page)."""

from __future__ import annotations

import hashlib
from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from monitor.desk import ITEM_PATH, desk_database_name
from monitor.desk.operations_page import (FILTERS, OPERATION_PATH, OPERATIONS_PATH, operation_detail,
                                          operations_list)


async def _database(datasette, request) -> str:
    database = desk_database_name(datasette)
    if database is None or not await datasette.get_database(database).table_exists("operations"):
        raise NotFound("No operations table")
    await datasette.ensure_permissions(request.actor, [
        ("view-table", (database, "operations")), ("view-database", database), "view-instance"])
    return database


def _links(datasette, database: str) -> dict:
    return {
        "database": database,
        "database_hex": hashlib.md5(database.encode("utf8")).hexdigest()[:6],
        "item_href": lambda ident: datasette.urls.path(ITEM_PATH + quote(str(ident), safe="")),
        "operation_href": lambda ident: datasette.urls.path(OPERATION_PATH + quote(str(ident), safe="")),
        "operations_href": datasette.urls.path(OPERATIONS_PATH),
    }


async def list_page(datasette, request):
    database = await _database(datasette, request)
    args = {key: request.args.get(key, "") for key in (*FILTERS, "before")}
    context = await operations_list(datasette.get_database(database), args)
    chosen = {k: v for k, v in context["args"].items() if v}
    next_url = (datasette.urls.path(OPERATIONS_PATH) + "?" + urlencode({**chosen, "before": context["next_before"]})
                if context["next_before"] else None)
    return Response.html(await datasette.render_template("desk_operations.html", {
        **context, **_links(datasette, database), "next_url": next_url,
        "table_url": datasette.urls.table(database, "operations"),
    }, request=request), status=400 if context["problems"] else 200)


async def operation_page(datasette, request):
    database = await _database(datasette, request)
    event_id = request.url_vars["event_id"]
    context = await operation_detail(datasette.get_database(database), event_id)
    if context is None:
        raise NotFound(f"No operation with id {event_id}")
    return Response.html(await datasette.render_template("desk_operation.html", {
        **context, **_links(datasette, database),
        "row_url": datasette.urls.row(database, "operations", event_id),
    }, request=request))


@hookimpl
def register_routes():
    return [(r"^" + OPERATIONS_PATH + r"$", list_page),
            (r"^" + OPERATION_PATH + r"(?P<event_id>[^/]+)$", operation_page)]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    # event_id cells (the operations table, canned queries) link to the operation page
    if column != "event_id" or not value or database != desk_database_name(datasette):
        return None
    href = datasette.urls.path(OPERATION_PATH + quote(str(value), safe=""))
    return Markup('<a href="{}">{}</a>').format(href, value)


@hookimpl
def menu_links(datasette, actor):
    return [{"href": datasette.urls.path(OPERATIONS_PATH), "label": "Operations"}]
