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


def desk_database_name(datasette) -> str | None:
    """The database the desk reviews: the configured one, else the first attached file."""
    configured = (datasette.plugin_config(PLUGIN_NAME) or {}).get("database")
    if configured:
        return configured
    names = [name for name in datasette.databases if name not in ("_internal", "_memory")]
    return names[0] if names else None


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
