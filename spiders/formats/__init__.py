"""Pure parsers of what sources serve (feeds, sitemaps, listing pages): bytes or a response in,
plain records out. They import no spider, so tests and other code can use them alone."""
