"""Deterministic figures (SVG/PNG) and the tables printed beside them."""
