"""Shared test set-up. OpenMP is single-threaded in every process the tests start: the
runners inherit this environment and fork a child per candidate from a warm process, where
a forked OpenMP pool can deadlock; and on two test workers, more threads only contend."""

import os

os.environ["OMP_NUM_THREADS"] = "1"

import tempfile

# The reference's cached observations go to a folder of this run, not the user's cache.
os.environ.setdefault("BUGHUNT_CACHE", tempfile.mkdtemp(prefix="bughunt-test-cache-"))

# The files that grade the whole catalog go first: with two workers taking one file at a
# time, the long ones then run beside the many short ones instead of after them.
CATALOG_WIDE = ("test_content.py", "test_camouflage_content.py", "test_demos.py", "test_alternatives.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: CATALOG_WIDE.index(item.path.name) if item.path.name in CATALOG_WIDE
               else len(CATALOG_WIDE))
