"""The `monitor` command: parses options, calls the library, prints."""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from pathlib import Path

import click

from monitor import settings as monitor_settings
from monitor.cli.options import ConfigProblem, common_options, read_schedules
from monitor.config import ConfigError, Schedule, notify_targets, select_sources
from monitor import __version__
from monitor.desk.server import DEFAULT_PORT as DESK_PORT
from monitor.items import COUNTERS

logger = logging.getLogger(__name__)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
def cli() -> None:
    """Watch law-enforcement newsrooms and the news: crawl, deduplicate, store in SQLite.

    \b
    Examples:
      monitor crawl                      crawl every schedule in schedules/
      monitor crawl ice-newsroom doj     one source and one schedule
      monitor sources check              fetch each source and report what it finds
      monitor inspect https://www.ice.gov/news/releases/...   what would be stored
      monitor search "operation arrests"
    """


@cli.command()
@common_options
@click.option("--port", default=DESK_PORT, type=int, show_default=True,
              help="Port of the Datasette desk (MONITOR_DESK_PORT).")
@click.option("--no-serve", is_flag=True, help="Do not start Datasette beside the scheduler.")
@click.option("--stop-grace", default=20, show_default=True,
              help="Seconds a running crawl gets to stop on shutdown before it is killed.")
@click.option("--node", "node_urls", multiple=True, metavar="URL",
              help="A Scrapyd node to send runs to (repeat; default MONITOR_SCRAPYD_NODES).")
def start(db_path: str, schedules_dir: str, port: int, no_serve: bool, stop_grace: int,
          node_urls: tuple[str, ...]) -> None:
    """Run the daemon: every schedule on its trigger, Datasette beside it.

    Each due run is a crawl process with the schedule's time limit. Prints one "ready" line
    when scheduling has begun. SIGHUP reloads schedules/ (a bad config is reported and the
    old one kept); SIGTERM or Ctrl-C stops running crawls (marked aborted) and exits 0.
    Logs go to stderr and to monitor.log beside the database.

    \b
    Examples:
      monitor start
      monitor start --no-serve --db /var/lib/monitor/monitor.db
      kill -HUP $(pgrep -f "monitor start")     # reload schedules
    """
    from monitor.runs.daemon import Daemon, setup_logging
    from monitor.runs.nodes import configured_nodes

    read_schedules(schedules_dir)  # refuse to start on a bad config, with the file and line
    if not no_serve:  # a daemon that says its desk is up must have one
        from monitor.desk.server import DEFAULT_HOST, port_problem

        problem = port_problem(DEFAULT_HOST, port)
        if problem:
            raise click.ClickException(f"the desk cannot start: {problem} (or --no-serve)")
    setup_logging(db_path)
    daemon = Daemon(db_path, schedules_dir, serve=not no_serve, port=port, stop_grace=stop_grace,
                    nodes=configured_nodes(list(node_urls)))
    try:
        status = daemon.start()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None
    sys.exit(status)


@cli.command()
@common_options
def status(db_path: str, schedules_dir: str) -> None:
    """Source health (ok, blocked, stale, failing, empty, new), next run times and the daemon's state.

    \b
    Example:
      monitor status --db data/monitor.db
    """
    from monitor.runs.daemon import next_run_times
    from monitor.runs.health import source_health
    from monitor.runs.locks import LockHeld, daemon_lock
    from monitor.desk.server import missing_database
    from monitor.store import Store

    schedules = read_schedules(schedules_dir)
    if problem := missing_database(db_path):  # a mistyped --db must not create an empty database
        raise click.ClickException(problem)
    lock = daemon_lock(db_path)
    try:
        lock.acquire().release()
        click.echo("daemon: not running")
    except LockHeld:
        click.echo(f"daemon: running (pid {lock.holder_pid()})")
    nexts = next_run_times(schedules, db_path)
    click.echo("\nschedule              next run (UTC)")
    for schedule in schedules:
        when = nexts.get(schedule.name)
        click.echo(f"{schedule.name:<21} {when:%Y-%m-%d %H:%M:%S}" if when else f"{schedule.name:<21} disabled")
    with Store(db_path) as store:
        store.migrate()
        rows = source_health(store)
        remote = store.running_remote_jobs()
    _echo_nodes(remote)
    click.echo("")
    header = ("source", "state", "last success", "last new item", "fails", "usual", "reason")
    table = [header] + [(r["name"], r["state"], (r["last_success"] or "-")[:16],
                         (r["last_new_item"] or "-")[:16], str(r["failures_in_row"]),
                         r["usual_interval"] or "-", r["reason"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])


def _echo_nodes(recorded: list[dict]) -> None:
    """Scrapyd nodes (when configured): their load and the jobs they run."""
    from monitor.runs.nodes import NodeError, configured_nodes, project_name

    nodes = configured_nodes()
    if not nodes:
        return
    click.echo("\nScrapyd node                     state   pending running finished")
    for node in nodes:
        try:
            answer = node.status()
            click.echo(f"{node.url:<32} ok      {answer.get('pending', 0):>7} "
                       f"{answer.get('running', 0):>7} {answer.get('finished', 0):>8}")
            jobs = node.jobs(project_name())
            for job in jobs.get("running", []) + jobs.get("pending", []):
                mine = next((r for r in recorded if r["job"] == job.get("id")), None)
                what = f"run {mine['run_id']}: {mine['sources']}" if mine else "not started by this daemon"
                click.echo(f"  job {job.get('id')} ({'running' if job in jobs.get('running', []) else 'pending'}): {what}")
        except NodeError as exc:
            click.echo(f"{node.url:<32} DOWN    {exc}")


@cli.group()
def nodes() -> None:
    """Scrapyd nodes: deploy the spiders to them, list them."""


@nodes.command("deploy")
@click.argument("urls", nargs=-1)
def nodes_deploy(urls: tuple[str, ...]) -> None:
    """Build the spiders as an egg and upload it to every node (addversion.json), as
    scrapyd-deploy does. Credentials: MONITOR_SCRAPYD_USERNAME / MONITOR_SCRAPYD_PASSWORD.

    \b
    Examples:
      monitor nodes deploy http://10.0.0.5:6800 http://10.0.0.6:6800
      MONITOR_SCRAPYD_NODES="http://10.0.0.5:6800" monitor nodes deploy
    """
    from monitor.runs.nodes import configured_nodes, deploy

    targets = configured_nodes(list(urls))
    if not targets:
        raise click.ClickException("no nodes: name them, or set MONITOR_SCRAPYD_NODES")
    failed = 0
    for url, result in deploy(targets).items():
        click.echo(f"{url}: {result}")
        failed += result.startswith("failed")
    if failed:
        sys.exit(1)


@nodes.command("list")
def nodes_list() -> None:
    """Each configured node's state and running jobs."""
    _echo_nodes([])


@cli.command()
@click.argument("names", nargs=-1)
@common_options
@click.option("-q", "--quiet", is_flag=True, help="No progress lines, only the summary.")
@click.option("-v", "--verbose", count=True, help="Scrapy's log: -v info, -vv debug.")
@click.option("--trigger", type=click.Choice(["manual", "schedule"]), default="manual",
              hidden=True, help="Who started the run (the daemon passes 'schedule').")
def crawl(names: tuple[str, ...], db_path: str, schedules_dir: str, quiet: bool, verbose: int,
          trigger: str) -> None:
    """Crawl sources now, in the foreground, and store what is new.

    NAMES are source or schedule names; none means every enabled schedule. Prints a line per
    stored item or problem, then a per-source summary. Exit status 0 when the crawl ran (even
    if some pages failed), 2 for a bad configuration or name.

    \b
    Examples:
      monitor crawl
      monitor crawl federal --db /tmp/test.db
      MONITOR_SCHEDULES=./my-schedules monitor crawl local-news
    """
    from monitor.runs.crawl import run_crawl

    schedules = read_schedules(schedules_dir)
    sources = _chosen_sources(schedules_dir, names, schedules)
    schedule = names[0] if len(names) == 1 and any(s.name == names[0] for s in schedules) else None
    if not quiet:
        click.echo(f"Crawling {len(sources)} source(s) into {db_path} ...", err=True)
    result = run_crawl(sources, db_path=db_path, trigger=trigger, schedule=schedule,
                       progress=not quiet, log_level=_log_level(verbose),
                       notify_targets=notify_targets(schedules, sources))
    for name in result.busy:
        click.echo(f"skipped {name}: another run is crawling it right now", err=True)
    click.echo(format_summary(result.per_source))
    click.echo(f"run {result.run_id}: {result.status}")


def _chosen_sources(schedules_dir: str, names: tuple[str, ...],
                    schedules: list[Schedule] | None = None) -> list:
    schedules = schedules if schedules is not None else read_schedules(schedules_dir)
    try:
        sources = select_sources(schedules, names)
    except KeyError as exc:
        raise ConfigProblem(exc.args[0]) from None
    if not sources:
        raise ConfigProblem("no enabled sources to crawl")
    return sources


def _log_level(verbose: int) -> str:
    return {0: "WARNING", 1: "INFO"}.get(verbose, "DEBUG")


def format_summary(per_source: dict[str, dict[str, int]]) -> str:
    """A plain-text table: one row per source and a total row."""
    header = ("source",) + COUNTERS
    rows = [(name,) + tuple(str(counts.get(c, 0)) for c in COUNTERS)
            for name, counts in per_source.items()]
    rows.append(("TOTAL",) + tuple(str(sum(c.get(k, 0) for c in per_source.values()))
                                   for k in COUNTERS))
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths)))
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@cli.command()
@click.argument("target")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print the fields as JSON.")
@click.option("--text/--no-text", default=True, help="Include the article text.")
@click.option("--kind", "item_kind", type=click.Choice(["news", "press_release"]), default="news",
              show_default=True, help="Item kind used for relevance.")
def inspect(target: str, db_path: str, schedules_dir: str, as_json: bool, text: bool,
            item_kind: str) -> None:
    """Show what would be stored for one page (a URL or a saved file), writing nothing:
    the extracted fields, relevance with its reasons, facts with the text they came from, and,
    against --db, the near-duplicate and event decisions with their reasons.

    \b
    Examples:
      monitor inspect https://www.ice.gov/news/releases/some-release
      monitor inspect saved-page.html --json
      monitor inspect release.pdf
    """
    from monitor.crawling.worker import process_page
    from monitor.intel.identity import choose_canonical, content_hash
    from monitor.items import CrawlProblem, Page

    body, url = _read_target(target)
    is_pdf = body[:5] == b"%PDF-"
    # the extraction worker's own job, as a crawl would run it on this page
    done = process_page(Page(source="inspect", url=url, body=body, item_kind=item_kind,
                             content_type="application/pdf" if is_pdf else "text/html"))
    if isinstance(done, CrawlProblem):
        if as_json:
            click.echo(json.dumps({"url": url, "article": None, "reason": done.message}, indent=2))
        else:
            click.echo(f"{url}: not an article: {done.message}")
        return
    fields, intel = done.article, done.intel
    canonical = choose_canonical(url, fields.get("canonical_url"))
    fields["item_canonical_url"] = canonical
    fields["content_hash"] = content_hash(fields["text"])
    fields["relevance"] = intel["relevance"]
    fields["facts"] = [{k: v for k, v in fact.items() if k not in ("start", "end")} | {"span": [fact["start"], fact["end"]]}
                       for fact in intel["facts"]]
    fields["decisions"] = _decisions(db_path, canonical, fields, intel)
    if not text:
        fields.pop("text")
    if as_json:
        click.echo(json.dumps(fields, indent=2, ensure_ascii=False))
        return
    for key, value in fields.items():
        if key not in ("text", "relevance", "facts", "decisions"):
            click.echo(f"{key:>18}: {value}")
    rel = fields["relevance"]
    click.echo(f"\n{'relevance':>18}: {rel['score']:.2f} ({'relevant' if rel['relevant'] else 'not relevant'})")
    for reason in rel["reasons"]:
        click.echo(f"{'':>20}- {reason}")
    click.echo(f"{'facts':>18}: {len(fields['facts'])}")
    for fact in fields["facts"]:
        detail = ", ".join(f"{k}={fact[k]}" for k in ("code", "count", "qualifier") if fact.get(k) is not None)
        click.echo(f"{'':>20}- {fact['kind']}: {fact['value']} ({detail}) \u2190 \"{fact['quote']}\" [{fact['field']}]")
    decisions = fields["decisions"]
    if decisions is None:
        click.echo(f"{'decisions':>18}: no database at {db_path}: near-duplicates and events not checked")
    else:
        dup = decisions["near_duplicate"]
        click.echo(f"{'near-duplicate':>18}: " + (
            "no stored item shares a band" if not dup else
            f"{'yes' if dup['is_near_duplicate'] else 'no'}: closest {dup['item_id']} "
            f"\"{dup['title']}\" similarity {dup['similarity']} (threshold {dup['threshold']})"))
        event = decisions["event"]
        click.echo(f"{'event':>18}: " + ("not relevant: no event" if not event else
                   f"{event['event_id'] or 'new event'}: {event['reason']}"))
    if text:
        click.echo("\n" + fields["text"])


def _decisions(db_path: str, canonical: str, fields: dict, intel: dict) -> dict | None:
    """Near-duplicate and event decisions against the database, read-only; None without one."""
    from monitor.intel.identity import item_id
    from monitor.store import Store

    try:
        store = Store.read_only(db_path)
    except FileNotFoundError:
        return None
    try:
        return store.decisions(item_id(canonical), fields, intel)
    finally:
        store.close()


def _read_target(target: str) -> tuple[bytes, str]:
    path = Path(target)
    if path.exists():
        return path.read_bytes(), path.resolve().as_uri()
    if not target.startswith(("http://", "https://")):
        raise click.ClickException(f"{target}: no such file, and not an http(s) URL")
    limit = int(monitor_settings.get("MONITOR_MAX_PAGE_BYTES"))
    request = urllib.request.Request(target, headers={"User-Agent": monitor_settings.user_agent()})
    try:
        with urllib.request.urlopen(request, timeout=int(monitor_settings.get("MONITOR_DOWNLOAD_TIMEOUT"))) as response:
            body = response.read(limit + 1)
            final_url = response.geturl()
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{target}: cannot fetch: {exc}") from None
    if len(body) > limit:
        raise click.ClickException(f"{target}: larger than MONITOR_MAX_PAGE_BYTES ({limit} bytes)")
    return body, final_url


@cli.group()
def sources() -> None:
    """List the configured sources, or check that they work."""


@sources.command("list")
@common_options
def sources_list(db_path: str, schedules_dir: str) -> None:
    """Print every configured source with its schedule, kind and URL."""
    for schedule in read_schedules(schedules_dir):
        state = "" if schedule.enabled else " (disabled)"
        click.echo(f"{schedule.name} ({schedule.trigger_text}){state}")
        for source in schedule.sources:
            flag = "" if source.enabled else " (disabled)"
            click.echo(f"  {source.name:<24} {source.kind:<8} {source.agency or '-':<8} "
                       f"{source.url}{flag}")


@sources.command("check")
@click.argument("names", nargs=-1)
@common_options
@click.option("-v", "--verbose", count=True, help="Scrapy's log: -v info, -vv debug.")
def sources_check(names: tuple[str, ...], db_path: str, schedules_dir: str, verbose: int) -> None:
    """Fetch each source (not its articles) and report the kind detected, the article links
    found and any error. Writes nothing to the database. Needs internet for the defaults.

    \b
    Examples:
      monitor sources check
      monitor sources check ice-newsroom dhs-press-releases
    """
    import tempfile

    from monitor.runs.crawl import run_crawl
    from monitor.runs.health import BLOCKED_HINT
    from monitor.store import Store

    chosen = _chosen_sources(schedules_dir, names)
    with tempfile.TemporaryDirectory(prefix="monitor-check-") as scratch:
        scratch_db = str(Path(scratch) / "check.db")
        result = run_crawl(chosen, db_path=scratch_db, check_only=True,
                           log_level=_log_level(verbose))
        with Store(scratch_db) as store:
            store.migrate()
            problems = store.errors()
    failing = 0
    for source in chosen:
        mine = [p for p in problems if p["source"] == source.name]
        links = result.links(source.name)
        detected = result.detected.get(source.name, "-")
        blocked = [p for p in mine if p["kind"] == "blocked"]
        ok = links > 0 and not blocked
        failing += not ok
        label = "ok  " if ok else "BLKD" if blocked else "FAIL"
        click.echo(f"{label} {source.name:<24} kind={detected:<8} "
                   f"links={links:<5} {source.url}")
        for problem in mine[:5]:
            click.echo(f"       {problem['kind']}: {problem['url']}: {problem['message']}")
        if blocked:
            click.echo(f"       hint: {BLOCKED_HINT}")
    click.echo(f"{len(chosen) - failing} of {len(chosen)} sources OK")
    if failing:
        sys.exit(1)


@cli.command()
@click.argument("query")
@common_options
@click.option("-n", "--limit", default=20, show_default=True, help="How many results.")
def search(query: str, db_path: str, schedules_dir: str, limit: int) -> None:
    """Full-text search of stored items (title and text), best match first.

    All words must match; also OR, NOT or -word, "a phrase", prefix* and title:word, as in
    SQLite FTS5. Anything else typed is read as text. Says "no matches" when none match.

    \b
    Examples:
      monitor search "fentanyl operation"
      monitor search 'fentanyl OR heroin -award'
      monitor search '"four-day operation" arrest*'
    """
    from monitor.desk.server import missing_database
    from monitor.store import Store

    if problem := missing_database(db_path):
        raise click.ClickException(problem)
    with Store(db_path) as store:
        rows = store.search(query, limit=limit)
    if not rows:
        click.echo(f"no matches for {query!r}")
    for row in rows:
        click.echo(f"{(row['published'] or '')[:10]:<10}  {row['source']:<18}  {row['title']}")
        click.echo(f"{'':<10}  {row['url']}")


def main() -> None:
    cli(prog_name="monitor")


def _register_desk_commands() -> None:
    from monitor.cli.desk_commands import demo, serve

    cli.add_command(serve)
    cli.add_command(demo)


_register_desk_commands()
