"""The operations list (/-/operations) and the operation page (/-/operation/<event id>), and
links to an operation page from event_id cells (see monitor.desk.operations_page)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from monitor.desk import OPERATION_PATH, OPERATIONS_PATH, desk_database_name, page_database, page_links
from monitor.desk.operations_page import FILTERS, operation_detail, operations_list


async def list_page(datasette, request):
    database = await page_database(datasette, request, "operations")
    args = {key: request.args.get(key, "") for key in (*FILTERS, "before")}
    context = await operations_list(datasette.get_database(database), args)
    chosen = {k: v for k, v in context["args"].items() if v}
    next_url = (datasette.urls.path(OPERATIONS_PATH) + "?" + urlencode({**chosen, "before": context["next_before"]})
                if context["next_before"] else None)
    return Response.html(await datasette.render_template("desk_operations.html", {
        **context, **page_links(datasette, database), "next_url": next_url,
        "table_url": datasette.urls.table(database, "operations"),
    }, request=request), status=400 if context["problems"] else 200)


async def operation_page(datasette, request):
    database = await page_database(datasette, request, "operations")
    event_id = request.url_vars["event_id"]
    context = await operation_detail(datasette.get_database(database), event_id)
    if context is None:
        raise NotFound(f"No operation with id {event_id}")
    return Response.html(await datasette.render_template("desk_operation.html", {
        **context, **page_links(datasette, database),
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
