"""Load tests (locust): see bench/load/run.py."""
