"""The help centre: articles and their search."""
