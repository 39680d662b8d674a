"""A bad schedule file, as a user meets it: `monitor crawl` and `monitor start` print one line
naming the file and the line (and the source and key when there is one) and exit with status 2;
the daemon starts nothing and writes nothing."""

from __future__ import annotations

import pytest

from tests.crawl_harness import monitor

pytestmark = pytest.mark.slow  # every test here starts processes

GOOD = """\
description = "federal newsrooms"
every = "15m"

[[source]]
name = "ice-news"
url = "http://127.0.0.1:9/rss/news/all.xml"
agency = "ICE"

[[source]]
name = "local"
url = "http://127.0.0.1:9/news/"
kind = "listing"
"""
URL = "http://127.0.0.1:9/news/"  # the discard port: a config accepted by mistake reaches nothing

# (id, {file name: text}, the file the error names, its line, what the line must say)
BAD = [
    ("malformed-toml", {"s.toml": GOOD.replace("[[source]]", "[[source]", 1)}, "s.toml", 4,
     "invalid TOML"),
    ("unterminated-string", {"s.toml": GOOD.replace('"15m"', '"15m')}, "s.toml", 2, "invalid TOML"),
    ("unknown-schedule-key", {"s.toml": GOOD.replace("every", 'evry = "1m"\nevery')}, "s.toml", 2,
     "key 'evry': unknown key"),
    ("unknown-source-key", {"s.toml": GOOD + 'colour = "red"\n'}, "s.toml", 13,
     "source 'local': key 'colour': unknown key"),
    ("url-not-http", {"s.toml": GOOD.replace(URL, "ftp://example.org/news/")}, "s.toml", 11,
     "source 'local': key 'url': expected an http(s) URL"),
    ("url-file", {"s.toml": GOOD.replace(URL, "file:///etc/passwd")}, "s.toml", 11,
     "key 'url': expected an http(s) URL"),
    ("url-no-host", {"s.toml": GOOD.replace(URL, "http://")}, "s.toml", 11, "key 'url'"),
    ("url-not-a-url", {"s.toml": GOOD.replace(URL, "not a url")}, "s.toml", 11, "key 'url'"),
    ("url-a-number", {"s.toml": GOOD.replace(f'"{URL}"', "42")}, "s.toml", 11, "key 'url'"),
    ("cron-out-of-range", {"s.toml": GOOD.replace('every = "15m"', 'cron = "61 * * * *"')}, "s.toml",
     2, "key 'cron': bad cron expression"),
    ("cron-three-fields", {"s.toml": GOOD.replace('every = "15m"', 'cron = "* * *"')}, "s.toml", 2,
     "key 'cron': bad cron expression"),
    ("cron-words", {"s.toml": GOOD.replace('every = "15m"', 'cron = "every tuesday"')}, "s.toml", 2,
     "key 'cron': bad cron expression"),
    ("every-and-cron", {"s.toml": GOOD.replace('every = "15m"', 'every = "15m"\ncron = "* * * * *"')},
     "s.toml", 2, "exactly one of 'every'"),
    ("every-zero", {"s.toml": GOOD.replace('"15m"', '"0s"')}, "s.toml", 2, "key 'every'"),
    ("duplicate-name-in-file", {"s.toml": GOOD.replace('name = "local"', 'name = "ice-news"')},
     "s.toml", 10, "source 'ice-news': key 'name': duplicate source name"),
    ("duplicate-name-across-files", {"a.toml": GOOD, "b.toml": GOOD.replace('"local"', '"other"')},
     "b.toml", 5, "source 'ice-news': key 'name': duplicate source name, already defined in"),
]
# URLs that parse but cannot work, and a file that is not UTF-8.
ALSO_REFUSED = [
    pytest.param("url-space-in-host", {"s.toml": GOOD.replace(URL, "http://exa mple.invalid/news/")},
                 "s.toml", 11, "key 'url'", id="url-space-in-host"),
    pytest.param("url-port-out-of-range", {"s.toml": GOOD.replace(URL, "http://127.0.0.1:99999/")},
                 "s.toml", 11, "key 'url'", id="url-port-out-of-range"),
    pytest.param("not-utf8", {"s.toml": GOOD.encode().replace(b"ice-news", b"ice-\xffnews")},
                 "s.toml", 5, "cannot read", id="not-utf8"),
]


def write(directory, files):
    directory.mkdir()
    for name, text in files.items():
        if isinstance(text, bytes):
            (directory / name).write_bytes(text)
        else:
            (directory / name).write_text(text, encoding="utf-8")


def assert_one_clear_line(result, path, line, says):
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {path}:{line}: "), lines[0]
    assert says in lines[0], lines[0]


@pytest.mark.parametrize("case, files, named, line, says",
                         [pytest.param(*bad, id=bad[0]) for bad in BAD])
def test_crawl_reports_one_line_with_file_and_line_and_exits_2(tmp_path, case, files, named,
                                                                 line, says):
    write(tmp_path / "s", files)
    result = monitor("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "s"))
    assert_one_clear_line(result, tmp_path / "s" / named, line, says)
    assert not (tmp_path / "m.db").exists()


@pytest.mark.parametrize("case, files, named, line, says", ALSO_REFUSED)
def test_config_check_reports_one_line_with_file_and_line_and_exits_2(tmp_path, case, files,
                                                                        named, line, says):
    """Through `sources list` (the same validation, and never a fetch or a DNS lookup)."""
    write(tmp_path / "s", files)
    result = monitor("sources", "list", "--schedules", str(tmp_path / "s"))
    assert_one_clear_line(result, tmp_path / "s" / named, line, says)


@pytest.mark.parametrize("case", ["malformed-toml", "unknown-source-key", "url-not-http",
                                  "cron-out-of-range", "duplicate-name-across-files"])
def test_daemon_refuses_to_start_on_a_bad_config(tmp_path, case):
    _, files, named, line, says = next(bad for bad in BAD if bad[0] == case)
    write(tmp_path / "s", files)
    result = monitor("start", "--no-serve", "--db", str(tmp_path / "m.db"),
                     "--schedules", str(tmp_path / "s"), timeout=60)
    assert_one_clear_line(result, tmp_path / "s" / named, line, says)
    assert not (tmp_path / "m.db").exists() and not (tmp_path / "monitor.log").exists()


def test_a_good_config_next_to_the_bad_cases_is_accepted(tmp_path):
    write(tmp_path / "s", {"s.toml": GOOD})
    result = monitor("sources", "list", "--schedules", str(tmp_path / "s"))
    assert result.returncode == 0 and "ice-news" in result.stdout and "local" in result.stdout
