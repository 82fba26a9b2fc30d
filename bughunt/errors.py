"""The one error type the command line turns into exit code 2 and a one-line message."""


class UsageError(Exception):
    """Bad input from the user: an unknown level, a missing file, a bad option value."""
