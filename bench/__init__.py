"""Benchmarks: scripts that print figures (``python -m bench.fanout``, ``python -m bench.cost``)."""
