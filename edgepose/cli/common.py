"""What every command shares: the root app, consoles, the progress reporter, argument parsers, and
the one ``command`` decorator that turns library errors into one line and an exit status.

Library errors name parameters in backquotes (```teacher_weight``` ...); :func:`flagged` maps them to
the running command's flags (``--teacher-weight``), so a notebook user reads parameter names and a
terminal user reads flags.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import sys
from typing import Any, Callable

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..errors import EdgeposeError, one_line

try:  # recent typer vendors click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer depends on click
    from click.exceptions import ClickException as _ClickException

# Keep TensorFlow's C++ and absl chatter out of the user's terminal (set before TF is imported).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    name="edgepose",
    help="2D human pose estimation from training to the device: train, quantize to int8, evaluate, benchmark.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out_console = Console(soft_wrap=True)
err_console = Console(stderr=True)

# library parameter -> flag where the command's own option has another name
FLAG_ALIASES = {
    "ohkm_topk": "--ohkm",
    "batch_size": "--batch",
    "fmt": "--format",
    "input_size": "--input",
    "calib": "--calib",
    "float_layers": "--float-layers",
    "flip_test": "--flip",
    "teachers": "--teacher",
    "input_layout": "--input-layout",
    "threshold": "--det-threshold",
    "score_threshold": "--det-threshold",
    "iou_threshold": "--det-iou",
}


def _context_flags() -> dict[str, str]:
    try:  # recent typer vendors click
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - older typer depends on click
        from click import get_current_context
    ctx = get_current_context(silent=True)
    if ctx is None:
        return {}
    flags = {}
    for p in ctx.command.params:
        longs = [o for o in getattr(p, "opts", []) if o.startswith("--")]
        if p.name and longs:
            flags[p.name] = longs[0]
        elif p.name:
            flags[p.name] = p.name.upper()  # an argument: its metavar
    return flags


def flagged(message: str) -> str:
    """Backquoted parameter names in a library message -> the running command's flags."""
    flags = _context_flags()

    def flag(m: re.Match) -> str:
        name = m.group(1)
        return flags.get(name) or FLAG_ALIASES.get(name) or "--" + name.replace("_", "-")

    return re.sub(r"`([a-z][a-z0-9_]*)`", flag, message)


def exit_status(exc: BaseException) -> int:
    """The one error -> exit mapping: EdgeposeError 1 (GateFailed 3), usage 2, interrupt 130."""
    if isinstance(exc, EdgeposeError):
        return int(getattr(exc, "exit_code", 1))
    if isinstance(exc, _ClickException):
        return int(exc.exit_code or 2)
    if isinstance(exc, (typer.Abort, KeyboardInterrupt)):
        return 130
    return 1


# The machine's own refusals while reading or writing (a full disk, a read-only mount, a busy
# mount point, a symlink loop): the user's to fix, so one line, never a traceback.
ENVIRONMENT_ERRNOS = {
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.ELOOP, errno.EBUSY,
    errno.EFBIG, errno.ENAMETOOLONG, errno.EMFILE, errno.ENFILE, errno.EXDEV,
}  # fmt: skip


def environment_error(exc: BaseException) -> EdgeposeError | None:
    """An OSError the machine raised (see :data:`ENVIRONMENT_ERRNOS`), or pathlib's symlink-loop
    RuntimeError, as one-line EdgeposeError naming the file; None for anything else (a bug)."""
    if isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS:
        where = f"{exc.filename}: " if exc.filename else ""
        hint = " (free some space or choose another output folder)" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        return EdgeposeError(f"{where}{exc.strerror or exc}{hint}")
    if isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop"):
        return EdgeposeError(f"{exc}: a path given is a symbolic link that points back to itself")
    return None


def command(group: typer.Typer, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as ``group``'s command ``name``; an EdgeposeError it raises (or an
    :func:`environment_error`) becomes one line on stderr (parameters shown as flags) and
    :func:`exit_status`."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                try:
                    return fn(*args, **kwargs)
                except (OSError, RuntimeError) as raw:
                    converted = environment_error(raw)
                    if converted is None:
                        raise
                    raise converted from None
            except EdgeposeError as exc:
                err_console.print(f"[red]error:[/red] {escape(one_line(flagged(str(exc))))}", highlight=False, soft_wrap=True)
                raise typer.Exit(exit_status(exc)) from None

        group.command(name)(run)
        return run

    return register


def main() -> None:
    """Console entry point: usage errors and EdgeposeErrors become one line on stderr."""
    try:
        code = app(standalone_mode=False)
    except _ClickException as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(exit_status(exc))
    except (typer.Abort, KeyboardInterrupt) as exc:
        print("aborted", file=sys.stderr)
        sys.exit(exit_status(exc))
    except EdgeposeError as exc:
        print(f"error: {one_line(flagged(str(exc)))}", file=sys.stderr)
        sys.exit(exit_status(exc))
    sys.exit(code if isinstance(code, int) else 0)


class RichReporter:
    """Draws each library step as a rich progress bar on stderr."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: Any = None
        self._name = ""

    def start(self, task: str, total: int | None = None) -> None:
        self._name = task
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=err_console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(task, total=total, info="")

    def advance(self, n: int = 1, **info: Any) -> None:
        if self._progress is None:
            return
        text = " ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in info.items())
        self._progress.update(self._task, advance=n, info=text)

    def finish(self, message: str = "") -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        err_console.print(f"[green]✓[/green] {self._name}" + (f": {message}" if message else ""))


def parse_size(text: str) -> tuple[int, int]:
    """'HxW' (e.g. 256x192, the mmpose convention) -> (width, height)."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise EdgeposeError(f"size '{text}' must look like HEIGHTxWIDTH, e.g. 256x192") from None
    if h <= 0 or w <= 0:
        raise EdgeposeError(f"size '{text}' must be positive")
    return w, h


def resolve_init(init: str, model: str) -> str:
    """``--init``: '' (random), 'pretrained' (the weights shipped for ``model``) or a path."""
    if init != "pretrained":
        return init
    from ..pretrained import pretrained_keras

    return str(pretrained_keras(model))


def triple(text: str, name: str) -> tuple[float, float, float]:
    """'a,b,c' -> three floats (``name`` is the parameter, for the error)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise EdgeposeError(f"`{name}` takes three comma-separated numbers, got '{text}'") from None
    if len(values) != 3:
        raise EdgeposeError(f"`{name}` takes three comma-separated numbers, got '{text}'")
    return values  # type: ignore[return-value]


def gate_images_total(val, val_images) -> int:
    """Progress total of an accuracy gate on ``val``: each image is scored twice (float, then int8);
    0 without a validation set."""
    if val is None or val_images is None:
        return 0
    from ..data.coco import load_coco

    return 2 * len(load_coco(val)["images"])


class Stages:
    """Announces each stage of a gated workflow: a transient status line, or ``reporter``'s progress bar
    for the accuracy gate (``total`` images)."""

    def __init__(self, reporter, total: int):
        self.reporter, self.total, self.spinner = reporter, total, None

    def __call__(self, text: str) -> None:
        self.stop()
        if text.startswith("accuracy gate") and self.reporter is not None:
            self.reporter.start(text, self.total)
        else:
            self.spinner = err_console.status(text)
            self.spinner.start()

    def stop(self) -> None:
        if self.spinner is not None:
            self.spinner.stop()
            self.spinner = None

    def __enter__(self) -> "Stages":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
