"""``edgepose model info``."""

from __future__ import annotations

import json

import typer

from .common import command, out_console, parse_size

model_app = typer.Typer(help="Models in the registry: info.", no_args_is_help=True)


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
