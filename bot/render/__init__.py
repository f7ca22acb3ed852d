"""Renderers: neutral replies become text for one platform or output format."""
