"""The first page of a sorted table is ordered as Datasette orders its next pages (sort column,
then primary key): monitor.desk.paging. Paging a grown store to the end is in
tests/test_desk_search_volume.py (and that SQL typed by a user is left as typed); here,
which SQL gets the tiebreaker and which is left alone."""

from __future__ import annotations

import pytest

from monitor.desk.paging import with_tiebreaker

PAGE = ("select id, title from items where rowid in (select rowid from items_fts where "
        "items_fts match escape_fts(:search) order by rowid desc limit 400) ")


@pytest.mark.parametrize(("sql", "tiebroken"), [
    ("select id from items order by published desc limit 51",
     "select id from items order by published desc, id limit 51"),
    (PAGE + "order by published limit 21", PAGE + "order by published, id limit 21"),
    ("select id from items where source = :p0 order by [text] desc limit 3",
     "select id from items where source = :p0 order by [text] desc, id limit 3"),
])
def test_a_table_page_sorted_by_one_column_gets_the_primary_key_after_it(sql, tiebroken):
    assert with_tiebreaker(sql, "items", "id") == tiebroken


@pytest.mark.parametrize("sql", [
    "select id from items order by published desc, id limit 51",  # Datasette's next pages
    "select id from items order by id limit 51",  # sorted by the key itself
    "select id from items where rowid in (select rowid from items_fts order by rowid desc limit 9)",
    "select count(*) from items where published > '2024'",
    "select id from facts order by kind limit 51",  # another table
    ("select kind as value, count(*) as count from (select * from items) group by kind "
     "order by count desc, value limit 31"),  # a facet
    "select id from items order by published desc limit 51 offset 50",  # a later page by offset (a view)
])
def test_any_other_sql_is_left_as_it_is(sql):
    assert with_tiebreaker(sql, "items", "id") == sql

