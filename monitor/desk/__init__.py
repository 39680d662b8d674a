"""The review desk's Datasette side: its configuration (desk.yml), plugins and templates.

The modules here hold the logic (search safety, feeds, the item page, fact facets); the files in
plugins/ only register them with Datasette, which loads that directory with --plugins-dir.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG_FILE = HERE / "desk.yml"
PLUGINS_DIR = HERE / "plugins"
TEMPLATES_DIR = HERE / "templates"

PLUGIN_NAME = "monitor-desk"  # plugins: monitor-desk: {database: NAME} in the metadata
ITEM_PATH = "/-/item/"
OPERATIONS_PATH = "/-/operations"
OPERATION_PATH = "/-/operation/"


def desk_database_name(datasette) -> str | None:
    """The database the desk reviews: the configured one, else the first attached file."""
    configured = (datasette.plugin_config(PLUGIN_NAME) or {}).get("database")
    if configured:
        return configured
    names = [name for name in datasette.databases if name not in ("_internal", "_memory")]
    return names[0] if names else None


async def page_database(datasette, request, table: str) -> str:
    """The database a desk page over `table` reads, once the reader may view that table
    (Datasette's NotFound / Forbidden otherwise)."""
    from datasette.utils.asgi import NotFound

    database = desk_database_name(datasette)
    if database is None or not await datasette.get_database(database).table_exists(table):
        raise NotFound(f"No {table} table")
    await datasette.ensure_permissions(request.actor, [
        ("view-table", (database, table)), ("view-database", database), "view-instance"])
    return database


def page_links(datasette, database: str) -> dict:
    """What the desk's own pages link with: the database, its colour, item and operation pages."""
    import hashlib
    from urllib.parse import quote

    def path(prefix: str):
        return lambda ident: datasette.urls.path(prefix + quote(str(ident), safe=""))

    return {
        "database": database,
        "database_hex": hashlib.md5(database.encode("utf8")).hexdigest()[:6],
        "item_href": path(ITEM_PATH),
        "operation_href": path(OPERATION_PATH),
        "operations_href": datasette.urls.path(OPERATIONS_PATH),
    }


def register_sql_functions(conn) -> None:
    """The desk's SQL functions, on a Datasette connection (plugin) or our own (query checks):
    desk_fts(text) a safe FTS5 query, desk_diff(old, new) a text diff, desk_html(text) escaped."""
    import html

    from monitor.desk.review import diff_text
    from monitor.desk.search import safe_fts_query

    conn.create_function("desk_fts", 1, safe_fts_query, deterministic=True)
    conn.create_function("desk_diff", 2, diff_text, deterministic=True)
    conn.create_function("desk_html", 1, lambda v: None if v is None else html.escape(str(v)),
                         deterministic=True)
