"""phpBB forum crawler (Scrapy project): spider, item pipelines, settings, runner.

Call :func:`scrapers.forum.crawl.crawl_forum`; it runs the crawl in a subprocess.
"""
