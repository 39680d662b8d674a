"""Every benchmark still runs, at a tiny size, and counts what it should. No timing is asserted:
speed is shown by `python -m benchmarks` (docs/performance.md), never tested."""

from __future__ import annotations

import pytest

from benchmarks import crawl_speed, daemon_memory, repoll, report, store_cost
from benchmarks.__main__ import extraction_rows, main, parse_args
from benchmarks.extraction import BENCHMARK, shared_data_dir
from benchmarks.local_site import LocalSite, run_module


@pytest.mark.slow
def test_fresh_crawl_fetches_every_listed_copy_and_stores_each_as_new(tmp_path):
    result = crawl_speed.run(12, bases_limit=6, workdir=tmp_path)
    assert result.returncode == 0
    assert (result.pages, result.fetched) == (12, 12)
    assert (result.new, result.duplicate, result.errors) == (12, 0, 0)
    assert result.bare_crawl_fetched == 12   # the bare crawl fetched and extracted every page again
    assert result.bare_before > 0 and result.bare_after > 0   # the limit's two timings
    rows = result.rows()
    assert len(rows) == 11 and all(row.value for row in rows)
    assert rows[0].verdict in (report.MET, report.MISSED)


@pytest.mark.slow
def test_bare_crawl_fails_when_a_page_is_lost(tmp_path):
    # the ceiling is only a ceiling if it extracted every page: a lost one must fail the benchmark
    with LocalSite() as site:
        page = site.add("/story.html", b"<html><body><article><p>" + b"Nineteen were arrested. " * 40
                        + b"</p></article></body></html>", "text/html", kind="article")
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{page}\n{site.base_url}/missing.html\n", encoding="utf-8")
        run = run_module("benchmarks.bare_crawl", [str(urls)], workdir=tmp_path)
    assert run.returncode == 1
    assert "extracted 1 of 2 pages" in run.output


@pytest.mark.slow
def test_repoll_of_unchanged_feeds_sends_one_request_per_source_and_fetches_no_article(tmp_path):
    result = repoll.run(5, workdir=tmp_path)
    assert (result.fresh.feeds, result.fresh.articles, result.fresh.new) == (5, 5, 5)
    assert (result.again.feeds, result.again.not_modified, result.again.articles) == (5, 5, 0)
    assert result.again.other == 1   # robots.txt
    verdicts = [row.verdict for row in result.rows()]
    assert verdicts == [report.INFO, report.MET, report.MET, report.INFO]


def test_store_cost_times_new_items_duplicates_and_known_links_at_each_size(tmp_path):
    result = store_cost.run((200, 400), samples=6, intel_samples=2, rounds=2, workdir=tmp_path)
    assert [size.stored for size in result.sizes] == [200, 400]
    for size in result.sizes:
        assert size.outcomes == {"new": 6, "duplicate": 6, "intel-new": 4, "known": 6}
        assert set(size.seconds) == set(store_cost.OPERATIONS)
        assert size.events_in_window == size.stored // 2   # every stored item is recent
    assert len(result.rows()) == len(store_cost.OPERATIONS) + 2


def test_store_cost_grows_the_database_to_the_size_asked(tmp_path):
    assert store_cost.grow(tmp_path / "grown.db", 250) == 250
    assert store_cost.grow(tmp_path / "grown.db", 300) == 300


@pytest.mark.slow
def test_daemon_memory_samples_the_daemon_after_every_scheduled_run(tmp_path):
    result = daemon_memory.run(3, warmup=1, workdir=tmp_path)
    assert result.returncode == 0
    assert len(result.samples) == 3 and all(rss > 0 for rss in result.samples)
    assert result.ready_rss > 0
    assert result.recorded.get("ok", 0) >= 3
    assert len(result.rows()) == 3


def test_extraction_score_rows_beside_bare_trafilatura():
    if not (shared_data_dir() / BENCHMARK).is_dir():
        pytest.skip(f"{shared_data_dir() / BENCHMARK} not present (set MONITOR_SHARED_DATA)")
    rows = extraction_rows(limit=3, with_eval=False)
    assert len(rows) == 3
    assert 0.0 <= float(rows[0].value) <= 1.0 and 0.0 <= float(rows[0].baseline_value) <= 1.0


def test_command_prints_the_table_and_writes_the_page_with_the_machine(tmp_path, capsys):
    page = tmp_path / "performance.md"
    status = main(["--only", "store", "--store-sizes", "100", "150", "--samples", "2",
                   "--intel-samples", "1", "--docs", str(page)])
    assert status == 0
    assert "| c. store cost (150 stored)" in capsys.readouterr().out
    text = page.read_text()
    assert "## Machine" in text and "- cores: " in text and "- CPU: " in text
    assert "| benchmark " in text and "c. store cost (150 stored)" in text


def test_quick_run_is_small_and_writes_no_page():
    args = parse_args(["--quick"])
    assert args.pages < 2000 and max(args.store_sizes) < 1_000_000 and args.runs < 500
    assert max(args.desk_sizes) < 1_000_000
    assert args.chosen == ["extraction", "crawl", "repoll", "store", "daemon", "desk"]


def test_unknown_benchmark_is_refused():
    with pytest.raises(SystemExit):
        parse_args(["--only", "crawl,nonsense"])
