"""Benchmarks: each script prints its figures; run one with ``python -m bench.<name>``."""
