"""Enrichment: named entities with canonical names and salience."""
