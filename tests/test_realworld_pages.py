"""Junk pages are not articles (issue 18 item 3): a search-results page whose entries are list
items of links (trafilatura writes each as "- text") is told by its heading and dated teasers."""

from benchmarks.realworld import Story, render_page
from monitor.extract import extract_article_with_reason

ENTRIES = ["475 detained in raid at battery plant site, prosecutors say — News — Sept. 5, 2025",
           "Battery plant raid near Savannah ends with hundreds in custody — News — Sept. 5, 2025",
           "Company says none of those detained at the site were its employees — Business — Sept. 6, 2025",
           "Photos: Families wait for news outside the processing center — Photos — Sept. 7, 2025",
           "Opinion: The raid that shook the state's biggest project — Opinion — Sept. 8, 2025",
           "Police raid on a nightclub ends with two arrests — Crime — Aug. 21, 2025",
           "Deputies raid suspected gambling operation in the county — Crime — July 30, 2025",
           "Letters: Readers react to the plant raid and what comes next — Opinion — Sept. 9, 2025"]


def test_a_search_results_page_of_linked_list_items_is_not_an_article():
    story = Story("neg-search", "news", "ledger.example", None, "Search results: raid",
                  "\n\n".join(ENTRIES), False, None, None, None, None, "none", None, None, None, False,
                  None, ["junk-page"], "a")
    url = "http://127.0.0.1/ledger-example/neg-search.html"
    article, reason = extract_article_with_reason(render_page(story, url), url)
    assert (article, reason) == (None, "search-or-tag")
