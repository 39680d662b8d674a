"""The real-world development set (tests/intel/realworld/), scored through the production code
path: every labelled story is rendered as a news page (its date where its `page_date` label puts
it), served on 127.0.0.1 with one RSS feed per outlet, crawled by `monitor crawl` into a fresh
SQLite store, and the items, facts and events read back from that store.

Run: python -m benchmarks.realworld [--details] [--json] [--keep DIR]
Floors: benchmarks/realworld_floor.json, checked by tests/test_realworld_eval.py.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.intel import Score, pairs
from benchmarks.local_site import LocalSite

REPO_ROOT = Path(__file__).resolve().parent.parent
SET_DIR = REPO_ROOT / "tests" / "intel" / "realworld"
FLOOR_FILE = Path(__file__).resolve().parent / "realworld_floor.json"
PAGE_DATES = ("meta", "text", "feed", "none")
# The crawl as a user runs it, minus politeness delays (the server is ours and local).
CRAWL_ENV = {"MONITOR_AUTOTHROTTLE": "0", "MONITOR_DOWNLOAD_DELAY": "0", "MONITOR_RETRIES": "0",
             "MONITOR_DOWNLOAD_TIMEOUT": "20", "MONITOR_NOTIFY": "", "MONITOR_PROGRESS": "0"}
# Agencies of the press-release sources, by the label's source domain (else the domain's first word).
AGENCIES = {"ice.gov": "ICE", "dhs.gov": "DHS", "cbp.gov": "CBP", "fbi.gov": "FBI", "dea.gov": "DEA",
            "justice.gov": "DOJ", "atf.gov": "ATF", "usmarshals.gov": "U.S. Marshals"}


@dataclass
class Story:
    id: str
    kind: str
    source: str
    published: str | None
    title: str
    text: str
    relevant: bool
    event: str | None
    role: str | None
    near_dup: str | None
    facts: dict | None
    page_date: str
    rewrite_of: str | None
    reports_release: str | None
    arrests_main: int | None
    arrests_approx: bool
    operation_dates: str | None
    error_class: list[str]
    part: str  # the sub-folder (writer) it came from


def parse_story(raw: str, name: str, part: str) -> Story:
    """One labelled file: a JSON header (may span lines), a line '---', then the article text."""
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise ValueError(f"{name}: no '---' line between header and text")
    try:
        h = json.loads(head)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: header is not JSON: {exc}") from exc
    page_date = h.get("page_date") or "meta"
    if page_date not in PAGE_DATES:
        raise ValueError(f"{name}: page_date {page_date!r} is not one of {', '.join(PAGE_DATES)}")
    return Story(h["id"], h["kind"], h["source"], h.get("published"), h.get("title") or "", body.strip(),
                 bool(h["relevant"]), h.get("event"), h.get("role"), h.get("near_dup"), h.get("facts"),
                 page_date, h.get("rewrite_of"), h.get("reports_release"), h.get("arrests_main"),
                 bool(h.get("arrests_approx")), h.get("operation_dates"), list(h.get("error_class") or []),
                 part)


def load_set(root: Path = SET_DIR) -> list[Story]:
    stories = []
    for path in sorted(root.glob("*/*.txt")):
        story = parse_story(path.read_text(encoding="utf-8"), f"{path.parent.name}/{path.name}",
                            path.parent.name)
        if story.id != path.stem:
            raise ValueError(f"{path}: id {story.id!r} differs from the file name")
        stories.append(story)
    ids = Counter(s.id for s in stories)
    if dupes := [i for i, n in ids.items() if n > 1]:
        raise ValueError(f"ids used twice: {', '.join(dupes)}")
    return stories


# --- the site ---------------------------------------------------------------------------------

def slug(source: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-") or "source"


def outlet_name(source: str) -> str:
    stem = source.split(".")[0]
    return AGENCIES.get(source) or " ".join(w.capitalize() for w in re.split(r"[-_]", stem))


def _when(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text_date(story: Story, when: datetime) -> str:
    """The date as a page shows it in its text only: an agency's "Release Date" line, a
    newspaper's "Published" line."""
    if story.kind == "press_release":
        return f"Release Date: {when.strftime('%a')}, {when.strftime('%m/%d/%Y')}"
    return f"Published {when.strftime('%B')} {when.day}, {when.year}"


def _is_listing_line(paragraph: str) -> bool:
    return len(paragraph) < 220 and "\n" not in paragraph.strip()


def render_page(story: Story, url: str) -> bytes:
    """A news page of one story: site chrome, the headline, the date as `page_date` says, the
    paragraphs. A junk page (search results, tag page) shows its lines as a list of links."""
    when = _when(story.published)
    outlet = outlet_name(story.source)
    head = [f"<title>{html.escape(story.title)} | {html.escape(outlet)}</title>",
            f'<link rel="canonical" href="{url}">',
            f'<meta property="og:title" content="{html.escape(story.title, quote=True)}">',
            f'<meta property="og:site_name" content="{html.escape(outlet, quote=True)}">']
    byline = ""
    if when and story.page_date == "meta":
        head.append(f'<meta property="article:published_time" content="{when.isoformat()}">')
        byline = (f'<p class="byline">By {html.escape(outlet)} staff · <time datetime="{when.isoformat()}">'
                  f"{when.strftime('%B')} {when.day}, {when.year}</time></p>")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", story.text) if p.strip()]
    if when and story.page_date == "text":
        paragraphs.insert(0, _text_date(story, when))
    if "junk-page" in story.error_class:
        links = "".join(f'<li><a href="/{slug(story.source)}/more-{n}.html">{html.escape(p)}</a></li>'
                        if _is_listing_line(p) else f"<li>{html.escape(p)}</li>"
                        for n, p in enumerate(paragraphs))
        body = f'<ul class="results">{links}</ul>'
    else:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">' + "".join(head) + "</head><body>"
        f'<header class="site-header"><a href="/{slug(story.source)}/">{html.escape(outlet)}</a>'
        f'<nav><a href="/{slug(story.source)}/news">News</a> <a href="/{slug(story.source)}/about">About</a> '
        f'<a href="/{slug(story.source)}/contact">Contact</a></nav></header>'
        f'<main><article><h1>{html.escape(story.title)}</h1>{byline}<div class="article-body">{body}</div>'
        "</article></main>"
        f"<footer><p>&copy; {html.escape(outlet)}. All rights reserved.</p></footer></body></html>")
    return page.encode("utf-8")


def render_feed(name: str, base: str, entries: list[tuple[Story, str]]) -> bytes:
    """RSS 2.0 of one source. An entry carries its date unless its page is undated ("none") or
    shows its date only in its text ("text"): then the page alone says when it was published."""
    items = []
    for story, url in entries:
        when = _when(story.published)
        date = (f"<pubDate>{format_datetime(when)}</pubDate>"
                if when and story.page_date in ("meta", "feed") else "")
        items.append(f"<item><title>{escape(story.title)}</title><link>{escape(url)}</link>"
                     f"<guid>{escape(url)}</guid>{date}</item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(name)}</title><link>{escape(base)}</link><description>{escape(name)}</description>"
            + "".join(items) + "</channel></rss>").encode("utf-8")


@dataclass
class Site:
    site: LocalSite
    url_of: dict[str, str]              # story id -> page URL
    sources: list[dict]                 # schedule sources


def build_site(stories: list[Story], site: LocalSite) -> Site:
    """Pages and one feed per (outlet, kind): an agency's releases come from an agency source."""
    base = site.base_url
    url_of: dict[str, str] = {}
    by_source: dict[tuple[str, str], list[tuple[Story, str]]] = defaultdict(list)
    for story in stories:
        path = f"/{slug(story.source)}/{story.id}.html"
        url_of[story.id] = base + path
        site.add(path, render_page(story, base + path), "text/html; charset=utf-8", kind="article")
        by_source[(story.source, story.kind)].append((story, base + path))
    sources = []
    for (source, kind), entries in sorted(by_source.items()):
        name = f"{slug(source)}-{'releases' if kind == 'press_release' else 'news'}"
        path = f"/{slug(source)}/{name}.xml"
        site.add(path, render_feed(outlet_name(source), base, entries), "application/rss+xml", kind="feed")
        entry = {"name": name, "url": base + path, "kind": "feed", "max_items": 1000, "item_kind": kind}
        if kind == "press_release":
            entry["agency"] = AGENCIES.get(source, outlet_name(source))
        sources.append(entry)
    return Site(site, url_of, sources)


def write_schedule(directory: Path, sources: list[dict]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ['every = "1d"', 'description = "real-world development set"', ""]
    for source in sources:
        lines.append("[[source]]")
        for key, value in source.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    (directory / "realworld.toml").write_text("\n".join(lines), encoding="utf-8")


def crawl(stories: list[Story], workdir: Path, timeout: float = 900) -> tuple[Path, dict[str, str], float]:
    """Serve the set and run `monitor crawl` on it (a subprocess, as a user runs it)."""
    db = workdir / "realworld.db"
    with LocalSite() as site:
        built = build_site(stories, site)
        write_schedule(workdir / "schedules", built.sources)
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "monitor", "crawl", "--db", str(db),
                                 "--schedules", str(workdir / "schedules")],
                                cwd=REPO_ROOT, text=True, capture_output=True, timeout=timeout,
                                env={**os.environ, **CRAWL_ENV})
        seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"monitor crawl exited {result.returncode}:\n{result.stdout[-2000:]}\n"
                           f"{result.stderr[-4000:]}")
    return db, built.url_of, seconds


# --- scoring ----------------------------------------------------------------------------------

@dataclass
class Share:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 1.0

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(miss)


@dataclass
class Stored:
    """What the store holds for one story's URL (None when nothing was stored)."""
    item_id: str
    relevant: bool
    published: str | None
    published_from: str | None
    duplicate_of: str | None
    rewrite_of: str | None
    event_id: str | None
    role: str | None
    facts: list


def read_store(db: Path, url_of: dict[str, str]) -> tuple[dict[str, Stored], dict[str, str]]:
    """Per story id: its stored item; per story id: the problem recorded for its URL."""
    from monitor.intel.facts import Fact

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    id_of_url = {url: story_id for story_id, url in url_of.items()}
    stored: dict[str, Stored] = {}
    by_item: dict[str, str] = {}
    for row in conn.execute("SELECT i.id, i.url, i.canonical_url, i.relevant, i.published, i.published_from, "
                            "i.duplicate_of, i.rewrite_of, ei.event_id, ei.role FROM items i "
                            "LEFT JOIN event_items ei ON ei.item_id = i.id"):
        story_id = id_of_url.get(row["url"]) or id_of_url.get(row["canonical_url"])
        if story_id is None:
            continue
        stored[story_id] = Stored(row["id"], bool(row["relevant"]), row["published"], row["published_from"],
                                  row["duplicate_of"], row["rewrite_of"], row["event_id"], row["role"], [])
        by_item[row["id"]] = story_id
    for row in conn.execute('SELECT item_id, kind, value, code, count, qualifier, start, "end", quote, field '
                            "FROM facts ORDER BY id"):
        story_id = by_item.get(row[0])
        if story_id:
            stored[story_id].facts.append(Fact(*tuple(row)[1:9], field=row[9] or "text"))
    for s in stored.values():  # duplicate_of and rewrite_of name an item: name its story instead
        s.duplicate_of = by_item.get(s.duplicate_of, s.duplicate_of) if s.duplicate_of else None
        s.rewrite_of = by_item.get(s.rewrite_of, s.rewrite_of) if s.rewrite_of else None
    problems = {id_of_url[row[0]]: f"{row[1]}: {row[2]}" for row in
                conn.execute("SELECT url, kind, message FROM errors WHERE url IS NOT NULL") if row[0] in id_of_url}
    conn.close()
    return stored, problems


def _roots(links: dict[str, str | None]) -> dict[str, str]:
    """Each id's group root following `links` (copy -> original), cycles cut."""
    roots = {}
    for start in links:
        node, seen = start, set()
        while links.get(node) and node not in seen:
            seen.add(node)
            node = links[node]
        roots[start] = node
    return roots


def same_date(got: str | None, want: str | None) -> bool:
    """Whether a stored publication date says the labelled one: the same instant when both
    carry a time with an offset (a feed's date may be stored in UTC), else the same day."""
    if not got or not want:
        return not got and not want
    a, b = _when(got), _when(want)
    if a and b and a.tzinfo and b.tzinfo and len(got) > 10:
        return abs((a - b).total_seconds()) < 60
    return got[:10] == want[:10]


def evaluate(stories: list[Story], stored: dict[str, Stored], problems: dict[str, str]) -> dict:
    from monitor.intel.facts import headline_count, primary_state

    by_id = {s.id: s for s in stories}
    results: dict = {}
    # relevance: a story is predicted relevant when its stored item is marked relevant
    rel = Score()
    for s in stories:
        got = s.id in stored and stored[s.id].relevant
        rel.tp += got and s.relevant
        rel.fp += got and not s.relevant
        rel.fn += s.relevant and not got
        if got != s.relevant:
            why = problems.get(s.id, "stored" if s.id in stored else "not stored")
            rel.misses.append(f"{s.id}: predicted {'relevant' if got else 'irrelevant'} ({why}) "
                              f"[{', '.join(s.error_class)}]")
    results["relevance"] = rel

    count, approx, state = Share(), Share(), Share()
    for s in stories:
        if not s.relevant:
            continue
        facts = stored[s.id].facts if s.id in stored else []
        got = headline_count(facts, "arrests")
        count.add(got == s.arrests_main, f"{s.id}: {got} for {s.arrests_main} [{', '.join(s.error_class)}]")
        if s.arrests_main is not None and got == s.arrests_main:
            qualifier = next((f.qualifier for f in facts if f.kind == "arrests" and f.count == got), "")
            is_approx = qualifier not in (None, "", "exact")
            approx.add(is_approx == s.arrests_approx,
                       f"{s.id}: {got} {'approximate' if is_approx else 'exact'} ({qualifier!r})")
        if s.facts is not None:
            want = s.facts.get("state")
            got_state = primary_state(facts)
            state.add(got_state == want, f"{s.id}: {got_state} for {want}")
    results["arrest count (main)"] = count
    results["arrest count approximate flag"] = approx
    results["state"] = state

    # dates: the stored publication date is the page's (or the feed's), never the crawl's
    dated = Share()
    for s in stories:
        if s.id not in stored:
            continue
        got = stored[s.id].published
        want = s.published if s.page_date != "none" else None
        dated.add(same_date(got, want),
                  f"{s.id}: {got} ({stored[s.id].published_from}) for {want} (page_date {s.page_date})")
    results["publication date"] = dated

    # events: pairs of relevant labelled stories in one stored event
    relevant = [s for s in stories if s.relevant]
    predicted = {s.id: stored[s.id].event_id for s in relevant if s.id in stored}
    expected = {s.id: s.event for s in relevant}
    ev = Score()
    ev.pairs(pairs(predicted), pairs(expected), name=lambda p: f"{p[0]} + {p[1]}")
    results["event pairs"] = ev
    merged = [p for p in pairs(predicted) - pairs(expected)
              if by_id[p[0]].event != by_id[p[1]].event]
    results["different-operation pairs merged"] = len(merged)
    labelled_events = {s.event for s in relevant if s.event}
    results["events"] = (len(labelled_events),
                         len({predicted[s.id] for s in relevant if s.event and predicted.get(s.id)}))

    # near-duplicates and rewrites: a copy or a rewrite linked to its original
    links = {s.id: stored[s.id].duplicate_of for s in stories if s.id in stored}
    roots = _roots(links)
    got_pairs = pairs({k: (roots[k] if roots[k] != k or k in links.values() else None) for k in roots})
    retold = {s.id: stored[s.id].rewrite_of for s in stories if s.id in stored and stored[s.id].rewrite_of}
    # a rewrite of one copy of a syndicated text rewrites each copy: its target counts as the
    # labelled original when both are copies of one text (near_dup group)
    group = {s.id: s.near_dup for s in stories if s.near_dup}
    for copy, target in list(retold.items()):
        wanted = by_id[copy].rewrite_of
        if wanted and target != wanted and group.get(target) and group.get(target) == group.get(wanted):
            retold[copy] = wanted
    got_pairs |= {tuple(sorted(p)) for p in retold.items()}
    dup_pairs = pairs({s.id: s.near_dup for s in stories})
    rewrite_pairs = {tuple(sorted((s.id, s.rewrite_of))) for s in stories if s.rewrite_of}
    wanted = dup_pairs | rewrite_pairs
    nd = Score()
    nd.pairs(got_pairs, wanted, name=lambda p: f"{p[0]} ~ {p[1]}")
    results["near-dup + rewrite pairs"] = nd
    rw = Score()
    rw.pairs(got_pairs & rewrite_pairs, rewrite_pairs, name=lambda p: f"{p[0]} ~ {p[1]}")
    results["rewrite pairs (recall)"] = rw
    direction = Share()
    for s in stories:
        if s.rewrite_of and s.id in stored and tuple(sorted((s.id, s.rewrite_of))) in got_pairs:
            original, copy = sorted((by_id[s.rewrite_of], s), key=lambda x: x.published or "")
            points = retold.get(copy.id) == original.id or (
                links.get(copy.id) is not None and roots.get(copy.id) == roots.get(original.id))
            direction.add(points and retold.get(original.id) != copy.id,
                          f"{copy.id} (later) should point at {original.id}: {copy.id}->"
                          f"{retold.get(copy.id) or links.get(copy.id)}, {original.id}->"
                          f"{retold.get(original.id) or links.get(original.id)}")
    results["copy -> original direction"] = direction

    # release <-> coverage: a story reporting a release is in the release's event, as coverage
    per_group = Share()
    link = Share()
    for release_id in sorted({s.reports_release for s in stories if s.reports_release}):
        reporters = [s for s in stories if s.reports_release == release_id]
        release = stored.get(release_id)
        ok_all = True
        for s in reporters:
            mine = stored.get(s.id)
            ok = (release is not None and mine is not None and mine.event_id is not None
                  and mine.event_id == release.event_id and release.role == "release"
                  and mine.role == "coverage")
            link.add(ok, f"{s.id} -> {release_id}: event {mine.event_id if mine else None} role "
                         f"{mine.role if mine else None}; release event {release.event_id if release else None} "
                         f"role {release.role if release else None}")
            ok_all &= ok
        per_group.add(ok_all, f"{release_id}: not every coverage story linked")
    results["release <- coverage links"] = link
    results["release groups fully linked"] = per_group
    return results


FLOORED = {  # metric -> attribute compared with its floor
    "relevance": ("precision", "recall", "f1"),
    "arrest count (main)": ("value",),
    "state": ("value",),
    "event pairs": ("precision", "recall", "f1"),
    "near-dup + rewrite pairs": ("precision", "recall"),
    "release groups fully linked": ("value",),
    "publication date": ("value",),
}


def summary(results: dict) -> dict:
    out = {}
    for name, value in results.items():
        if isinstance(value, Score):
            out[name] = {"precision": round(value.precision, 4), "recall": round(value.recall, 4),
                         "f1": round(value.f1, 4), "tp": value.tp, "fp": value.fp, "fn": value.fn}
        elif isinstance(value, Share):
            out[name] = {"value": round(value.value, 4), "right": value.right, "total": value.total}
        else:
            out[name] = value
    return out


def table(results: dict, stories: list[Story], seconds: float) -> str:
    parts = Counter(s.part for s in stories)
    lines = [f"real-world set: {len(stories)} stories ({', '.join(f'{p} {n}' for p, n in sorted(parts.items()))}), "
             f"{sum(s.relevant for s in stories)} relevant, "
             f"{len({s.event for s in stories if s.event})} operations; crawl {seconds:.0f} s",
             f"{'metric':<34} | {'P':>6} {'R':>6} {'F1':>6} | {'share':>6} {'n':>5}", "-" * 72]
    for name, value in results.items():
        if isinstance(value, Score):
            lines.append(f"{name:<34} | {value.precision:6.3f} {value.recall:6.3f} {value.f1:6.3f} | "
                         f"{'':>6} {value.tp + value.fn:>5}")
        elif isinstance(value, Share):
            lines.append(f"{name:<34} | {'':>20} | {value.value:6.3f} {f'{value.right}/{value.total}':>5}")
        elif isinstance(value, tuple):
            lines.append(f"{name:<34} | labelled {value[0]}, stored {value[1]}")
        else:
            lines.append(f"{name:<34} | {value}")
    return "\n".join(lines)


def run(root: Path = SET_DIR, keep: Path | None = None) -> tuple[list[Story], dict, float]:
    stories = load_set(root)
    if not stories:
        raise RuntimeError(f"no stories under {root}")
    with tempfile.TemporaryDirectory(prefix="realworld-") as tmp:
        workdir = keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if (workdir / "realworld.db").exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{workdir / 'realworld.db'}{suffix}").unlink(missing_ok=True)
        db, url_of, seconds = crawl(stories, workdir)
        stored, problems = read_store(db, url_of)
    return stories, evaluate(stories, stored, problems), seconds


def below_floors(results: dict, floors: dict) -> list[str]:
    below = []
    for name, keys in FLOORED.items():
        for key in keys:
            floor = floors.get(name, {}).get(key)
            got = getattr(results[name], key)
            if floor is not None and got < floor - 1e-9:
                below.append(f"{name} {key} {got:.3f} < floor {floor}")
    most = floors.get("different-operation pairs merged")
    if most is not None and results["different-operation pairs merged"] > most:
        below.append(f"different-operation pairs merged {results['different-operation pairs merged']} > {most}")
    return below


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realworld", description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print every miss")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--keep", type=Path, help="crawl into this directory and keep the database")
    parser.add_argument("--set", type=Path, default=SET_DIR, help="the set's folder (default %(default)s)")
    args = parser.parse_args(argv)
    stories, results, seconds = run(args.set, args.keep)
    if args.json:
        print(json.dumps(summary(results), indent=2))
    else:
        print(table(results, stories, seconds))
    if args.details:
        for name, value in results.items():
            for miss in getattr(value, "misses", []):
                print(f"{name}: {miss}")
    floors = json.loads(FLOOR_FILE.read_text(encoding="utf-8")) if FLOOR_FILE.exists() else {}
    below = below_floors(results, floors.get("metrics", {}))
    for line in below:
        print(f"BELOW FLOOR: {line}", file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
