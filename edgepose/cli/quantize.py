"""``edgepose quantize`` and ``edgepose calib build``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..defaults import INPUT_TEXT
from ..errors import EdgeposeError, GateFailed
from .common import RichReporter, app, command, err_console, out_console, parse_size

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
    ranges: str = typer.Option("minmax", "--ranges", help="int8 activation ranges: minmax (calibrated) | mse (least error)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Convert a Keras model to TFLite, verify it, and (with --val) gate its accuracy against the float model."""
    from ..fsutil import atomic_write_json, atomic_write_text, check_apart, output_file
    from ..models.saved import load_model
    from ..quantize import load_calibration
    from ..quantize import quantize as run_quantize
    from ..quantize.gate import check_max_ap_drop

    inputs = [model, calib, val, val_images]
    check_apart(out, inputs)
    if out.exists() and not force:
        raise EdgeposeError(f"{out} already exists; pass --force to overwrite it")
    if (val is None) != (val_images is None):
        raise EdgeposeError("--val and --val-images go together")
    if max_ap_drop is not None and val is None:
        raise EdgeposeError("--max-ap-drop needs a validation set (--val ANN.json --val-images DIR)")
    check_max_ap_drop(max_ap_drop)  # before the conversion, not after it
    from ..models.saved import training_contract

    keras_model = load_model(model)
    crops = None
    if calib is not None:
        _, h, w, _ = keras_model.input_shape
        crops = load_calibration(calib, (w, h))
    if layer_report and crops is None:
        raise EdgeposeError("--layer-report needs a calibration set (--calib DIR)")
    names = [n.strip() for n in float_layers.split(",") if n.strip()]
    # the model is built aside and lands at `out` only once verified and through the gate
    with output_file(out, force=force, inputs=inputs) as tmp:
        with err_console.status(f"converting to {fmt}"):
            report = run_quantize(
                keras_model, tmp, fmt, calib=crops, io=io, float_layers=names, ranges=ranges, contract=training_contract(model)
            )
        ops = ", ".join(f"{k}x{v}" for k, v in report["ops"].items())
        out_console.print(f"{fmt} model: {report['size_bytes'] / 1024:.0f} KiB; ops: {ops}")
        if layer_report:
            from ..quantize.debug import layer_error_report, layer_report_markdown

            with err_console.status("per-layer quantization error"):
                rows = layer_error_report(keras_model, crops)
            atomic_write_json(out.with_suffix(".layers.json"), rows)
            out_console.print(layer_report_markdown(rows), markup=False, highlight=False)
        if val is not None:
            from ..data.coco import load_coco
            from ..quantize.gate import accuracy_gate, gate_markdown

            n_images = len(load_coco(val)["images"])
            reporter = RichReporter()
            reporter.start("accuracy gate (float, then quantized)", 2 * n_images)
            gate = accuracy_gate(model, tmp, val, val_images, max_ap_drop, on_progress=lambda n: reporter.advance(n))
            reporter.finish()
            gate["candidate"]["model"] = str(out)  # the path it lands at, not the temporary one
            atomic_write_json(out.with_suffix(".gate.json"), gate)
            atomic_write_text(out.with_suffix(".gate.md"), gate_markdown(gate))
            out_console.print(gate_markdown(gate), markup=False, highlight=False)
            if not gate["passed"]:
                raise GateFailed(
                    f"accuracy gate failed: {'; '.join(gate['reasons'])}; the model was not written to {out} (report: "
                    f"{out.with_suffix('.gate.md')}). Try --format int16x8, --float-layers NAMES from --layer-report, "
                    "or a calibration set built from your own data ('edgepose calib build')"
                )
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
    force: bool = typer.Option(False, "--force"),
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
