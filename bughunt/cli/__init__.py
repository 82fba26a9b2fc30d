"""The command line: one command per module, wired together in `main`."""
