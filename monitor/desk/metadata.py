"""Datasette 0.65 metadata for a monitor database, from the desk's own configuration (desk.yml):
descriptions, facets, hidden plumbing, and the canned queries and dashboard charts that the
database's schema can run (a query for a table a later migration adds is left out until then)."""

from __future__ import annotations

import copy
import html
import logging
import os
import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from monitor.desk import CONFIG_FILE, PLUGIN_NAME, register_sql_functions

logger = logging.getLogger(__name__)

FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_docsize", "_config", "_content")
_NAMED_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def database_name(db_path: str | os.PathLike) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(db_path).stem


def load_desk_config() -> dict:
    with open(CONFIG_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def read_schema(db_path: str | os.PathLike) -> dict[str, list[str]]:
    """{table: [columns]} of a database file, read-only."""
    with _read_only(db_path) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")]
        return {name: [row[1] for row in conn.execute(f"PRAGMA table_info([{name}])")]
                for name in names}


class _read_only:
    def __init__(self, db_path: str | os.PathLike) -> None:
        path = Path(db_path)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such database")
        self.conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        register_sql_functions(self.conn)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def compiles(conn: sqlite3.Connection, sql: str) -> bool:
    """Does this SQL compile against the database (tables, columns and functions exist)?"""
    params = {name: "" for name in _NAMED_PARAMETER.findall(sql)}
    try:
        conn.execute("EXPLAIN " + sql, params).fetchall()
    except sqlite3.Error as exc:
        logger.debug("query does not compile: %s", exc)
        return False
    return True


def _fts_tables(db_path: str | os.PathLike) -> set[str]:
    with _read_only(db_path) as conn:
        return {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND sql LIKE 'CREATE VIRTUAL TABLE%USING FTS%'")}


def _table_metadata(name: str, config: dict, columns: list[str], fts: set[str],
                    has_facts: bool) -> dict:
    meta: dict[str, Any] = {"description": config.get("description", "")}
    if columns:
        meta["columns"] = {c: d for c, d in (config.get("columns") or {}).items() if c in columns}
    for key in ("sort", "sort_desc", "label_column"):
        if config.get(key) in columns:
            meta[key] = config[key]
    if config.get("size"):
        meta["size"] = config["size"]
    facets: list = [f for f in config.get("facets", []) if f in columns]
    if has_facts:
        facets += [{"fact": name} for name in config.get("fact_facets", [])]
    if facets:
        meta["facets"] = facets
    if f"{name}_fts" in fts:
        meta["fts_table"] = f"{name}_fts"
        meta["fts_pk"] = "rowid"
    if config.get("hidden"):
        meta["hidden"] = True
    return meta


def _canned_queries(queries: dict, db_path: str | os.PathLike) -> dict:
    """Each query with the first SQL variant that compiles; queries with none are left out."""
    chosen = {}
    with _read_only(db_path) as conn:
        for name, query in queries.items():
            variants = query["sql"] if isinstance(query["sql"], list) else [query["sql"]]
            sql = next((v for v in variants if compiles(conn, v)), None)
            if sql is None:
                logger.warning("canned query %s left out: it does not compile against %s",
                               name, db_path)
                continue
            chosen[name] = {**{k: v for k, v in query.items() if k != "sql"}, "sql": sql}
    return chosen


def _dashboards(dashboards: dict, database: str, db_path: str | os.PathLike) -> dict:
    """datasette-dashboards config with `db` filled in; charts whose SQL does not compile
    (after dropping the optional [[ ]] filter clauses) are left out."""
    out = copy.deepcopy(dashboards)
    with _read_only(db_path) as conn:
        for slug, dashboard in out.items():
            for flt in dashboard.get("filters", {}).values():
                if "query" in flt:
                    flt["db"] = database
            charts = dashboard.get("charts", {})
            for chart_slug in list(charts):
                chart = charts[chart_slug]
                chart["db"] = database
                if not compiles(conn, re.sub(r"\[\[.*?\]\]", "", chart["query"], flags=re.S)):
                    logger.warning("chart %s/%s left out: its query does not compile", slug, chart_slug)
                    del charts[chart_slug]
            dashboard["layout"] = [[c if c in charts else "." for c in row]
                                   for row in dashboard.get("layout", [])]
    return out


def _home_html(database: str, queries: dict, allow_sql: bool) -> str:
    """The desk's front page text: a search box and the ways in."""
    db = "/" + quote(database)

    def link(name: str, text: str, extra: str = "") -> str:
        if name not in queries:
            return ""
        return f'<li><a href="{db}/{name}">{html.escape(text)}</a>{extra}</li>'

    lines = [
        "<p>Law-enforcement operations collected from agency newsrooms and the news.</p>",
        f'<form action="{db}/items" method="get" class="desk-search">'
        '<label for="desk-search">Search items</label> '
        '<input type="search" name="_search" id="desk-search" '
        'placeholder="e.g. fentanyl Brockton"> <input type="submit" value="Search"></form>',
        "<ul>",
        link("latest_operations", "Latest operations",
             ": each operation once, with its arrest figure and who reported it; "
             '<a href="/-/operations">all operations</a> by state, agency, dates and name'),
        link("items_readable", "All items",
             f', newest first, as a reviewer reads them (<a href="{db}/items_readable?when=week">'
             f'this week</a>, <a href="{db}/items_readable?when=month">this month</a>); the '
             f'<a href="{db}/items">items table</a> has every column, with facets by source, '
             "agency, state and nationality"),
        link("search", "Saved search",
             ": full-text search with filters; every search is also an Atom feed"),
        link("new_relevant_items", "New relevant items",
             f' (<a href="{db}/new_relevant_items.atom">Atom feed</a>)'),
        link("arrests_by_state_month", "Arrests by state and month"),
        link("items_by_agency_week", "Items by agency per week"),
        link("events_with_coverage", "Operations and their coverage"),
        link("source_health", "Source health"),
        link("recent_errors", "Recent errors"),
        link("duplicates", "Duplicates and their originals"),
        link("item_revisions", "An item's revisions"),
    ]
    if allow_sql:
        lines.append('<li><a href="/-/dashboards">Dashboards</a>: '
                     '<a href="/-/dashboards/operations">operations</a> and '
                     '<a href="/-/dashboards/sources">source health</a></li>')
    lines.append("</ul>")
    return "\n".join(line for line in lines if line)


def datasette_metadata(db_path: str | os.PathLike, *, allow_sql: bool = True,
                       database: str | None = None, public: bool = False) -> dict:
    """Datasette 0.65 metadata for a monitor database: titles and descriptions of every table
    and column, facets, hidden plumbing, the canned queries and dashboards that its schema
    supports. Reads the schema (read-only); the database must exist. `public` (the desk is
    reachable from other machines) turns off the debug pages (monitor.desk.safety)."""
    config = load_desk_config()
    name = database or database_name(db_path)
    schema = read_schema(db_path)
    fts = _fts_tables(db_path)
    has_facts = "facts" in schema
    tables: dict[str, dict] = {}
    for table, columns in schema.items():
        table_config = config["tables"].get(table)
        if table_config is not None:
            tables[table] = _table_metadata(table, table_config, columns, fts, has_facts)
        elif table in fts or any(table == f + s for f in fts for s in FTS_SHADOW_SUFFIXES):
            tables[table] = {"hidden": True}
        else:
            logger.warning("table %s is not described in %s", table, CONFIG_FILE.name)
    for table in fts:  # FTS shadow tables are plumbing
        for suffix in FTS_SHADOW_SUFFIXES:
            tables.setdefault(table + suffix, {"hidden": True})
    queries = _canned_queries(config["queries"], db_path)
    plugins: dict[str, Any] = {
        PLUGIN_NAME: {"database": name, "public": public},
        # Nothing scraped is ever rendered as Markdown/HTML (its default: *_markdown columns).
        "datasette-render-markdown": {"patterns": []},
    }
    if allow_sql:  # dashboards fetch their data with arbitrary SQL
        plugins["datasette-dashboards"] = _dashboards(config["dashboards"], name, db_path)
    return {
        "title": config["title"],
        "description_html": _home_html(name, queries, allow_sql),
        "about": "monitor",
        "databases": {
            name: {
                "title": config["title"],
                "description": config["description"],
                "tables": tables,
                "queries": queries,
            }
        },
        "plugins": plugins,
    }
