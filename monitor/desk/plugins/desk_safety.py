"""Security headers, formula-safe CSV/JSON exports, and (with --public) no debug pages:
see monitor.desk.safety."""

from __future__ import annotations

from datasette import hookimpl

from monitor.desk import PLUGIN_NAME
from monitor.desk.safety import safety_wrapper


@hookimpl
def asgi_wrapper(datasette):
    public = bool((datasette.plugin_config(PLUGIN_NAME) or {}).get("public"))

    def wrap(app):
        return safety_wrapper(app, public=public)

    return wrap
