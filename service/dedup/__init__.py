"""Deduplication: fingerprints, URL keys and the stage that judges each article."""
