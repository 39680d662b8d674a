"""?_when=week|month, ?_since=, ?_until= on the items and operations tables (monitor.desk.dates)."""

from __future__ import annotations

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import BadRequest

from monitor.desk import desk_database_name
from monitor.desk.dates import DATE_COLUMNS, DateFilterError, date_range, where_clause


@hookimpl
def filters_from_request(request, database, table, datasette):
    if table not in DATE_COLUMNS or database != desk_database_name(datasette):
        return None
    if not any(request.args.get(k) for k in ("_when", "_since", "_until")):
        return None
    try:
        first, last, described = date_range(request.args)
    except DateFilterError as exc:
        raise BadRequest(str(exc)) from None
    clause, params = where_clause(table, first, last)
    return FilterArguments([clause], params=params, human_descriptions=[described])
