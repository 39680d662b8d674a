"""monitor: a scheduled news-monitoring scraper for law-enforcement operations."""

__version__ = "0.1.0"
