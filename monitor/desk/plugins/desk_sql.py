"""SQL functions for the desk's canned queries and charts, and how their cells are shown."""

from __future__ import annotations

from urllib.parse import quote

from datasette import hookimpl
from markupsafe import Markup

from monitor.desk import ITEM_PATH, desk_database_name, register_sql_functions
from monitor.desk.search import safe_fts_query

# Title column -> the id column of the item it names, for a link to the review page.
TITLE_LINKS = {"title": "id", "original_title": "original_id"}


@hookimpl(trylast=True)  # after Datasette's own: our escape_fts() replaces its
def prepare_connection(conn) -> None:
    register_sql_functions(conn)
    # in place of Datasette's own escape_fts(), which ?_search= goes through
    conn.create_function("escape_fts", 1, safe_fts_query, deterministic=True)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != desk_database_name(datasette) or table not in (None, "items"):
        return None
    if column == "diff" and table is None and isinstance(value, str):
        return Markup('<pre class="desk-diff">{}</pre>').format(value)
    id_column = TITLE_LINKS.get(column)
    if id_column is None:
        return None
    try:
        item_id = row[id_column]
    except (IndexError, KeyError):
        return None
    if not item_id:
        return None
    href = datasette.urls.path(ITEM_PATH + quote(str(item_id), safe=""))
    return Markup('<a href="{}">{}</a>').format(href, value if value not in (None, "") else "(untitled)")
