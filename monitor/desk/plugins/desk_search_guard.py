"""Searches and sorts that can't fail: unsafe FTS input is rewritten before Datasette sees it,
and a sort by a column that doesn't exist is a 400, not Datasette 0.65's 500."""

from __future__ import annotations

from datasette import hookimpl
from datasette.views.base import DatasetteError

from monitor.desk.search import guard_query_string


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope.get("type") == "http" and scope.get("query_string"):
                query_string = guard_query_string(scope["query_string"])
                if query_string is not scope["query_string"]:
                    scope = dict(scope, query_string=query_string)
            await app(scope, receive, send)

        return guarded

    return wrap


@hookimpl
def handle_exception(datasette, request, exception):
    # Datasette's own handler (trylast) renders the page; we only correct the status.
    if isinstance(exception, DatasetteError) and str(exception).startswith("Cannot sort"):
        exception.status = 400
