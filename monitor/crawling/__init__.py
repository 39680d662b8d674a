"""The Scrapy side of a crawl: pipelines, downloader middlewares, the report extension, the
exceptions middlewares raise, and the extraction worker the pipeline runs."""
