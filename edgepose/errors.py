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
