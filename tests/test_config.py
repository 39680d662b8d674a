"""Schedule files: valid ones load, every bad one gets one error naming file, line, source, key."""

from datetime import timedelta

import pytest

from monitor.config import ConfigError, load_schedule, load_schedules, select_sources

GOOD = """\
description = "test"
every = "15m"
jitter = "30s"

[[source]]
name = "ice-news"
url = "https://www.ice.gov/rss/news/all.xml"
agency = "ICE"

[[source]]
name = "local"
url = "https://example.org/news/"
kind = "listing"
follow = "/news/20"
pages = 4
"""


def write(tmp_path, text, name="federal.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_schedule_loads_with_defaults(tmp_path):
    schedule = load_schedule(write(tmp_path, GOOD))
    assert schedule.name == "federal"
    assert schedule.every == timedelta(minutes=15) and schedule.jitter == 30
    ice, local = schedule.sources
    assert (ice.kind, ice.agency, ice.item_kind, ice.pages) == ("auto", "ICE", "press_release", 3)
    assert (local.kind, local.item_kind, local.follow, local.pages) == ("listing", "news", "/news/20", 4)
    assert local.schedule == "federal"


def test_cron_schedule_is_validated_by_apscheduler(tmp_path):
    schedule = load_schedule(write(tmp_path, GOOD.replace('every = "15m"', 'cron = "*/5 * * * *"')))
    assert schedule.cron == "*/5 * * * *" and schedule.every is None
    with pytest.raises(ConfigError, match=r"federal.toml:2: key 'cron': bad cron expression"):
        load_schedule(write(tmp_path, GOOD.replace('every = "15m"', 'cron = "*/5 * *"')))


@pytest.mark.parametrize("old,new,expected", [
    ('kind = "listing"', 'kind = "rss"', r":13: source 'local': key 'kind': must be one of"),
    ('pages = 4', 'pages = "four"', r":15: source 'local': key 'pages': expected a whole number"),
    ('url = "https://example.org/news/"', 'url = "file:///etc/passwd"', r":12: source 'local': key 'url': expected an http"),
    ('follow = "/news/20"', 'follow = "(unclosed"', r":14: source 'local': key 'follow': not a valid regular"),
    ('agency = "ICE"', 'agncy = "ICE"', r":8: source 'ice-news': key 'agncy': unknown key"),
    ('every = "15m"', 'every = "soon"', r":2: key 'every': expected a duration"),
    ('name = "local"', 'name = "ice-news"', r":11: source 'ice-news': key 'name': duplicate source name"),
])
def test_bad_value_names_file_line_source_and_key(tmp_path, old, new, expected):
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError, match=expected) as info:
        load_schedule(path)
    assert str(info.value).startswith(str(path))


def test_malformed_toml_names_line(tmp_path):
    with pytest.raises(ConfigError, match=r"federal.toml:5: invalid TOML"):
        load_schedule(write(tmp_path, GOOD.replace("[[source]]", "[[source]", 1)))


def test_missing_trigger_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="exactly one of 'every'"):
        load_schedule(write(tmp_path, GOOD.replace('every = "15m"\n', "")))


def test_source_needs_name_and_url(tmp_path):
    with pytest.raises(ConfigError, match=r"federal.toml:10: source 'local': missing required key 'url'"):
        load_schedule(write(tmp_path, GOOD.replace('url = "https://example.org/news/"\n', "")))


def test_duplicate_names_across_files(tmp_path):
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD.replace('"local"', '"other"'), "b.toml")
    with pytest.raises(ConfigError, match=r"b.toml:6: source 'ice-news': key 'name': duplicate source name, already defined in .*a.toml"):
        load_schedules(tmp_path)


def test_select_by_source_and_schedule_name(tmp_path):
    write(tmp_path, GOOD, "federal.toml")
    schedules = load_schedules(tmp_path)
    assert [s.name for s in select_sources(schedules, [])] == ["ice-news", "local"]
    assert [s.name for s in select_sources(schedules, ["local"])] == ["local"]
    assert [s.name for s in select_sources(schedules, ["federal"])] == ["ice-news", "local"]
    with pytest.raises(KeyError, match="no source or schedule named 'nope'"):
        select_sources(schedules, ["nope"])


def test_shipped_default_schedules_are_valid():
    schedules = load_schedules("schedules")
    names = {s.name for sch in schedules for s in sch.sources}
    assert {"ice-newsroom", "dhs-press-releases", "cbp-national-media", "doj-api",
            "doj-press-releases-rss"} <= names
    assert any(s.item_kind == "news" for sch in schedules for s in sch.sources)
