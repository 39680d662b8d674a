"""What one run of the tool is: a crawl (crawl.py), the daemon that schedules them (daemon.py),
Scrapyd nodes (nodes.py), and what runs share: locks, source health, notifications."""
