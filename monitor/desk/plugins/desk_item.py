"""The item review page: /-/item/<id>."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response

from monitor.desk import ITEM_PATH, page_database, page_links
from monitor.desk.review import item_review


async def item_page(datasette, request):
    database = await page_database(datasette, request, "items")
    item_id = request.url_vars["item_id"]
    context = await item_review(datasette.get_database(database), item_id)
    if context is None:
        raise NotFound(f"No item with id {item_id}")
    row_path = tilde_encode(item_id)
    return Response.html(await datasette.render_template("desk_item.html", {
        **context,
        **page_links(datasette, database),
        "row_url": datasette.urls.row(database, "items", row_path),
        "row_json_url": datasette.urls.row(database, "items", row_path, format="json"),
    }, request=request))


@hookimpl
def register_routes():
    return [(r"^" + ITEM_PATH + r"(?P<item_id>[^/]+)$", item_page)]
