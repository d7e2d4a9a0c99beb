"""Benchmarks: ``make bench`` (``python -m bench``); not tests, never served. docs/performance.md.

The driver (``bench.__main__``, ``bench.run``) starts a private stack on loopback with
``devstack``, drives it over HTTP with ``bench.loadgen`` and reads the database afterwards.
The Django app ``bench`` exists only under ``bench.settings``: it holds the bare DRF endpoint
the intake API is compared with, and the management commands that bulk-load data and count
queries. ``config.settings`` / ``config.urls`` never include it.
"""
