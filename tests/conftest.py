"""Shared test set-up. OpenMP must be single-threaded before torch loads: the sandbox forks
this process, and a forked OpenMP pool can deadlock its children."""

import os

os.environ["OMP_NUM_THREADS"] = "1"

import tempfile  # noqa: E402

# The reference's cached observations go to a folder of this run, not the user's cache.
os.environ.setdefault("BUGHUNT_CACHE", tempfile.mkdtemp(prefix="bughunt-test-cache-"))

# The files that grade the whole catalog go first: with two workers taking one file at a
# time, the long ones then run beside the many short ones instead of after them.
CATALOG_WIDE = ("test_content.py", "test_camouflage_content.py", "test_demos.py", "test_alternatives.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: CATALOG_WIDE.index(item.path.name) if item.path.name in CATALOG_WIDE
               else len(CATALOG_WIDE))
