"""Progress reporting seam: the library announces work, the CLI draws it (rich). Default: silent."""

from __future__ import annotations

from typing import Any, Protocol


class Reporter(Protocol):
    def start(self, task: str, total: int | None = None) -> None:
        """A new step called ``task`` with ``total`` units of work (None: unknown)."""

    def advance(self, n: int = 1, **info: Any) -> None:
        """``n`` units done; ``info`` (e.g. ``loss``) may be shown."""

    def finish(self, message: str = "") -> None:
        """The current step ended; ``message`` summarises it."""


class SilentReporter:
    def start(self, task: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1, **info: Any) -> None:
        pass

    def finish(self, message: str = "") -> None:
        pass
