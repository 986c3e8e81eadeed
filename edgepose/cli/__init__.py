"""The ``edgepose`` command line: parse arguments, call one library function, report with rich.

One module per command group; each command is a typer function registered with
:func:`~edgepose.cli.common.command`, which turns an :class:`~edgepose.errors.EdgeposeError` into one
line on stderr (parameter names shown as flags) and exit status 1 (3 for a failed gate); usage
errors exit 2. Heavy imports (TensorFlow, pycocotools) happen inside the commands, so
``edgepose --help`` stays fast.
"""

from __future__ import annotations

# isort: off
# top-level commands register on import, in this order in --help
from . import train, quantize, evaluate, convert, bundle  # noqa: F401

# isort: on
from .bench import bench_app
from .common import app, main
from .data import data_app
from .edgetpu import edgetpu_app
from .models import model_app
from .quantize import calib_app

app.add_typer(data_app, name="data")
app.add_typer(calib_app, name="calib")
app.add_typer(bench_app, name="bench")
app.add_typer(model_app, name="model")
app.add_typer(edgetpu_app, name="edgetpu")

__all__ = ["app", "main"]
