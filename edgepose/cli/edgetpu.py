"""``edgepose edgetpu check|compile``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .common import command, out_console

edgetpu_app = typer.Typer(help="Coral Edge TPU: offline mapping check, compiler.", no_args_is_help=True)


@command(edgetpu_app, "check")
def edgetpu_check(
    model: Path = typer.Argument(..., help="int8 .tflite model (before edgetpu_compiler)."),
    all_ops: bool = typer.Option(False, "--all", help="List every op, not only those left on the CPU."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    runtime_version: Optional[int] = typer.Option(
        None,
        "--runtime-version",
        min=10,
        max=14,
        help="Edge TPU runtime the model must run on (ops marked 13+/14+ in Coral's table need it); default 14, the newest.",
    ),  # fmt: skip
) -> None:
    """Predict, op by op, what edgetpu_compiler maps to the TPU, by Coral's documented rules (no TensorFlow, no compiler)."""
    from ..edgetpu import edgetpu_check as run_check
    from ..edgetpu import edgetpu_markdown

    report = run_check(model) if runtime_version is None else run_check(model, runtime_version)
    if json_out:
        out_console.print_json(json.dumps(report))
    else:
        out_console.print(edgetpu_markdown(report, all_ops), markup=False, highlight=False)


@command(edgetpu_app, "compile")
def edgetpu_compile(
    model: Path = typer.Argument(..., help="int8 .tflite model."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: beside the model)."),
) -> None:
    """Run edgetpu_compiler when it is installed."""
    from ..edgetpu import compile_edgetpu

    res = compile_edgetpu(model, out)
    out_console.print(f"wrote {res['compiled']}")
