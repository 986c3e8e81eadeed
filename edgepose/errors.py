"""The one user-facing error type.

The library raises :class:`EdgeposeError` for anything the user can fix (bad paths, bad
arguments, malformed files). The CLI prints its message as one line on stderr and exits
non-zero. Any other exception is a bug and may show a traceback.
"""

from __future__ import annotations


class EdgeposeError(Exception):
    """A problem the user can act on; ``str(err)`` is the one-line message."""


class GateFailed(EdgeposeError):
    """A check the user asked for did not pass (e.g. ``--max-ap-drop``): exit status 3."""

    exit_code = 3


def one_line(text: str) -> str:
    """``text`` with control characters (newlines from a file's own strings, e.g. an id ``"\\n"``)
    shown escaped, so a message stays one line; other characters are kept as they are."""
    import re

    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def missing_file(path, what: str = "model file") -> EdgeposeError:
    """The one-line error for a path that is not a readable file: a symbolic link that never reaches a
    file (a loop, or a dangling link) is named as such, since "not found" would hide why."""
    import os

    if os.path.islink(path):
        return EdgeposeError(f"{what} not found: {path} is a symbolic link that never reaches a file (a loop or a dangling link)")
    return EdgeposeError(f"{what} not found: {path}")
