"""The monitor database: `Store` opens it (WAL, busy timeout) and does every write, one
transaction per item. The schema is in schema.py. Nothing here imports Scrapy."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from monitor.store import fts
from monitor.store.dates import normalise_date
from monitor.store import intel_links as intelligence
from monitor.items import COUNTERS
from monitor.intel.identity import canonical_url, choose_canonical, content_hash, item_id
from monitor.store.rows import insert_row, update_row
from monitor.store.schema import migrations, utcnow

logger = logging.getLogger(__name__)

DEFAULT_DB = "data/monitor.db"
BUSY_TIMEOUT_SECONDS = 30.0

# Outcomes of saving one page.
NEW, UPDATED, DUPLICATE, UNCHANGED = "new", "updated", "duplicate", "unchanged"
# Run states.
RUNNING, OK, PARTIAL, FAILED, ABORTED = "running", "ok", "partial", "failed", "aborted"

# The runs table keeps the totals of these counters; run_sources keeps all of them and links.
RUN_COUNTERS = tuple(c for c in COUNTERS if c not in ("known", "not_modified", "gone"))
SOURCE_COUNTERS = ("links", *COUNTERS)
RECHECK_AFTER_HOURS = (1, 6, 24, 24 * 7)  # re-fetch a stored item this long after first seen


def connect(path: str | os.PathLike, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection with a busy timeout, WAL, and foreign keys on."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a crash loses no committed item
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MB: index reads in a large database
    return conn


class Store:
    """The monitor database. Open it, call `migrate()` once, then read and write."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB, *,
                 busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = connect(self.path, busy_timeout=busy_timeout)
        self.db = sqlite_utils.Database(self.conn)

    @classmethod
    def read_only(cls, path: str | os.PathLike) -> "Store":
        """An existing database opened for reading only (`monitor inspect`): nothing is
        created, migrated or written. FileNotFoundError when there is none at `path`."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        store = cls.__new__(cls)
        store.path = path
        store.conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True,
                                     check_same_thread=False)
        store.db = sqlite_utils.Database(store.conn)
        return store

    def decisions(self, ident: str, fields: dict, intel: dict) -> dict | None:
        """What the store would decide for an item not yet saved (`monitor inspect`): its
        near-duplicate and its event, with reasons. None for a database from before the
        intelligence tables."""
        try:
            return intelligence.explain(self.conn, ident, fields, intel)
        except sqlite3.OperationalError:
            return None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self) -> None:
        """Apply pending migrations; safe to call at every start, by any process."""
        with self.write():  # the write lock first, so two processes never migrate at once
            migrations.apply(self.db)

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front, so a second
        writer process waits (busy timeout) instead of failing half-way with SQLITE_BUSY."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- sources and runs -------------------------------------------------------------------

    def sync_sources(self, sources: list) -> None:
        """Record the configured sources (a `monitor.config.Source` list) and their settings."""
        now = utcnow()
        with self.write() as db:
            for source in sources:
                existing = db["sources"].count_where("name = ?", [source.name])
                row = {"name": source.name, "schedule": source.schedule, "kind": source.kind,
                       "url": source.url, "agency": source.agency, "item_kind": source.item_kind,
                       "updated": now}
                if existing:
                    db["sources"].update(source.name, row)
                else:
                    db["sources"].insert({**row, "added": now, "failures_in_row": 0})

    def sources(self, names: list[str] | None = None) -> list[dict]:
        """The configured sources' rows, by name; only `names` when given."""
        rows = list(self.db["sources"].rows_where(order_by="name"))
        return rows if names is None else [row for row in rows if row["name"] in names]

    def latest_published(self, source: str, limit: int) -> list[str]:
        """The newest publication dates of a source's items, newest first."""
        return [row[0] for row in self.conn.execute(
            "SELECT published FROM items WHERE source = ? AND published IS NOT NULL "
            "ORDER BY published DESC LIMIT ?", [source, limit])]

    def recent_source_runs(self, source: str, limit: int) -> list[dict]:
        """A source's last crawled runs (links found, status), newest first; a 304 answer shows
        no links, so runs that were not modified are left out."""
        return list(self.db.query(
            "SELECT links, status FROM run_sources WHERE source = ? AND status != 'skipped' "
            "AND not_modified = 0 ORDER BY run_id DESC LIMIT ?", [source, limit]))

    def set_source_state(self, name: str, state: str, *, since: str) -> None:
        with self.write() as db:
            db["sources"].update(name, {"state": state, "state_since": since})

    def errors(self) -> list[dict]:
        """Every recorded problem (source, url, kind, message), oldest first."""
        return list(self.db.query("SELECT source, url, kind, message FROM errors ORDER BY id"))

    def last_error(self, run_id: int, source: str) -> str | None:
        """`kind: message` of the last error a run recorded for a source."""
        row = self.conn.execute("SELECT kind, message FROM errors WHERE run_id = ? AND source = ? "
                                "AND severity = 'error' ORDER BY id DESC LIMIT 1",
                                [run_id, source]).fetchone()
        return f"{row[0]}: {row[1]}" if row else None

    def new_relevant_items(self, run_id: int) -> list[dict]:
        """The relevant originals a run found first (what a notification lists), each with its
        operation's figures (operations: the one arrest figure and who reported it)."""
        return [dict(row) for row in self.db.query(
            "SELECT i.title, i.url, i.source, i.agency, i.published, o.arrests, o.arrests_by, "
            "o.state, o.operation FROM items i LEFT JOIN operations o ON o.event_id = i.event_id "
            "WHERE i.first_run = ? AND coalesce(i.relevant, 1) = 1 AND i.duplicate_of IS NULL "
            "ORDER BY i.published DESC", [run_id])]

    def start_run(self, *, trigger: str, schedule: str | None, sources: list[str]) -> int:
        with self.write() as db:
            table = db["runs"]
            table.insert({"trigger": trigger, "schedule": schedule, "sources": json.dumps(sources),
                          "started": utcnow(), "status": RUNNING, "pid": os.getpid()})
            return int(table.last_pk)

    def finish_run(self, run_id: int, *, status: str, message: str | None = None,
                   per_source: dict[str, dict] | None = None) -> None:
        """Close a run: its totals, a `run_sources` row per source, and source health."""
        now = utcnow()
        per_source = per_source or {}
        totals = {k: sum(int(row.get(k, 0)) for row in per_source.values()) for k in RUN_COUNTERS}
        with self.write() as db:
            db["runs"].update(run_id, {**totals, "status": status, "ended": now, "message": message})
            for name, row in per_source.items():
                db["run_sources"].upsert({"run_id": run_id, "source": name,
                                          "status": row.get("status", OK),
                                          **{k: int(row.get(k, 0)) for k in SOURCE_COUNTERS}},
                                         pk=("run_id", "source"))
                if not db["sources"].count_where("name = ?", [name]) or row.get("status") == "skipped":
                    continue
                update: dict = {"last_run": run_id}
                if row.get("status") == FAILED:
                    db.execute("UPDATE sources SET failures_in_row = failures_in_row + 1, "
                               "last_error = ? WHERE name = ?", [row.get("error"), name])
                else:
                    update.update({"last_success": now, "failures_in_row": 0})
                if row.get("new"):
                    update["last_new_item"] = now
                db["sources"].update(name, update)

    def mark_abandoned_runs(self, *, alive=lambda run: False) -> list[int]:
        """Runs still 'running' whose process is gone (killed, crashed) become 'aborted'.
        `alive(run_row)` says whether a run's process still works on it."""
        with self.write() as db:
            stale = [row["id"] for row in db["runs"].rows_where("status = ?", [RUNNING])
                     if not alive(row)]
            for run_id in stale:
                db["runs"].update(run_id, {"status": ABORTED, "ended": utcnow(),
                                           "message": "the crawl process ended without closing the run"})
        return stale

    def record_remote_job(self, *, job: str, node: str, run_id: int, sources: list[str]) -> None:
        with self.write() as db:
            db["remote_jobs"].insert({"job": job, "node": node, "run_id": run_id,
                                      "sources": json.dumps(sources), "state": RUNNING,
                                      "started": utcnow()})

    def running_remote_jobs(self) -> list[dict]:
        return list(self.db["remote_jobs"].rows_where("state = ?", [RUNNING]))

    def close_remote_job(self, job: str, state: str) -> None:
        with self.write() as db:
            db["remote_jobs"].update(job, {"state": state, "ended": utcnow()})

    def last_run_start(self, schedule: str) -> str | None:
        """When the newest run of a schedule started (scheduled or manual), or None. An aborted
        run does not count: after a crash or a kill the schedule runs again at once."""
        row = self.conn.execute("SELECT max(started) FROM runs WHERE schedule = ? AND status != ?",
                                [schedule, ABORTED]).fetchone()
        return row[0] if row else None

    def run(self, run_id: int) -> dict:
        return self.db["runs"].get(run_id)

    # -- errors -----------------------------------------------------------------------------

    def record_error(self, *, run_id: int | None, source: str | None, url: str | None,
                     kind: str, message: str, severity: str = "error") -> None:
        """One failure (or a skip, with severity 'skip') of one URL in one run."""
        with self.write() as db:
            insert_row(db, "errors", {"run_id": run_id, "source": source, "url": url, "kind": kind,
                                      "severity": severity, "message": message[:2000], "at": utcnow()})

    # -- items ------------------------------------------------------------------------------

    def save(self, article: dict, page: Mapping, *, run_id: int | None,
             intel: dict | None) -> tuple[str, str]:
        """One fetched article as a crawl hands it over, by the local pipeline or from a Scrapyd
        node's feed alike: `page` holds where it came from (url, requested_url, source, agency,
        item_kind, via, recheck_of). A re-checked item is marked checked. (outcome, item id)."""
        outcome, ident = self.save_article(
            article, url=page["url"], requested_url=page.get("requested_url"),
            source=page["source"], agency=page.get("agency"), item_kind=page.get("item_kind"),
            via=page.get("via"), run_id=run_id, intel=intel)
        if page.get("recheck_of"):
            self.mark_checked(page["recheck_of"])
        return outcome, ident

    def record(self, problem: Mapping, *, run_id: int | None) -> str:
        """One crawl problem (source, url, kind, message, severity); returns the run counter it
        adds to: `skipped` for a skip, else `errors`."""
        severity = problem.get("severity") or "error"
        self.record_error(run_id=run_id, source=problem.get("source"), url=problem.get("url"),
                          kind=problem["kind"], message=problem["message"], severity=severity)
        return "skipped" if severity == "skip" else "errors"


    def is_known_url(self, url: str) -> bool:
        """Has a page at this URL (in canonical spelling) been stored or sighted already?"""
        canon = canonical_url(url)
        # An item's id is the hash of its canonical URL (item_id): its index is a third of the
        # size of the canonical_url index, so more of it stays cached in a large database.
        row = self.conn.execute(
            "SELECT 1 FROM items WHERE id = ? UNION ALL "
            "SELECT 1 FROM sightings WHERE url = ? LIMIT 1", [item_id(canon), canon]).fetchone()
        return row is not None

    def save_article(self, article: dict, *, url: str, source: str, run_id: int | None = None,
                     agency: str | None = None, item_kind: str | None = None,
                     via: str | None = None, requested_url: str | None = None,
                     intel: dict | None = None) -> tuple[str, str]:
        """Store one extracted article in one transaction; return (outcome, item id).

        - same canonical URL as a stored item: `unchanged`, or `updated` with the old version
          kept in revisions when title or text changed;
        - same normalised text as a stored item at another URL: `duplicate`, a sighting of it;
        - otherwise `new`.
        Every outcome records a sighting of (url, source, run). With `intel` (relevance, facts,
        signature from the worker), a new or changed item also gets its facts, its place in
        the near-duplicate index and its event, in the same transaction."""
        now = utcnow()
        canon = choose_canonical(url, article.get("canonical_url"))
        ident = item_id(canon)
        digest = content_hash(article["text"])
        sighted = {canonical_url(url)}
        if requested_url:
            sighted.add(canonical_url(requested_url))
        with self.write() as db:
            # Plain SQL on this path: sqlite-utils' insert and update re-read the table's schema
            # (table names, columns, primary keys) on every call, a dozen queries per item.
            current = db.execute(
                "SELECT content_hash, title, text, published, modified, last_changed "
                "FROM items WHERE id = ?", [ident]).fetchone()
            if current is None:
                twin = db.execute("SELECT id FROM items WHERE content_hash = ? AND duplicate_of IS NULL "
                                  "ORDER BY first_seen LIMIT 1", [digest]).fetchone()
                if twin is not None:
                    outcome, ident = DUPLICATE, twin[0]
                    update_row(db, "items", ident, {"last_seen": now, "last_run": run_id})
                else:
                    outcome = NEW
                    insert_row(db, "items", {
                        **_article_columns(article), "id": ident, "url": url,
                        "canonical_url": canon, "source": source, "agency": agency,
                        "kind": item_kind, "content_hash": digest, "first_seen": now,
                        "last_seen": now, "last_changed": now, "status": "live",
                        "first_run": run_id, "last_run": run_id,
                    })
            elif current[0] != digest or current[1] != article.get("title"):
                outcome = UPDATED
                # what event matching kept of the old text is stale (store_intel keeps it anew)
                db.execute("DELETE FROM event_features WHERE item_id = ?", [ident])
                old_hash, old_title, old_text, old_published, old_modified, valid_from = current
                insert_row(db, "revisions", {
                    "item_id": ident, "title": old_title, "text": old_text,
                    "content_hash": old_hash, "published": old_published,
                    "modified": old_modified, "valid_from": valid_from,
                    "replaced_at": now, "run_id": run_id,
                })
                update_row(db, "items", ident, {**_article_columns(article), "content_hash": digest,
                                                "last_seen": now, "last_changed": now,
                                                "status": "live", "last_run": run_id})
            else:
                outcome = UNCHANGED
                update_row(db, "items", ident, {"last_seen": now, "last_run": run_id, "status": "live"})
            for seen_url in sorted(sighted):
                db.execute(
                    "INSERT OR IGNORE INTO sightings (item_id, url, source, run_id, seen_at, via) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [ident, seen_url, source, run_id, now, via])
            if intel is not None and outcome in (NEW, UPDATED):
                intelligence.store_intel(db, ident, intel, now=now)
        return outcome, ident

    def items_due_for_recheck(self, sources: list[str], *, now: datetime | None = None,
                              limit: int = 50) -> list[dict]:
        """Live items of these sources whose next re-check (1 h, 6 h, 24 h, 7 d after first
        seen) is due, oldest due first."""
        now = now or datetime.now(timezone.utc)
        oldest = (now - timedelta(hours=RECHECK_AFTER_HOURS[-1] * 2)).isoformat()
        marks = ",".join("?" * len(sources))
        rows = self.db.query(
            f"SELECT id, url, canonical_url, source, first_seen, checks FROM items "
            f"WHERE source IN ({marks}) AND status = 'live' AND checks < ? AND first_seen >= ? "
            f"ORDER BY first_seen", [*sources, len(RECHECK_AFTER_HOURS), oldest])
        due = []
        for row in rows:
            after = timedelta(hours=RECHECK_AFTER_HOURS[row["checks"]])
            due_at = datetime.fromisoformat(row["first_seen"]) + after
            if due_at <= now:
                due.append({**row, "due_at": due_at.isoformat()})
        return sorted(due, key=lambda r: r["due_at"])[:limit]

    def mark_checked(self, item_id: str) -> None:
        with self.write() as db:
            db.execute("UPDATE items SET checks = checks + 1, last_checked = ? WHERE id = ?",
                       [utcnow(), item_id])

    def mark_gone(self, item_id: str, *, run_id: int | None = None) -> None:
        """A stored release that now answers 404/410: marked gone, never deleted."""
        now = utcnow()
        with self.write() as db:
            db.execute("UPDATE items SET status = 'gone', gone_since = coalesce(gone_since, ?), "
                       "checks = checks + 1, last_checked = ?, last_run = ? WHERE id = ?",
                       [now, now, run_id, item_id])

    def earlier_sighting(self, url: str, source: str, *, before: str) -> dict | None:
        """The item a source sighted at this URL before `before` (an ISO time: the start of
        the current run), with its stored `modified`; None when it did not."""
        row = self.conn.execute(
            "SELECT items.id, items.modified FROM sightings JOIN items ON items.id = sightings.item_id "
            "WHERE sightings.url = ? AND sightings.source = ? AND sightings.seen_at < ? LIMIT 1",
            [canonical_url(url), source, before]).fetchone()
        return {"item_id": row[0], "modified": row[1]} if row else None

    def skipped_pages_due(self, sources: list[str], *, before: str, since: str,
                          attempts: int) -> list[dict]:
        """Pages of these sources skipped as `not_article` since `since`, last skipped before
        `before`, fewer than `attempts` times, and not stored or sighted since: {source, url}."""
        marks = ",".join("?" * len(sources))
        rows = self.conn.execute(
            f"SELECT source, url FROM errors WHERE source IN ({marks}) AND kind = 'not_article' "
            f"AND url IS NOT NULL AND at >= ? GROUP BY source, url "
            f"HAVING count(*) < ? AND max(at) <= ? ORDER BY max(at) LIMIT 200",
            [*sources, since, attempts, before]).fetchall()
        return [{"source": source, "url": url} for source, url in rows
                if not self.is_known_url(url)]

    def last_run_blocks(self, source: str) -> list[dict]:
        """The `blocked` errors (bot challenges) of the newest run that crawled this source."""
        rows = self.conn.execute(
            "SELECT url, message FROM errors WHERE source = ? AND kind = 'blocked' AND run_id = "
            "(SELECT max(run_id) FROM run_sources WHERE source = ? AND status != 'skipped') "
            "ORDER BY id", [source, source]).fetchall()
        return [{"url": url, "message": message} for url, message in rows]

    def validators(self, url: str) -> dict | None:
        """The ETag / Last-Modified a source URL answered with last time."""
        row = self.conn.execute("SELECT etag, last_modified FROM http_validators WHERE url = ?",
                                [url]).fetchone()
        return {"etag": row[0], "last_modified": row[1]} if row else None

    def save_validators(self, url: str, *, etag: str | None, last_modified: str | None) -> None:
        with self.write() as db:
            db["http_validators"].upsert({"url": url, "etag": etag, "last_modified": last_modified,
                                          "updated": utcnow()}, pk="url")

    def search(self, query: str, limit: int = 20) -> list[dict]:
        """Full-text search on title and text, best match first, in FTS5's syntax (OR, NOT,
        "phrases", prefix*); any user input is safe."""
        match = fts.user_query(query)  # words, OR, NOT, -word, "phrases", prefix*: a query that runs
        if not match or match == fts.MATCH_NOTHING:
            return []
        sql = ("SELECT items.* FROM items JOIN items_fts ON items.rowid = items_fts.rowid "
               "WHERE items_fts MATCH ? ORDER BY items_fts.rank LIMIT ?")
        return [dict(row) for row in self.db.query(sql, [match, limit])]

    def count(self, table: str) -> int:
        return self.db[table].count


DATE_COLUMNS = ("published", "modified")
ARTICLE_COLUMNS = ("title", "text", "description", "published", "published_from", "modified",
                   "modified_from", "author", "site", "language", "content_type")


def _article_columns(article: dict) -> dict:
    columns = {key: article.get(key) for key in ARTICLE_COLUMNS}
    for key in DATE_COLUMNS:  # one format, whatever the page or feed wrote (monitor.store.dates)
        columns[key] = normalise_date(columns[key])
    return columns

