"""Scrapy spiders: discovery and fetching only (feeds, sitemaps, listing pages). No extraction,
no database: they yield `monitor.items.Page` and `monitor.items.CrawlProblem`."""
