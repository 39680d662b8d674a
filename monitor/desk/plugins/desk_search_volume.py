"""A table search that matches most of a large store answers in time (monitor.desk.search):
Datasette's own `?_search=` filter on the items table is kept, and limited to the newest
SEARCH_CAP matches (or the metadata's `monitor-desk: search_cap`), said so on the page, when
it is the only filter and matches more."""

from __future__ import annotations

from datasette import hookimpl
from datasette.database import QueryInterrupted

from monitor.desk import PLUGIN_NAME, desk_database_name
from monitor.desk.search import (
    SEARCH_CAP,
    capped_description,
    only_search,
    search_clause,
)

ITEMS_TABLE = "items"


def _is_datasette_search(hook) -> bool:
    return (getattr(hook, "__module__", "") == "datasette.filters"
            and getattr(hook, "__qualname__", "").startswith("search_filters."))


async def _capped(arguments, request, database, datasette):
    if not arguments or "search" not in arguments.params or not only_search(request.args):
        return arguments
    fts_table = datasette.table_metadata(database, ITEMS_TABLE).get("fts_table")
    if not fts_table:
        return arguments
    for match in ("escape_fts(:search)", ":search"):
        exact = search_clause(fts_table, match)
        if exact in arguments.where_clauses:
            break
    else:  # not the shape we know: leave Datasette's search as it is
        return arguments
    search = arguments.params["search"]
    cap = int((datasette.plugin_config(PLUGIN_NAME) or {}).get("search_cap") or SEARCH_CAP)
    try:
        matches = (await datasette.get_database(database).execute(
            f"select count(*) from {fts_table} where {fts_table} match {match}",
            {"search": search})).rows[0][0]
    except QueryInterrupted:
        matches = None
    if matches is not None and matches <= cap:
        return arguments
    arguments.where_clauses = [search_clause(fts_table, match, cap) if clause == exact
                               else clause for clause in arguments.where_clauses]
    plain = f'search matches "{search}"'
    arguments.human_descriptions = [
        capped_description(search, cap, matches) if text == plain else text
        for text in arguments.human_descriptions]
    return arguments


@hookimpl(hookwrapper=True)
def filters_from_request(request, database, table, datasette):
    outcome = yield
    if table != ITEMS_TABLE or database != desk_database_name(datasette):
        return
    if "_search" not in request.args:
        return
    hooks = outcome.get_result()

    def capped(hook):
        async def inner():
            arguments = await hook()
            return await _capped(arguments, request, database, datasette)
        return inner

    outcome.force_result([capped(hook) if _is_datasette_search(hook) else hook for hook in hooks])
