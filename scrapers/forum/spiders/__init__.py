"""Spiders of the forum crawler."""
