"""Dates people filter by ("this week", "this month", a range of days) on the items and
operations tables and in the canned queries, and dates stored in one format."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from monitor.desk import dates
from monitor.store import Store
from monitor.store.dates import normalise_date
from monitor.store.schema import m013_dates_in_one_format
from tests.test_desk import build_sample_db, client, json_rows, sample_db  # noqa: F401  (fixtures)

TODAY = date.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


# -- one format -----------------------------------------------------------------------------


@pytest.mark.parametrize(("stated", "stored"), [
    ("2024-03-14", "2024-03-14"),
    ("2024-03-14T09:30:00-04:00", "2024-03-14T09:30:00-04:00"),
    ("2024-03-14T09:30:00Z", "2024-03-14T09:30:00+00:00"),
    ("2024-03-14T09:30:00.123456+00:00", "2024-03-14T09:30:00+00:00"),
    ("2024-03-14T09:30", "2024-03-14T09:30:00+00:00"),
    ("2024-03-14 09:30:00+01:00", "2024-03-14T09:30:00+01:00"),
    ("", None), (None, None),
    ("sometime in March", "sometime in March"),  # unreadable: kept, never thrown away
])
def test_dates_are_written_in_one_format(stated, stored):
    assert normalise_date(stated) == stored


def article(published, modified=None, text="Agents arrested 4 people in Lowell.",
            title="Four arrested in Lowell"):
    return {"title": title, "text": text, "published": published, "modified": modified}


def test_the_store_writes_dates_in_one_format(tmp_path):
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        _, ident = store.save_article(article("2024-03-14T13:30:00.5Z", "2024-03-15T08:00"),
                                      url="https://ledger.example/a", source="ledger")
        row = store.db["items"].get(ident)
    assert (row["published"], row["modified"]) == ("2024-03-14T13:30:00+00:00",
                                                   "2024-03-15T08:00:00+00:00")


def test_the_migration_normalises_rows_stored_before(tmp_path):
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        with store.write() as db:
            db["items"].insert_all([
                {"id": "a", "url": "u-a", "canonical_url": "u-a", "text": "t", "content_hash": "a",
                 "first_seen": "2024-03-14T00:00:00+00:00", "published": "2024-03-14T09:30:00Z",
                 "modified": "2024-03-14T10:00:00.250000-04:00"},
                {"id": "b", "url": "u-b", "canonical_url": "u-b", "text": "t", "content_hash": "b",
                 "first_seen": "2024-03-14T00:00:00+00:00", "published": "2024-03-14"},
            ])
            m013_dates_in_one_format(db)  # as an older database meets this version
        got = {r["id"]: (r["published"], r["modified"]) for r in store.db["items"].rows}
    assert got == {"a": ("2024-03-14T09:30:00+00:00", "2024-03-14T10:00:00-04:00"),
                   "b": ("2024-03-14", None)}


# -- the filters ----------------------------------------------------------------------------


def test_this_week_starts_on_monday_and_this_month_on_the_first():
    assert dates.since("week", date(2024, 3, 14)) == date(2024, 3, 11)
    assert dates.since("week", date(2024, 3, 11)) == date(2024, 3, 11)
    assert dates.since("week", date(2024, 3, 17)) == date(2024, 3, 11)
    assert dates.since("month", date(2024, 3, 14)) == date(2024, 3, 1)
    assert dates.date_range({"_since": "2024-03-01", "_until": "2024-03-31"}) == \
        ("2024-03-01", "2024-03-31", "dated from 2024-03-01 to 2024-03-31")


@pytest.mark.parametrize(("args", "message"), [
    ({"_when": "fortnight"}, "must be one of today, week, month, year"),
    ({"_since": "14/03/2024"}, "a day is written YYYY-MM-DD"),
    ({"_until": "2024-02-30"}, "no such day"),
    ({"_since": "2024-03-02", "_until": "2024-03-01"}, "is after"),
])
def test_a_bad_date_filter_says_what_is_accepted(args, message):
    with pytest.raises(dates.DateFilterError, match=message):
        dates.date_range(args)


@pytest.mark.parametrize(("value", "first", "last"), [
    ("2024", "2024-01-01", "2024-12-31"),
    ("2024-02", "2024-02-01", "2024-02-29"),
    ("2023-12", "2023-12-01", "2023-12-31"),
    ("2024-05-02", "2024-05-02", "2024-05-02"),
])
def test_a_year_month_or_day_bounds_the_operations_list(value, first, last):
    assert (dates.bound(value, "since", end=False), dates.bound(value, "until", end=True)) == (first, last)


@pytest.mark.parametrize(("value", "message"), [("soon", "is not a date"), ("2024-13", "no such month"),
                                                ("2024-02-30", "no such day")])
def test_a_bad_bound_says_what_is_accepted(value, message):
    with pytest.raises(dates.DateFilterError, match=message):
        dates.bound(value, "since", end=False)


@pytest.fixture(scope="module")
def dated_client(tmp_path_factory):
    """The sample desk plus items published this week, earlier this month and last year."""
    import asyncio

    from monitor.desk import server as desk

    db = build_sample_db(tmp_path_factory.mktemp("dates") / "monitor.db")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    rows = {"this-week": MONDAY.isoformat() + "T09:00:00-05:00",
            "this-month": TODAY.replace(day=1).isoformat(),
            "last-year": TODAY.replace(year=TODAY.year - 1, day=1).isoformat()}
    with Store(db) as store:
        for ident, published in rows.items():
            store.save_article(article(published, text=f"Agents arrested 4 people ({ident}).",
                                       title=f"Four arrested in Lowell: {ident}"),
                               url=f"https://ledger.example/{ident}", source="ledger")
        with store.write() as conn:
            conn.execute("UPDATE items SET first_seen = ? WHERE source = 'ledger' AND "
                         "url LIKE 'https://ledger.example/%-%'", [now.isoformat()])
    ds = desk.build_datasette(db)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def get(path):
        return loop.run_until_complete(ds.client.get(path))

    yield get
    loop.close()


def urls(client, path):
    """Which of the dated items (this-week, this-month, last-year) a page lists."""
    return {row["title"].rsplit(": ", 1)[-1] for row in json_rows(client, path)
            if (row["title"] or "").startswith("Four arrested in Lowell: ")}


def expected_this_week():
    return {"this-week"} | ({"this-month"} if TODAY.replace(day=1) >= MONDAY else set())


def expected_this_month():
    return {"this-month"} | ({"this-week"} if MONDAY >= TODAY.replace(day=1) else set())


def test_the_items_table_filters_by_this_week_this_month_and_a_range(dated_client):
    assert urls(dated_client, "/monitor/items.json?_when=week") == expected_this_week()
    assert urls(dated_client, "/monitor/items.json?_when=month") == expected_this_month()
    last_year = TODAY.replace(year=TODAY.year - 1, day=1).isoformat()
    assert urls(dated_client, f"/monitor/items.json?_since={last_year}&_until={last_year}") == \
        {"last-year"}
    assert urls(dated_client, "/monitor/items.json") == {"this-week", "this-month", "last-year"}
    page = dated_client("/monitor/items?_when=week").text
    assert "dated this week (since " + MONDAY.isoformat() + ")" in page


def test_a_bad_date_filter_is_a_400_with_the_reason(dated_client):
    response = dated_client("/monitor/items?_since=yesterday")
    assert response.status_code == 400
    assert "a day is written YYYY-MM-DD" in response.text


def test_the_readable_view_and_the_saved_search_take_the_same_dates(dated_client):
    for query in ("items_readable", "search"):
        base = f"/monitor/{query}.json?"
        assert urls(dated_client, base + "when=week") == expected_this_week(), query
        assert urls(dated_client, base + "when=month") == expected_this_month(), query
        last_year = TODAY.replace(year=TODAY.year - 1, day=1).isoformat()
        assert urls(dated_client, base + f"since={last_year}&until={last_year}") == {"last-year"}


def test_operations_filter_by_date_too(client):
    assert [r["event_id"] for r in json_rows(client, "/monitor/operations.json?_since=2019-11-01&_until=2019-11-30")] \
        == [r["event_id"] for r in json_rows(client, "/monitor/operations.json")
            if "2019-11-01" <= (r["first_date"] or "")[:10] <= "2019-11-30"]
    assert json_rows(client, "/monitor/operations.json?_since=2030-01-01") == []
