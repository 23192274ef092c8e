"""Offline audit: export a self-contained bundle of the log, and verify one with nothing else."""
