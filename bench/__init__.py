"""Benchmarks (not part of the test run). See docs/performance.md for what each measures and how to run it."""
