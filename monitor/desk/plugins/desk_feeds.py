"""`.atom` for any table view or canned query that returns items (see monitor.desk.feeds)."""

from __future__ import annotations

from datasette import hookimpl

from monitor.desk.feeds import CONTENT_TYPE, atom_feed, can_render_atom


def _can_render(columns):
    return can_render_atom(columns)


async def _render(datasette, request, columns, rows, database, table, query_name, data):
    if not can_render_atom(columns):
        # A dict, not a Response: Datasette overwrites a Response's status with the query's.
        return {"body": "An Atom feed needs id (or atom_id), title (or atom_title) and a time "
                        "column (atom_updated, first_seen or published).",
                "status_code": 400, "content_type": "text/plain; charset=utf-8"}
    title = None
    if query_name:
        query = await datasette.get_canned_query(database, query_name, request.actor)
        title = (query or {}).get("title") or query_name
        chosen = [f"{key}: {request.args.get(key)}" for key in request.args.keys()
                  if not key.startswith("_") and request.args.get(key)]
        if chosen:
            title += " (" + "; ".join(chosen) + ")"
    elif table:
        described = (data or {}).get("human_description_en")
        title = f"{table} {described}" if described else table
    feed_url = datasette.absolute_url(request, request.full_path)
    html_path = request.path.rsplit(".atom", 1)[0]
    html_url = datasette.absolute_url(
        request, html_path + (f"?{request.query_string}" if request.query_string else ""))
    body = atom_feed((dict(zip(columns, row)) for row in rows), feed_url=feed_url,
                     title=f"{title or 'Query'} · {datasette.metadata('title') or 'monitor'}",
                     desk_url=datasette.absolute_url(request, datasette.urls.instance()),
                     html_url=html_url)
    return {"body": body, "status_code": 200, "content_type": CONTENT_TYPE}


@hookimpl(trylast=True)  # last wins per extension: ours over datasette-atom if both are installed
def register_output_renderer(datasette):
    return {"extension": "atom", "render": _render, "can_render": _can_render}
