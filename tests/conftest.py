"""Shared test set-up. OpenMP must be single-threaded before torch loads: the sandbox forks
this process, and a forked OpenMP pool can deadlock its children."""

import os

os.environ["OMP_NUM_THREADS"] = "1"

import tempfile  # noqa: E402

# The reference's cached observations go to a folder of this run, not the user's cache.
os.environ.setdefault("BUGHUNT_CACHE", tempfile.mkdtemp(prefix="bughunt-test-cache-"))
