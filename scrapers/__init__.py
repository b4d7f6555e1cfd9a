"""Collectors for the corpus: the phpBB forum crawler (``scrapers.forum``) and Telegram."""
