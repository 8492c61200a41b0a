"""Cleaning: HTML and text to the story's text, front matter and rules."""
