"""Table counts that stop at 10,000 rows on the database and home pages (monitor.desk.counts)."""

from __future__ import annotations

from datasette import hookimpl

from monitor.desk import desk_database_name
from monitor.desk.counts import bound_counts


@hookimpl
def startup(datasette):
    name = desk_database_name(datasette)
    if name in datasette.databases:
        bound_counts(datasette.databases[name])
