"""``edgepose quantize`` and ``edgepose calib build``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..defaults import INPUT_TEXT, RANGES
from ..errors import EdgeposeError, GateFailed
from .common import RichReporter, Stages, app, command, gate_images_total, out_console, parse_size
from .options import Force

calib_app = typer.Typer(help="Calibration sets for int8 quantization.", no_args_is_help=True)


@command(app, "quantize")
def quantize(
    model: Path = typer.Argument(..., help="Trained .keras model."),
    out: Path = typer.Option(..., "--out", help="Output .tflite file (its gate and layer reports go beside it)."),
    fmt: str = typer.Option("int8", "--format", help="fp32 | fp16 | dynamic | int8 | int16x8"),
    io: str = typer.Option("int8", "--io", help="int8 model input/output type: int8 | uint8 | float"),
    calib: Optional[Path] = typer.Option(None, "--calib", help="Calibration folder (from 'edgepose calib build')."),
    val: Optional[Path] = typer.Option(None, "--val", help="Validation COCO JSON: float vs quantized AP side by side."),
    val_images: Optional[Path] = typer.Option(None, "--val-images", help="Images folder of --val."),
    max_ap_drop: Optional[float] = typer.Option(None, "--max-ap-drop", help="Fail (exit 3) when AP drops by more than this."),
    layer_report: bool = typer.Option(False, "--layer-report", help="Per-layer int8 error report (worst layers first)."),
    float_layers: str = typer.Option("", "--float-layers", help="Comma-separated tensor names to keep in float (int8)."),
    ranges: str = typer.Option(
        RANGES, "--ranges", help="int8 activation ranges: auto (tied after train --qat, else mse) | minmax (TFLite "
        "calibrated) | mse (least error) | tied (edgepose min/max with TFLite scale ties; what train --qat trains with)."
    ),
    force: Force = False,
    equalize: bool = typer.Option(
        True, "--equalize/--no-equalize", help="Exact residual-stream channel equalization before int8 (float unchanged)."
    ),
) -> None:
    """Convert a Keras model to TFLite, verify it, and (with --val) gate its accuracy against the float model."""
    from ..quantize.gate import gate_markdown
    from ..quantize.gated import gated_quantize

    reporter = RichReporter()
    names = [n.strip() for n in float_layers.split(",") if n.strip()]
    try:
        with Stages(reporter, gate_images_total(val, val_images)) as stage:
            res = gated_quantize(
                model, out, fmt, calib=calib, io=io, val=val, val_images=val_images, max_ap_drop=max_ap_drop,
                layer_report=layer_report, float_layers=names, ranges=ranges, force=force, equalize=equalize,
                on_stage=stage, on_progress=lambda n: reporter.advance(n),
            )  # fmt: skip
    except GateFailed as failure:
        reporter.finish()
        out_console.print(gate_markdown(failure.gate), markup=False, highlight=False)
        raise
    report = res["report"]
    ops = ", ".join(f"{k}x{v}" for k, v in report["ops"].items())
    out_console.print(f"{fmt} model: {report['size_bytes'] / 1024:.0f} KiB; ops: {ops}")
    if report.get("ranges"):
        out_console.print(f"activation ranges: {report['ranges']}")
    eq = report.get("equalization")
    if eq:
        out_console.print(f"equalization: {eq['groups']} channel groups rescaled (largest factor {eq['max_factor']:.1f})")
    if res["layers"] is not None:
        from ..quantize.debug import layer_report_markdown

        out_console.print(layer_report_markdown(res["layers"]), markup=False, highlight=False)
    if res["gate"] is not None:
        reporter.finish()
        out_console.print(gate_markdown(res["gate"]), markup=False, highlight=False)
    out_console.print(f"wrote {out}")


@command(calib_app, "build")
def calib_build(
    data: Optional[Path] = typer.Option(None, "--data", help="COCO person-keypoints JSON."),
    images: Optional[Path] = typer.Option(None, "--images"),
    synthetic: bool = typer.Option(False, "--synthetic", help="Render people with the built-in generator instead of --data."),
    out: Path = typer.Option(..., "--out"),
    n: int = typer.Option(300, "-n", help="Number of person crops."),
    input_size: str = typer.Option(INPUT_TEXT, "--input", help="Model input HEIGHTxWIDTH."),
    seed: int = typer.Option(0, "--seed"),
    force: Force = False,
) -> None:
    """Build a calibration set of person crops (inference preprocessing), stratified over size and pose."""
    from ..fsutil import output_folder
    from ..quantize import build_calibration
    from ..quantize.calibration import build_synthetic_calibration

    if n < 1:
        raise EdgeposeError(f"-n must be at least 1, got {n}")
    if synthetic == (data is not None) or (data is None) != (images is None):
        raise EdgeposeError("give either --data ANN.json --images DIR, or --synthetic")
    size = parse_size(input_size)
    from ..models import check_input_size

    check_input_size(size)
    with output_folder(out, force=force, inputs=[data, images]) as folder:
        if synthetic:
            meta = build_synthetic_calibration(folder, size, n, seed)
        else:
            meta = build_calibration(data, images, folder, size, n, seed)
    out_console.print(f"{meta['count']} crops -> {out}")
