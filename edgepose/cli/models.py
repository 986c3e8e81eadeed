"""``edgepose model info``."""

from __future__ import annotations

import json

import typer

from .common import command, out_console, parse_size
from .options import Force

model_app = typer.Typer(help="Models in the registry: info, import of published weights, lowerings.", no_args_is_help=True)


@command(model_app, "info")
def model_info(
    name: str = typer.Argument(..., help="Registry model name, e.g. litehrnet-18."),
    input_size: str = typer.Option("256x192", "--input", help="HEIGHTxWIDTH (multiples of 32)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Parameters, MACs/FLOPs and layer count of a registry model at an input size."""
    from ..models import check_input_size, model_spec
    from ..models.info import model_info as run_info

    model_spec(name)
    size = parse_size(input_size)
    check_input_size(size)
    info = run_info(name, size)
    if json_out:
        out_console.print_json(json.dumps(info))
    else:
        out_console.print(
            f"{name} @ {input_size}: {info['params'] / 1e6:.3f} M parameters ({info['trainable_params'] / 1e6:.3f} M "
            f"trainable), {info['macs'] / 1e6:.1f} M MACs ({info['flops'] / 1e6:.1f} MFLOPs), {info['layers']} layers"
        )


@command(model_app, "import")
def model_import(
    ir: str = typer.Argument(..., help="PP-TinyPose OpenVINO IR (model.xml with model.bin beside it)."),
    out: str = typer.Option(..., "--out", help="The .keras file to write (with its contract)."),
    input_size: str = typer.Option("", "--input", help="HEIGHTxWIDTH (multiples of 32); default: the IR's own."),
    lowering: str = typer.Option("cpu", "--lowering", help="cpu (5-D shuffle, fastest) | edgetpu (interleave shuffle)."),
    force: Force = False,
) -> None:
    """Published PP-TinyPose weights (PaddleDetection, Apache-2.0) into a trainable edgepose .keras."""
    from ..models.pptinypose_import import import_pptinypose

    size = parse_size(input_size) if input_size else None
    with out_console.status("reading the IR and building the model"):
        info = import_pptinypose(ir, out, size, lowering=lowering, force=force)
    h, w = info["input"]
    out_console.print(
        f"wrote {info['out']}: pptinypose {h}x{w}, {info['params']:,} weights, {info['lowering']} lowering, codec msra"
    )


@command(model_app, "lower")
def model_lower(
    model: str = typer.Argument(..., help="A pptinypose .keras (imported or fine-tuned)."),
    out: str = typer.Option(..., "--out", help="The .keras file to write."),
    lowering: str = typer.Option("edgetpu", "--lowering", help="cpu (5-D shuffle) | edgetpu (interleave shuffle)."),
    head_resize: str = typer.Option("", "--head-resize", help="align_corners | half_pixel (default: keep the model's)."),
    force: Force = False,
) -> None:
    """The same weights in the other lowering (the CPU's fast shuffle, or the form the Edge TPU maps)."""
    from ..models.pptinypose_import import lower_keras

    info = lower_keras(model, out, lowering, head_resize or None, force=force)
    out_console.print(f"wrote {info['out']}: {info['lowering']} lowering, {info['head_resize']} head resizes")
