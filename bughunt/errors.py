"""The one error type the command line turns into exit code 2 and a one-line message, and
notices: things the engine recovered from that the user should hear about (one line each,
on stderr, after the command)."""

_notices: list[str] = []


class UsageError(Exception):
    """Bad input from the user: an unknown level, a missing file, a bad option value."""


def notify(message: str) -> None:
    _notices.append(message)


def notices() -> list[str]:
    """The notices so far, once."""
    taken = list(_notices)
    _notices.clear()
    return taken
