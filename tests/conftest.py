"""Shared test set-up. OpenMP must be single-threaded before torch loads: the sandbox forks
this process, and a forked OpenMP pool can deadlock its children."""

import os

os.environ["OMP_NUM_THREADS"] = "1"
