"""What monitor concludes from an article: its identity (canonical URL, hashes), near-duplicates,
relevance, facts and events. Pure functions: no I/O, no SQL, no Scrapy."""
