"""Search as FTS5 users expect (OR, NOT, -word, "phrases", prefix*, title:word), safe for any
input: the query builder itself, the desk's search box and saved search, and `monitor search`."""

from __future__ import annotations

import random
import sqlite3
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from monitor.cli.commands import cli
from monitor.store import Store
from monitor.store.fts import MATCH_NOTHING, user_query
from tests.test_desk import client, json_rows, sample_db  # noqa: F401  (fixtures)

SYNTAX = [
    ("fentanyl", "fentanyl"),
    ("fentanyl raid", "fentanyl raid"),
    ("fentanyl OR heroin", "fentanyl OR heroin"),
    ("raid NOT fentanyl", "raid NOT fentanyl"),
    ("-fentanyl raid", "raid NOT fentanyl"),
    ("a OR b -c", "(a OR b) NOT c"),
    ('"four day" operation', '"four day" operation'),
    ('"four day"* x', '"four day"* x'),
    ("fent*", "fent*"),
    ("four-day", '"four-day"'),
    ("title:raid", "title:raid"),
    ('TITLE:"four day"', 'title:"four day"'),
    ("(a OR b) c", "(a OR b) AND c"),
    ("-(a b) c", "c NOT (a b)"),
    ("(a OR b", "(a OR b)"),
    ("a)", "a"),
    ('"raid', '"raid"'),
    ('brockton"', "brockton"),
    ("a OR", "a"),
    ("OR a", "a"),
    ("a OR OR b", "a OR b"),
    ("NEAR(a b)", '"NEAR" AND (a b)'),
    ("fentanyl' OR 1=1 --", "\"fentanyl'\" OR \"1=1\""),
    ("U.S. attorney", '"U.S." attorney'),
    ("or and not", "or and not"),  # lower case is text, as in FTS5
]
NOTHING_TO_SEARCH = ['"', '""', "", " ", "\x00", "*", "AND", "OR NOT", "(", ")", "-", "🚨", "—"]


@pytest.mark.parametrize(("typed", "query"), SYNTAX)
def test_typed_text_becomes_the_fts5_query_users_expect(typed, query):
    assert user_query(typed) == query
    assert user_query(query) == query  # a query typed correctly comes back as typed


@pytest.mark.parametrize("typed", NOTHING_TO_SEARCH)
def test_text_with_nothing_to_search_for_is_none(typed):
    assert user_query(typed) is None


def test_exclusions_alone_match_nothing_rather_than_the_excluded():
    assert user_query("-fentanyl") == MATCH_NOTHING
    assert user_query("NOT fentanyl") == MATCH_NOTHING


def test_every_query_built_from_random_input_runs():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize='porter')")
    alphabet = ['"', "'", "*", "^", "(", ")", ":", "-", "+", "a", "b", "OR", "AND", "NOT",
                "NEAR", " ", "\\", "{", "}", "title", "text:", ",", ".", "\x00", "é", "\t", "🚨"]
    rng = random.Random(19)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        query = user_query(text)
        if query is not None:
            conn.execute("SELECT * FROM t WHERE t MATCH ?", [query]).fetchall()


# -- in the desk ----------------------------------------------------------------------------


def ids(client, path: str) -> set[str]:
    return {row["id"] for row in json_rows(client, path)}


@pytest.mark.parametrize(("typed", "expected"), [
    ("snow OR brazil", {"weather", "rel-ma"}),
    ("brockton", {"rel-ma", "story-ma", "copy-ma"}),
    ("brockton NOT sweep", {"rel-ma"}),
    ("brockton -sweep", {"rel-ma"}),
    ('"four-day sweep"', {"story-ma", "copy-ma"}),
    ('"sweep four-day"', set()),
    ("brock*", {"rel-ma", "story-ma", "copy-ma"}),
    ("title:sweep", {"copy-ma"}),
    ("(snow OR fentanyl) -storm", {"unscored"}),
    ('"raid', {"hostile"}),
])
def test_the_search_box_and_saved_search_understand_the_syntax(client, typed, expected):
    assert ids(client, f"/monitor/items.json?_search={quote(typed)}") == expected
    assert ids(client, f"/monitor/search.json?q={quote(typed)}") == expected


def test_the_search_box_keeps_the_text_as_typed(client):
    page = client("/monitor/items?_search=" + quote("brockton -sweep")).text
    assert 'value="brockton -sweep"' in page


def test_a_lone_quote_lists_nothing_wrong(client):
    everything = ids(client, "/monitor/items.json")
    # the box: as if empty (every item, no error); the saved search: no item
    assert ids(client, "/monitor/items.json?_search=%22") == everything
    assert ids(client, "/monitor/search.json?q=%22") == set()
    assert ids(client, "/monitor/search.json?q=-brockton") == set()


def test_raw_mode_still_takes_fts5_text_and_falls_back_when_it_is_invalid(client):
    assert ids(client, "/monitor/items.json?_searchmode=raw&_search=" + quote("NEAR(arrested brockton, 9)")) \
        == {"rel-ma", "copy-ma"}
    assert ids(client, "/monitor/items.json?_searchmode=raw&_search=" + quote('brockton "')) \
        == {"rel-ma", "story-ma", "copy-ma"}


# -- monitor search -------------------------------------------------------------------------


def test_monitor_search_uses_the_syntax(sample_db):
    with Store(sample_db) as store:
        assert {r["id"] for r in store.search("snow OR brazil")} == {"weather", "rel-ma"}
        assert [r["id"] for r in store.search('"')] == []
    result = CliRunner().invoke(cli, ["search", "brockton -sweep", "--db", str(sample_db)])
    assert result.exit_code == 0, result.output
    assert "ICE arrests 19 in Massachusetts during four-day operation" in result.output
    assert "sweep" not in result.output.lower()


@pytest.mark.parametrize("typed", ["nothing-like-this", '"', "-brockton"])
def test_monitor_search_says_no_matches(sample_db, typed):
    result = CliRunner().invoke(cli, ["search", "--db", str(sample_db), "--", typed])
    assert result.exit_code == 0, result.output
    assert result.output == f"no matches for {typed!r}\n"
