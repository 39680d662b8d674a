"""SQL of the intelligence layer, inside the store's item transaction: relevance columns,
facts rows, the banded near-duplicate index (lsh_bands) and event membership. The decisions
themselves are made by the pure modules relevance, facts, neardup and events."""

from __future__ import annotations

import json
import logging
import weakref
import sqlite_utils

from monitor.intel import events, neardup, rewrites
from monitor.intel.facts import EXTRACTOR_VERSION, Fact
from monitor.store import operations
from monitor.store.rows import insert_rows, update_row

logger = logging.getLogger(__name__)

MAX_NEAR_DUP_CANDIDATES = 200   # band collisions checked per new item (most share no band)
UNDATED_CANDIDATES = 200        # latest events an undated item is compared with


def store_intel(db: sqlite_utils.Database, item_id: str, intel: dict, *, now: str) -> None:
    """Write what the worker computed for a new or changed item, then link it."""
    relevance = intel.get("relevance") or {}
    sig = intel.get("signature") or []
    stored = db.execute("SELECT signature FROM items WHERE id = ?", [item_id]).fetchone()
    old_sig = json.loads(stored[0]) if stored and stored[0] else []
    update_row(db, "items", item_id, {
        "relevance": relevance.get("score"), "relevant": intel.get("relevant"),
        "relevance_reasons": json.dumps(relevance.get("reasons", [])),
        "signature": json.dumps(sig) if sig else None})
    db.execute("DELETE FROM facts WHERE item_id = ?", [item_id])
    rows = [{**fact, "item_id": item_id, "extractor_version": EXTRACTOR_VERSION}
            for fact in intel.get("facts", [])]
    insert_rows(db, "facts", rows)
    _index_near_duplicate(db, item_id, sig, old_sig)
    if intel.get("relevant"):  # events are enforcement operations: irrelevant items stay out
        _assign_event(db, item_id, now=now)


def _index_near_duplicate(db, item_id: str, sig: list[int], old_sig: list[int]) -> None:
    """Replace the item's bands (those of `old_sig`, its stored signature) with those of `sig`;
    link it to the earliest live item it nearly repeats (syndicated copy, light rewrite).
    Candidates come from band collisions, never from a scan of all items."""
    db.conn.executemany(_DELETE_BAND, [(b, h, item_id) for b, h in neardup.bands(old_sig)])
    if not sig:
        return
    item_bands = neardup.bands(sig)
    best = neardup.near_duplicate_of(sig, _signatures(db, _near_dup_candidates(db, item_bands, item_id)))
    current = db.execute("SELECT duplicate_of FROM items WHERE id = ?", [item_id]).fetchone()
    linkable = best is not None and best[0] != item_id and not _has_copies(db, item_id)
    if linkable and _published_before(db, item_id, best[0]):
        # crawled later but published earlier: the stored original and its copies copy this one
        db.execute("UPDATE items SET duplicate_of = ? WHERE duplicate_of = ?", [item_id, best[0]])
        # a copy follows its original: a retelling it was linked as goes
        update_row(db, "items", best[0], {"duplicate_of": item_id, "duplicate_score": round(best[1], 3),
                                          "rewrite_of": None, "rewrite_score": None})
        if current and current[0]:
            update_row(db, "items", item_id, {"duplicate_of": None, "duplicate_score": None})
    elif linkable:
        update_row(db, "items", item_id, {"duplicate_of": best[0], "duplicate_score": round(best[1], 3)})
    elif current and current[0]:
        update_row(db, "items", item_id, {"duplicate_of": None, "duplicate_score": None})
    db.conn.executemany(_INSERT_BAND, [(b, h, item_id) for b, h in item_bands])


def _near_dup_candidates(db, item_bands: list[tuple[int, str]], item_id: str) -> list[str]:
    """The stored items that share a band with the item, most shared bands first."""
    clauses = " OR ".join("(band = ? AND hash = ?)" for _ in item_bands)
    params = [v for pair in item_bands for v in pair]
    return [row[0] for row in db.execute(
        f"SELECT item_id FROM lsh_bands WHERE ({clauses}) AND item_id != ? "
        f"GROUP BY item_id ORDER BY count(*) DESC LIMIT {MAX_NEAR_DUP_CANDIDATES}",
        [*params, item_id]).fetchall()]


def _published_before(db, item_id: str, other: str) -> bool:
    """Whether the item was published before `other` (both dated): copy and original follow
    publication time, not the order of the crawl."""
    published = dict(db.execute("SELECT id, published FROM items WHERE id IN (?, ?)", [item_id, other]).fetchall())
    mine, theirs = published.get(item_id), published.get(other)
    return bool(mine and theirs) and rewrites.original_of(theirs, mine) == 1


def _signatures(db, item_ids: list[str]):
    """(id, signature, duplicate_of) of the items, in the order given (near_duplicate_of keeps the
    first of equals): near_duplicate_of's candidates, read in one query."""
    if not item_ids:
        return
    rows = {row[0]: row[1:] for row in db.execute(
        f"SELECT id, signature, duplicate_of FROM items WHERE id IN ({','.join('?' * len(item_ids))})",
        item_ids).fetchall()}
    for item_id in item_ids:
        signature, duplicate_of = rows.get(item_id, (None, None))
        if signature:
            yield item_id, json.loads(signature), duplicate_of


# lsh_bands is one B-tree keyed (band, hash, item_id) (m009): an item's rows are found by key.
_INSERT_BAND = "INSERT OR IGNORE INTO lsh_bands (band, hash, item_id) VALUES (?, ?, ?)"
_DELETE_BAND = "DELETE FROM lsh_bands WHERE band = ? AND hash = ? AND item_id = ?"


def _has_copies(db, item_id: str) -> bool:
    return db.execute("SELECT 1 FROM items WHERE duplicate_of = ? LIMIT 1", [item_id]).fetchone() is not None


# Per database handle: item id -> (version, EventCandidate). Every new relevant item is compared
# with the events of its time window, rebuilt from their members; building a member reads its
# facts and its text (or the keywords stored from it), so the candidates are kept while their item
# and facts stay as they are.
_CANDIDATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
MAX_CACHED_CANDIDATES = 20_000


# What an item's kept event features were made from; a row that no longer fits is not read.
_MADE_FROM = "title, content_hash, (SELECT max(id) FROM facts WHERE item_id = items.id)"
# An undated item has no date here: never the time it was crawled, which would stretch its
# event's window to the crawl and keep it from the operation it reports (issue 18).
_VERSION_COLUMNS = f"kind, published, {_MADE_FROM}"
# parameters: keywords (JSON list), lead_chars, version, item id
SAVE_FEATURES_SQL = ("INSERT OR REPLACE INTO event_features (item_id, keywords, lead_chars, version, "
                     f"title, content_hash, last_fact) SELECT id, ?, ?, ?, {_MADE_FROM} FROM items "
                     "WHERE id = ?")
_CHUNK = 500  # ids per IN (...) list, well under SQLite's limit of bound parameters


def candidate_of(db, item_id: str) -> events.EventCandidate | None:
    version = db.execute(f"SELECT {_VERSION_COLUMNS} FROM items WHERE id = ?", [item_id]).fetchone()
    return None if version is None else _candidates(db, {item_id: tuple(version)})[item_id]


def _candidates(db, versions: dict[str, tuple]) -> dict[str, events.EventCandidate]:
    """The items' candidates, from the cache where an item's version (kind, date, title, text
    hash, last fact) is the cached one's; the others built together, from their facts and the
    keywords stored when they were linked (or their text, for an item stored before that)."""
    try:
        cache = _CANDIDATES.setdefault(db, {})
    except TypeError:  # a bare sqlite3 connection (inspect): nothing to keep between calls
        cache = {}
    found: dict[str, events.EventCandidate] = {}
    missing: list[str] = []
    for item_id, version in versions.items():
        cached = cache.get(item_id)
        if cached is not None and cached[0] == version:
            found[item_id] = cached[1]
        else:
            missing.append(item_id)
    # asked only when something is to be built: with every candidate cached, nothing is read
    kept_table = bool(missing) and db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                              "AND name = 'event_features'").fetchone() is not None
    for offset in range(0, len(missing), _CHUNK):
        chunk = missing[offset:offset + _CHUNK]
        marks = ",".join("?" * len(chunk))
        facts: dict[str, list[Fact]] = {item_id: [] for item_id in chunk}
        for item_id, *row in db.execute(
                f'SELECT item_id, kind, value, code, count, qualifier, start, "end", quote, field '
                f"FROM facts WHERE item_id IN ({marks}) ORDER BY id", chunk):
            facts[item_id].append(Fact(*row[:8], field=row[8] or "text"))
        if kept_table:
            stored = db.execute(
                f"SELECT items.id, items.signature, kept.keywords, kept.lead_chars, kept.version, "
                f"kept.title, kept.content_hash, kept.last_fact FROM items LEFT JOIN event_features "
                f"AS kept ON kept.item_id = items.id WHERE items.id IN ({marks})", chunk).fetchall()
        else:  # a database not migrated yet (inspect reads it as it is)
            stored = db.execute(f"SELECT id, signature, NULL, NULL, NULL, NULL, NULL, NULL FROM items "
                                f"WHERE id IN ({marks})", chunk).fetchall()
        # kept features count only if made by this version from the item as it is now
        kept = {item_id: (keywords, lead_chars) for item_id, _, keywords, lead_chars, *made in stored
                if keywords is not None and tuple(made) == (events.FEATURES_VERSION, *versions[item_id][2:5])}
        unread = [row[0] for row in stored if row[0] not in kept]
        texts = dict(db.execute(f"SELECT id, text FROM items WHERE id IN ({','.join('?' * len(unread))})",
                                unread).fetchall()) if unread else {}
        for item_id, sig, *_ in stored:
            kind, published, title = versions[item_id][:3]
            sig = json.loads(sig) if sig else []
            keywords, lead_chars = kept.get(item_id, (None, None))
            if keywords is None:
                candidate = events.EventCandidate.from_text(item_id, kind or "news", published, title,
                                                            texts[item_id] or "", facts=facts[item_id], sig=sig)
            else:
                candidate = events.EventCandidate(item_id, kind or "news", published, title,
                                                  tuple(facts[item_id]), tuple(sig),
                                                  frozenset(json.loads(keywords)), lead_chars)
            if len(cache) >= MAX_CACHED_CANDIDATES:
                cache.clear()
            cache[item_id] = (versions[item_id], candidate)
            found[item_id] = candidate
    return found


def _save_features(db, item: events.EventCandidate) -> None:
    """Keep what matching needs from the item's text (its keywords, the length of its lead), so
    that a later process builds its candidate without reading and scanning the text again. The
    row names the title, text hash and last fact it was made from: one that no longer fits the
    item is not read (and an update through the store deletes it)."""
    db.execute(SAVE_FEATURES_SQL, [json.dumps(sorted(item.keywords)), item.lead_chars,
                                   events.FEATURES_VERSION, item.item_id])


def summary_of(db, event_id: str) -> events.EventSummary:
    return summaries_of(db, [event_id])[0]


def summaries_of(db, event_ids: list[str]) -> list[events.EventSummary]:
    """The events' summaries, in the order of `event_ids`, members in the order they joined. The
    members' versions are read in one query per 500 events, and the members missing from the
    cache built together: an item is compared with every event of its window, thousands in a
    busy one."""
    rows = []
    for offset in range(0, len(event_ids), _CHUNK):
        chunk = event_ids[offset:offset + _CHUNK]
        rows += db.execute(
            f"SELECT event_items.event_id, event_items.item_id, event_items.role, event_items.reason, "
            f"{_VERSION_COLUMNS} FROM event_items JOIN items ON items.id = event_items.item_id "
            f"WHERE event_items.event_id IN ({','.join('?' * len(chunk))}) ORDER BY event_items.rowid",
            chunk).fetchall()
    candidates = _candidates(db, {item_id: tuple(version) for _, item_id, _, _, *version in rows})
    members: dict[str, list] = {event_id: [] for event_id in event_ids}
    for event_id, item_id, role, reason, *_ in rows:
        members[event_id].append((candidates[item_id], role, reason))
    return [events.EventSummary.from_members(event_id, members[event_id]) for event_id in event_ids]


def _assign_event(db, item_id: str, *, now: str) -> None:
    """Put the item in the event of the same operation (within the time window), or start one.
    A near-duplicate follows its original."""
    item = candidate_of(db, item_id)
    _save_features(db, item)
    existing = db.execute("SELECT event_id FROM event_items WHERE item_id = ?", [item_id]).fetchone()
    if existing:  # a changed item stays in its event; the event's figures are refreshed
        _save_event(db, summary_of(db, existing[0]), now=now)
        return
    original = db.execute("SELECT duplicate_of FROM items WHERE id = ?", [item_id]).fetchone()[0]
    found = db.execute("SELECT event_id FROM event_items WHERE item_id = ?", [original]).fetchone() \
        if original else None
    loaded: dict[str, events.EventSummary] = {}  # read once for the match and the absorption
    summaries: list[events.EventSummary] = []
    if found is None:
        summaries = summaries_of(db, [row[0] for row in candidate_events(db, item)])
        loaded = {summary.event_id: summary for summary in summaries}
    event_id, reason = events.assign_event(item, summaries, original=original,
                                           original_event=found[0] if found else None)
    if event_id is None:
        summary = events.EventSummary(f"ev-{item_id}")
        summary.add(item, events.NEW_EVENT_REASON)
    else:
        summary = loaded.pop(event_id, None) or summary_of(db, event_id)
        summary.add(item, reason)
    _absorb_matching_events(db, summary, loaded)
    _save_event(db, summary, now=now)
    _link_rewrite(db, item_id, summary)


MAX_REWRITE_CANDIDATES = 200  # latest stories of the event a new story is compared with


def _link_rewrite(db, item_id: str, summary: events.EventSummary) -> None:
    """Link a story that retells another story of its event (rewrites.rewrite_score) to it, the
    later-published pointing at the earlier (whichever arrived first). A copy (duplicate_of)
    follows its original and a release is no retelling; each story has one original."""
    row = db.execute("SELECT kind, published, text, duplicate_of, rewrite_of FROM items WHERE id = ?",
                     [item_id]).fetchone()
    if row is None or row[0] == "press_release" or row[3] or row[4]:
        return
    others = [m.item.item_id for m in summary.members
              if m.item.item_id != item_id and m.item.kind != "press_release"][-MAX_REWRITE_CANDIDATES:]
    if not others:
        return
    mine = rewrites.Retelling.of(row[2] or "")
    best = None
    for other, published, text, copy_of, retells in db.execute(
            f"SELECT id, published, text, duplicate_of, rewrite_of FROM items WHERE id IN "
            f"({','.join('?' * len(others))})", others):
        score = rewrites.rewrite_score(mine, rewrites.Retelling.of(text or ""))
        if score is not None and (best is None or score > best[0]):
            best = (score, other, published, copy_of, retells)
    if best is None:
        return
    score, other, published, copy_of, retells = best
    if rewrites.original_of(published, row[1]) == 1:  # the new story is the earlier one
        if not copy_of and not retells:
            update_row(db, "items", other, {"rewrite_of": item_id, "rewrite_score": round(score, 3)})
    elif (copy_of or other) != item_id:
        update_row(db, "items", item_id, {"rewrite_of": copy_of or other, "rewrite_score": round(score, 3)})


def candidate_events(db, item: events.EventCandidate) -> list[tuple]:
    """Events the item could join: in its time window and, when the item names states, in one
    of them (the matcher rejects an event in a state the item never mentions), so the
    expensive comparison runs on a handful of events, not on every one of the window."""
    window = events.candidate_window(item.published)
    if not window:  # an undated item: the latest events of the states it names
        states = sorted(events.item_states(item))
        where = f"WHERE state IS NULL OR state IN ({','.join('?' * len(states))}) " if states else ""
        return db.execute(f"SELECT id FROM events {where}ORDER BY last_seen DESC LIMIT {UNDATED_CANDIDATES}",
                          states).fetchall()
    return _events_overlapping(db, *window, events.item_states(item))


def _events_overlapping(db, start: str, end: str, states: set[str], *,
                        exclude: str | None = None) -> list[tuple]:
    """Ids of the events whose dates overlap [start, end] (ISO dates, inclusive) and whose state
    is unknown or one of `states` (any state when `states` is empty): an event in another state
    cannot be the same operation. Stored bounds may be datetimes: "2026-11-27T10:00" is on the
    end date, though it sorts after "2026-11-27". (events.could_join is the same test in memory.)"""
    sql = "SELECT id FROM events WHERE last_published >= ? AND substr(first_published, 1, 10) <= ?"
    params = [start, end]
    if exclude is not None:
        sql += " AND id != ?"
        params.append(exclude)
    if states:
        sql += f" AND (state IS NULL OR state IN ({','.join('?' * len(states))}))"
        params += sorted(states)
    return db.execute(sql, params).fetchall()


def _absorb_matching_events(db, summary: events.EventSummary,
                            loaded: dict[str, events.EventSummary] | None = None) -> None:
    """The stored events `summary` absorbs (events.absorb_events), deleted once their members
    moved. `loaded`: summaries of stored events already read in this transaction, unchanged since."""
    window = events.absorb_window(summary)
    if window is None:
        return
    others = [row[0] for row in _events_overlapping(db, *window, exclude=summary.event_id)]
    # events of undated stories only (seen before any dated one) join through their facts alone
    state = summary.state
    others += [row[0] for row in db.execute(
        "SELECT id FROM events WHERE first_published IS NULL AND id != ? AND (state IS NULL OR state = ?) "
        f"ORDER BY last_seen DESC LIMIT {UNDATED_CANDIDATES}", [summary.event_id, state])]
    loaded = dict(loaded or {})
    loaded.update((s.event_id, s) for s in summaries_of(db, [i for i in others if i not in loaded]))
    for other_id in events.absorb_events(summary, [loaded[other_id] for other_id in others]):
        db.execute("DELETE FROM event_items WHERE event_id = ?", [other_id])
        db.execute("DELETE FROM events WHERE id = ?", [other_id])


def _save_event(db, summary: events.EventSummary, *, now: str) -> None:
    row = summary.row()
    row["disagreements"] = json.dumps(row["disagreements"]) if row["disagreements"] else None
    first = db.execute("SELECT first_seen FROM events WHERE id = ?", [summary.event_id]).fetchone()
    db["events"].upsert({**row, "first_seen": first[0] if first else now, "last_seen": now}, pk="id")
    for member in summary.item_rows():
        db.execute("INSERT INTO event_items (event_id, item_id, role, reason, linked_at) VALUES "
                   "(?, ?, ?, ?, ?) ON CONFLICT (event_id, item_id) DO UPDATE SET role = excluded.role",
                   [member["event_id"], member["item_id"], member["role"], member["reason"], now])
        db.execute("UPDATE items SET event_id = ? WHERE id = ?", [summary.event_id, member["item_id"]])
    operations.save_operation(db, summary, now=now)  # the figures users read, kept with the event


def explain(db, item_id: str, fields: dict, intel: dict) -> dict:
    """What the store would decide for this article, without writing: its near-duplicate
    original (with the similarity) and its event (with the matcher's reason)."""
    sig = intel.get("signature") or []
    decision: dict = {"near_duplicate": None, "event": None}
    original = None  # what the item would duplicate: its event follows that one's, as in the store
    if sig:
        # the store's own candidates and decision (neardup.near_duplicate_of is closest + threshold)
        found = neardup.closest(sig, _signatures(db, _near_dup_candidates(db, neardup.bands(sig), item_id)))
        if found is not None:
            candidate, stands_for, score = found
            title = db.execute("SELECT title FROM items WHERE id = ?", [candidate]).fetchone()
            is_copy = score >= neardup.NEAR_DUPLICATE_THRESHOLD
            original = stands_for if is_copy else None
            decision["near_duplicate"] = {
                "item_id": candidate, "title": title[0] if title else None,
                "similarity": round(score, 3), "is_near_duplicate": is_copy,
                "original": stands_for, "threshold": neardup.NEAR_DUPLICATE_THRESHOLD}
    if intel.get("relevant"):
        found = [Fact(**fact) for fact in intel.get("facts", [])]
        published = fields.get("published")  # undated: no date, as the store keeps it
        item = events.EventCandidate.from_text(item_id, fields.get("kind") or "news",
                                               published, fields.get("title"),
                                               fields["text"], facts=found, sig=sig)
        found_event = db.execute("SELECT event_id FROM event_items WHERE item_id = ?",
                                 [original]).fetchone() if original else None
        summaries = [] if found_event else summaries_of(db, [r[0] for r in candidate_events(db, item)])
        event_id, reason = events.assign_event(item, summaries, original=original,
                                               original_event=found_event[0] if found_event else None)
        label = db.execute("SELECT label FROM events WHERE id = ?", [event_id]).fetchone() if event_id else None
        decision["event"] = {"event_id": event_id, "label": label[0] if label else None,
                             "reason": reason or "no stored event of the same operation: a new one"}
    return decision
