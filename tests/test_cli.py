"""The `monitor` command as a user runs it: exit codes, messages, inspect, sources."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli.commands import format_summary
from tests.crawl_harness import monitor, write_schedule
from tests.spider_harness import SITE


def test_help_lists_commands_with_examples():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("crawl", "inspect", "sources", "search"):
        assert command in result.output
    assert "Examples:" in result.output
    crawl_help = CliRunner().invoke(cli, ["crawl", "--help"]).output
    assert "--db" in crawl_help and "--schedules" in crawl_help and "MONITOR_DB" in crawl_help


def test_bad_schedule_file_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "bad.toml").write_text('every = "15m"\n[[source]]\nname = "x"\nurl = "ftp://x"\n')
    result = CliRunner().invoke(cli, ["crawl", "--schedules", str(tmp_path), "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {tmp_path / 'bad.toml'}:4: source 'x': key 'url': expected an http(s) URL, got 'ftp://x'"]
    assert not (tmp_path / "m.db").exists()


def test_unknown_name_is_exit_2(tmp_path):
    write_schedule(tmp_path, "http://127.0.0.1:9", [{"name": "a", "url": "{base}/feed"}])
    result = CliRunner().invoke(cli, ["crawl", "nope", "--schedules", str(tmp_path)])
    assert result.exit_code == 2 and "no source or schedule named 'nope'" in result.output


def test_env_vars_select_db_and_schedules(tmp_path):
    write_schedule(tmp_path / "s", "http://127.0.0.1:9", [{"name": "envsource", "url": "{base}/feed"}])
    result = CliRunner().invoke(cli, ["sources", "list"], env={"MONITOR_SCHEDULES": str(tmp_path / "s")})
    assert result.exit_code == 0 and "envsource" in result.output


def test_inspect_file_prints_fields_without_writing(tmp_path):
    page = SITE / "news/2019/11/ice-arrests-19-in-massachusetts.html"
    result = CliRunner().invoke(cli, ["inspect", str(page), "--json", "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 0, result.output
    fields = json.loads(result.output)
    assert fields["title"].startswith("ICE arrests 19")
    assert "Introduce Yourself" not in fields["text"] and fields["content_hash"]
    assert not (tmp_path / "m.db").exists()


def test_inspect_pdf_file():
    result = CliRunner().invoke(cli, ["inspect", str(SITE / "gov/news/releases/ice-hsi-annual-report-summary.pdf")])
    assert result.exit_code == 0 and "annual report" in result.output.lower()


def test_inspect_url_against_local_server(site_url):
    result = CliRunner().invoke(cli, ["inspect", f"{site_url}/gov/news/releases/ice-arrests-41-connecticut-5-day-operation.html", "--no-text"])
    assert result.exit_code == 0 and "Connecticut" in result.output


def test_inspect_missing_target_is_a_clear_error():
    result = CliRunner().invoke(cli, ["inspect", "no/such/file.html"])
    assert result.exit_code == 1 and "no such file, and not an http(s) URL" in result.output


@pytest.mark.slow
def test_sources_check_reports_kind_and_links_and_writes_nothing(site_server, tmp_path):
    write_schedule(tmp_path / "s", site_server.base_url, [
        {"name": "home", "url": "{base}/gov/"},
        {"name": "newsroom", "url": "{base}/gov/newsroom/", "kind": "listing", "follow": "/news/releases/"},
        {"name": "sitemap", "url": "{base}/gov/sitemap-releases.xml"},
        {"name": "gone", "url": "{base}/status/404"},
    ])
    site_server.clear_log()
    result = monitor("sources", "check", "--schedules", str(tmp_path / "s"), "--db", str(tmp_path / "m.db"))
    lines = result.stdout.splitlines()
    assert result.returncode == 1  # one source fails
    assert any(l.startswith("ok") and "home" in l and "kind=feed" in l and "links=6" in l for l in lines), lines
    assert any(l.startswith("ok") and "newsroom" in l and "kind=listing" in l for l in lines)
    assert any(l.startswith("ok") and "sitemap" in l and "kind=sitemap" in l and "links=9" in l for l in lines)
    assert any(l.startswith("FAIL") and "gone" in l for l in lines)
    assert any("http_error" in l and "HTTP 404" in l for l in lines)
    assert lines[-1] == "3 of 4 sources OK"
    assert not (tmp_path / "m.db").exists()
    assert not [r for r in site_server.requests if r.path.startswith("/gov/news/releases/")]


def test_search_command_finds_items(tmp_path):
    from monitor.store import Store
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        store.save_article({"title": "Sting nets 12", "text": "Twelve arrested in a sting."},
                           url="https://a.org/x", source="s")
    result = CliRunner().invoke(cli, ["search", "sting", "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 0 and "Sting nets 12" in result.output


def test_summary_table_has_totals():
    text = format_summary({"a": {"pages": 3, "new": 2}, "bb": {"pages": 1, "errors": 1}})
    lines = text.splitlines()
    assert lines[0].split() == ["source", "pages", "new", "updated", "duplicate", "unchanged",
                                "known", "not_modified", "gone", "skipped", "errors"]
    assert lines[-1].split() == ["TOTAL", "4", "2", "0", "0", "0", "0", "0", "0", "0", "1"]


@pytest.mark.slow
def test_scrapy_list_and_crawl_work_from_the_repository_root(site_server, tmp_path):
    import os
    import subprocess
    import sys

    from tests.crawl_harness import FAST_ENV, ROOT
    scrapy = [sys.executable, "-m", "scrapy"]
    env = {**os.environ, **FAST_ENV, "MONITOR_DB": str(tmp_path / "m.db")}
    listed = subprocess.run([*scrapy, "list"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert listed.stdout.split() == ["doj_api", "feed", "listing", "sitemap", "sources"]
    crawled = subprocess.run([*scrapy, "crawl", "feed", "-a", f"url={site_server.base_url}/news/feed.json",
                              "-a", "source=ledger-json"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    with sqlite3.connect(tmp_path / "m.db") as conn:
        assert conn.execute("SELECT count(*) FROM items WHERE source = 'ledger-json'").fetchone()[0] == 3
