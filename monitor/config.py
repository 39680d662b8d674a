"""Read and validate `schedules/*.toml`: one file is one schedule and its sources.

Every error names the file, the line, the source and the key, so a person can fix it at once.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SOURCE_KINDS = ("auto", "feed", "sitemap", "listing", "doj_api")
ITEM_KINDS = ("press_release", "news")


def default_item_kind(kind: str, agency: str | None) -> str:
    """What a source's items are when its config does not say: an agency's, or a DOJ API
    release, is a press release; anything else is news."""
    return "press_release" if agency or kind == "doj_api" else "news"


NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
HOST_PATTERN = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]+:[0-9a-fA-F:.]*|[A-Za-z0-9_.-]+)$")
DURATION_PATTERN = re.compile(r"^\s*(\d+)\s*(s|m|h|d)?\s*$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}

# Keys a schedule file may have at its top level (a [[source]]'s are SOURCE_KEYS, below).
SCHEDULE_KEYS = {"every", "cron", "jitter", "description", "enabled", "time_limit", "notify",
                 "source"}
MAX_DELAY_SECONDS = 3600  # a host spacing longer than an hour is a typo
RELEVANCE_MODES = ("mark", "keep_all", "relevant_only")


class ConfigError(Exception):
    """A schedule file is wrong. `str()` is the one line shown to the user."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None,
                 source: str | None = None, key: str | None = None) -> None:
        self.path, self.line, self.source, self.key = str(path), line, source, key
        self.message = message
        where = self.path + (f":{line}" if line else "")
        parts = [where]
        if source:
            parts.append(f"source {source!r}")
        if key:
            parts.append(f"key {key!r}")
        super().__init__(": ".join(parts) + ": " + message)


@dataclass(frozen=True)
class Source:
    """One place to watch: a feed, a sitemap, a listing page, or a page to auto-detect."""

    name: str
    url: str
    kind: str = "auto"
    agency: str | None = None
    item_kind: str = "news"
    follow: str | None = None       # regex an article link must match (listing pages)
    pages: int = 3                  # listing pages to follow through pagination
    max_items: int = 200            # article links taken from one source per run
    allow_offsite: bool = False     # follow article links to other hosts (news-search feeds)
    relevance: str = "mark"         # mark | keep_all | relevant_only (see README)
    delay: float = 0.0              # least seconds between two requests to the source's host
    content: str | None = None      # CSS selector of the part of an article page to extract
    components: tuple[str, ...] = ()  # doj_api: keep releases of these DOJ components only
    feed_only: bool = False         # feed: store entries' titles and summaries, fetch nothing
    enabled: bool = True
    schedule: str = ""
    description: str | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @property
    def fetches_item_pages(self) -> bool:
        """Whether its items are pages fetched at their own URLs (and so can be re-checked or
        fetched again): not a doj_api source (stored from the API) nor a feed-only one."""
        return self.kind != "doj_api" and not self.feed_only

    @classmethod
    def from_dict(cls, data: dict) -> "Source":
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "components" in fields:  # a JSON list (a Scrapyd job) back into a tuple
            fields["components"] = tuple(fields["components"] or ())
        return cls(**fields)


# The keys a [[source]] may have: its fields, but the schedule it belongs to.
SOURCE_KEYS = set(Source.__dataclass_fields__) - {"schedule"}
# A source's defaults, as its fields declare them (the schedule reader and `scrapy crawl -a` use them).
SOURCE_DEFAULTS = {name: f.default for name, f in Source.__dataclass_fields__.items()
                   if f.default is not dataclasses.MISSING}


@dataclass(frozen=True)
class Schedule:
    """A trigger (`every` or `cron`, with jitter) and the sources it crawls."""

    name: str
    path: str
    every: timedelta | None = None
    cron: str | None = None
    jitter: int = 0
    time_limit: int = 1800
    enabled: bool = True
    description: str | None = None
    notify: tuple[str, ...] = ()    # apprise URLs told about new relevant items and health
    sources: tuple[Source, ...] = field(default_factory=tuple)

    @property
    def trigger_text(self) -> str:
        return f"every {_format_duration(self.every)}" if self.every else f"cron {self.cron}"


def parse_duration(value: object) -> timedelta:
    """'15m', '2h', '30s', '1d' or a number of seconds -> timedelta."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '15m', '2h' or '30s'")
    if isinstance(value, int):
        seconds = value
    else:
        match = DURATION_PATTERN.match(str(value))
        if not match:
            raise ValueError(f"expected a duration like '15m', '2h' or '30s', got {value!r}")
        seconds = int(match.group(1)) * DURATION_UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {value!r}")
    return timedelta(seconds=seconds)


def _format_duration(delta: timedelta | None) -> str:
    seconds = int(delta.total_seconds()) if delta else 0
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check_url(url: object) -> str:
    """An http(s) URL with a host, or ValueError."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("expected an http(s) URL")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http(s) URL, got {url!r}")
    if not HOST_PATTERN.match(parts.hostname):
        raise ValueError(f"not a valid host name in {url!r}")
    try:
        parts.port  # urlsplit checks the port only when it is read
    except ValueError:
        raise ValueError(f"port out of range in {url!r}") from None
    return url.strip()


def check_css_selector(selector: object) -> str:
    """A CSS selector that parsel (Scrapy's selectors) can use, or ValueError."""
    from cssselect import GenericTranslator, SelectorError  # Scrapy's own dependency

    if not isinstance(selector, str) or not selector.strip():
        raise ValueError('expected a CSS selector such as ".nr-body"')
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise ValueError(f"not a valid CSS selector {selector!r}: {exc}") from None
    return selector


def check_cron(expression: object) -> str:
    """A five-field crontab expression, validated by APScheduler itself."""
    from apscheduler.triggers.cron import CronTrigger  # not the Twisted scheduler: no reactor

    if not isinstance(expression, str):
        raise ValueError("expected a crontab string like '*/15 * * * *'")
    try:
        CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"bad cron expression {expression!r}: {exc}") from None
    return expression


class _Lines:
    """Finds the line of a key in a schedule file, for error messages (tomllib gives none)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.source_starts = [i for i, line in enumerate(self.lines)
                              if line.strip().startswith("[[source]]")]

    def of(self, key: str | None, source_index: int | None = None) -> int | None:
        if source_index is None:
            start = 0
            end = self.source_starts[0] if self.source_starts else len(self.lines)
        else:
            if source_index >= len(self.source_starts):
                return None
            start = self.source_starts[source_index]
            later = [s for s in self.source_starts if s > start]
            end = later[0] if later else len(self.lines)
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(start, end):
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1


def load_schedule(path: Path | str) -> Schedule:
    """Read one schedule file; raise ConfigError naming file, line, source and key."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"cannot read: not UTF-8 ({exc.reason} at byte {exc.start})",
                          line=raw[:exc.start].count(b"\n") + 1) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        match = re.search(r"line (\d+)", str(exc))
        if line is None and match:
            line = int(match.group(1))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(path, f"invalid TOML: {message}", line=line) from None
    lines = _Lines(text)
    name = path.stem

    def fail(message: str, key: str | None = None, index: int | None = None,
             source: str | None = None) -> ConfigError:
        return ConfigError(path, message, line=lines.of(key, index), source=source, key=key)

    unknown = sorted(set(data) - SCHEDULE_KEYS)
    if unknown:
        raise fail(f"unknown key (allowed: {', '.join(sorted(SCHEDULE_KEYS))})", unknown[0])
    if ("every" in data) == ("cron" in data):
        raise fail("a schedule needs exactly one of 'every' (e.g. \"15m\") or 'cron' "
                   "(e.g. \"*/15 * * * *\")", "every" if "every" in data else None)
    every = cron = None
    try:
        if "every" in data:
            every = parse_duration(data["every"])
        else:
            cron = check_cron(data["cron"])
    except ValueError as exc:
        raise fail(str(exc), "every" if "every" in data else "cron") from None
    jitter = time_limit = 0
    try:
        jitter = int(parse_duration(data["jitter"]).total_seconds()) if "jitter" in data else 0
    except ValueError as exc:
        raise fail(str(exc), "jitter") from None
    try:
        time_limit = int(parse_duration(data.get("time_limit", "30m")).total_seconds())
    except ValueError as exc:
        raise fail(str(exc), "time_limit") from None
    notify = data.get("notify", [])
    if isinstance(notify, str):
        notify = [notify]
    if not isinstance(notify, list) or not all(isinstance(t, str) and "://" in t for t in notify):
        raise fail("expected a list of apprise URLs, e.g. [\"json://127.0.0.1:8080/hook\"]", "notify")
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list) or not raw_sources:
        raise fail("a schedule needs at least one [[source]] table with name and url", "source")
    sources = []
    for index, raw in enumerate(raw_sources):
        sources.append(_load_source(raw, index, name, fail))
    seen: set[str] = set()
    for index, source in enumerate(sources):
        if source.name in seen:
            raise fail("duplicate source name in this file", "name", index, source.name)
        seen.add(source.name)
    return Schedule(
        name=name, path=str(path), every=every, cron=cron, jitter=jitter,
        time_limit=time_limit, enabled=_bool(data.get("enabled", True), fail, "enabled"),
        description=data.get("description"), notify=tuple(notify), sources=tuple(sources),
    )


def _bool(value: object, fail, key: str, index: int | None = None, source: str | None = None) -> bool:
    if not isinstance(value, bool):
        raise fail(f"expected true or false, got {value!r}", key, index, source)
    return value


def _load_source(raw: object, index: int, schedule: str, fail) -> Source:
    if not isinstance(raw, dict):
        raise fail("each [[source]] must be a table", "source", index)
    label = raw.get("name") if isinstance(raw.get("name"), str) else f"#{index + 1}"
    unknown = sorted(set(raw) - SOURCE_KEYS)
    if unknown:
        raise fail(f"unknown key (allowed: {', '.join(sorted(SOURCE_KEYS))})",
                   unknown[0], index, label)
    for key in ("name", "url"):
        if key not in raw:
            raise fail(f"missing required key {key!r}", None, index, label)
    name = raw["name"]
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise fail("a name uses letters, digits, '-', '_' and '.', e.g. \"ice-news\"",
                   "name", index, label)
    try:
        url = check_url(raw["url"])
    except ValueError as exc:
        raise fail(str(exc), "url", index, name) from None
    kind = raw.get("kind", "auto")
    if kind not in SOURCE_KINDS:
        raise fail(f"must be one of {', '.join(SOURCE_KINDS)}, got {kind!r}", "kind", index, name)
    agency = raw.get("agency")
    if agency is not None and not isinstance(agency, str):
        raise fail("expected a string such as \"ICE\"", "agency", index, name)
    item_kind = raw.get("item_kind", default_item_kind(kind, agency))
    if item_kind not in ITEM_KINDS:
        raise fail(f"must be one of {', '.join(ITEM_KINDS)}, got {item_kind!r}",
                   "item_kind", index, name)
    follow = raw.get("follow")
    if follow is not None:
        try:
            re.compile(follow)
        except (re.error, TypeError) as exc:
            raise fail(f"not a valid regular expression: {exc}", "follow", index, name) from None
    relevance = raw.get("relevance", "mark")
    if relevance not in RELEVANCE_MODES:
        raise fail(f"must be one of {', '.join(RELEVANCE_MODES)}, got {relevance!r}",
                   "relevance", index, name)
    delay = 0.0
    if "delay" in raw:
        try:
            delay = parse_duration(raw["delay"]).total_seconds()
        except ValueError as exc:
            raise fail(str(exc), "delay", index, name) from None
        if delay > MAX_DELAY_SECONDS:
            raise fail(f"at most {MAX_DELAY_SECONDS // 60}m, got {raw['delay']!r}", "delay", index, name)
    content = raw.get("content")
    if content is not None:
        try:
            check_css_selector(content)
        except ValueError as exc:
            raise fail(str(exc), "content", index, name) from None
        if kind == "doj_api":
            raise fail("a doj_api source fetches no page; 'content' applies to article pages",
                       "content", index, name)
    components = raw.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, str) and c.strip()
                                                   for c in components):
        raise fail('expected a list of DOJ component names, e.g. ["USAO - Massachusetts"]',
                   "components", index, name)
    if components and kind != "doj_api":
        raise fail(f"only a doj_api source has components (this one is kind {kind!r})",
                   "components", index, name)
    feed_only = _bool(raw.get("feed_only", False), fail, "feed_only", index, name)
    if feed_only and kind != "feed":
        raise fail(f"feed_only needs kind = \"feed\" (this one is kind {kind!r})",
                   "feed_only", index, name)
    numbers = {}
    for key, low, high in (("pages", 1, 1000), ("max_items", 1, 100000)):
        value = raw.get(key, SOURCE_DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail(f"expected a whole number from {low} to {high}, got {value!r}", key, index, name)
        numbers[key] = value
    return Source(
        name=name, url=url, kind=kind, agency=agency, item_kind=item_kind, follow=follow,
        pages=numbers["pages"], max_items=numbers["max_items"], relevance=relevance,
        delay=delay, content=content, components=tuple(c.strip() for c in components),
        feed_only=feed_only,
        allow_offsite=_bool(raw.get("allow_offsite", False), fail, "allow_offsite", index, name),
        enabled=_bool(raw.get("enabled", True), fail, "enabled", index, name),
        schedule=schedule, description=raw.get("description"),
    )


def load_schedules(directory: Path | str) -> list[Schedule]:
    """Every `*.toml` in `directory`, sorted by name; source names are unique across files."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(directory, "schedules directory not found")
    schedules = [load_schedule(path) for path in sorted(directory.glob("*.toml"))]
    if not schedules:
        raise ConfigError(directory, "no *.toml schedule files found")
    owners: dict[str, str] = {}
    for schedule in schedules:
        lines = _Lines(Path(schedule.path).read_text(encoding="utf-8"))
        for index, source in enumerate(schedule.sources):
            if source.name in owners:
                raise ConfigError(schedule.path, f"duplicate source name, already defined in "
                                  f"{owners[source.name]}", line=lines.of("name", index),
                                  source=source.name, key="name")
            owners[source.name] = schedule.path
    return schedules


def notify_targets(schedules: list[Schedule], sources: list[Source]) -> list[str]:
    """The notification targets of the schedules these sources belong to, without repeats."""
    names = {s.schedule for s in sources}
    return list(dict.fromkeys(t for sch in schedules if sch.name in names for t in sch.notify))


def select_sources(schedules: list[Schedule], names: list[str] | tuple[str, ...]) -> list[Source]:
    """Sources named directly or through their schedule's name; no names = all enabled ones."""
    if not names:
        return [s for sch in schedules if sch.enabled for s in sch.sources if s.enabled]
    by_schedule = {sch.name: sch for sch in schedules}
    by_source = {s.name: s for sch in schedules for s in sch.sources}
    chosen: dict[str, Source] = {}
    for name in names:
        if name in by_schedule:
            for source in by_schedule[name].sources:
                if source.enabled:
                    chosen.setdefault(source.name, source)
        elif name in by_source:
            chosen.setdefault(name, by_source[name])
        else:
            known = ", ".join(sorted(by_schedule)) or "none"
            raise KeyError(f"no source or schedule named {name!r} (schedules: {known})")
    return list(chosen.values())
