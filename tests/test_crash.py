"""Crash safety, CI-sized: five SIGKILLs of `monitor crawl` at random moments spread over a crawl
of the fixture site (benchmarks/crash.py runs fifty or more). After each kill the database is
intact, nothing committed is lost or doubled, no item is half-stored, and the next run completes
with everything an undisturbed crawl stores."""

from __future__ import annotations

import random

import pytest

from benchmarks.crash import run_trials

pytestmark = pytest.mark.slow  # every test here starts processes

KILLS = 5


@pytest.fixture(scope="module")
def trials(site_server, tmp_path_factory):
    seed = random.randrange(1_000_000)
    lines = [f"seed {seed} (python -m benchmarks.crash --runs {KILLS} --seed {seed} repeats it)"]
    result = run_trials(KILLS, seed, site_server.base_url, tmp_path_factory.mktemp("crash"),
                        report=lines.append)
    print("\n".join(lines))
    return result, "\n".join(lines)


def test_every_kill_leaves_an_intact_database_and_the_next_run_completes(trials):
    result, report = trials
    assert len(result) == KILLS
    assert all(t.ok for t in result), report


def test_kills_land_during_the_crawl_not_only_before_or_after_it(trials):
    result, report = trials
    assert any(t.killed_running and t.committed for t in result), report
    assert any(t.killed_running and t.committed == 0 for t in result), report


def test_a_killed_crawl_leaves_no_process_behind(trials):
    result, report = trials
    assert not any(t.leaked for t in result), report


def test_the_next_hand_crawl_closes_the_run_a_kill_left_running(trials):
    result, report = trials
    assert not any(t.left_running for t in result), report
