"""`make bench`: this template's items function side by side with three peers (docs/PERFORMANCE.md).

The peers live in `benchmarks/peers/`, each a module exposing `handler`; `worker.py` runs one row in a
fresh interpreter; `__main__.py` interleaves the runs and writes the table.
"""
