"""``edgepose convert`` (ONNX -> TFLite) and ``edgepose export-onnx``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import EdgeposeError, GateFailed
from .common import RichReporter, Stages, app, command, err_console, gate_images_total, out_console, triple
from .options import CodecWhenUnsaid, Force


@command(app, "convert")
def convert(
    model: Path = typer.Argument(..., help="ONNX pose model (read only; never modified)."),
    out: Path = typer.Option(..., "--out", help="Output .tflite file."),
    fmt: str = typer.Option("int8", "--format", help="fp32 | int8"),
    calib: Optional[Path] = typer.Option(None, "--calib", help="Calibration folder (from 'edgepose calib build')."),
    input_layout: str = typer.Option("auto", "--input-layout", help="auto | nchw | nhwc"),
    normalize: Optional[str] = typer.Option(
        None,
        "--normalize",
        help="The ONNX model's input: imagenet | unit | symmetric | raw (default: what the file says, else imagenet).",
    ),
    mean: str = typer.Option("", "--mean", help="Override: per-channel mean on [0,1] pixels, e.g. 0.5,0.5,0.5."),
    std: str = typer.Option("", "--std", help="Override: per-channel std on [0,1] pixels."),
    codec: CodecWhenUnsaid = None,
    calib_images: Optional[Path] = typer.Option(
        None, "--calib-images", help="Person detectors (YOLOX): a folder of photos to calibrate int8 with."
    ),
    calib_count: int = typer.Option(200, "--calib-count", help="Person detectors: photos taken from --calib-images."),
    ranges: str = typer.Option("auto", "--ranges", help="int8 activation ranges: auto (= mse) | mse (least error) | minmax."),
    val: Optional[Path] = typer.Option(
        None, "--val", "--gate-data", help="Gate: COCO file (pose models: keypoints; detectors: person boxes)."
    ),
    val_images: Optional[Path] = typer.Option(None, "--val-images", "--gate-images", help="Images folder of --val."),
    max_ap_drop: Optional[float] = typer.Option(
        None, "--max-ap-drop", help="Fail (exit 3, nothing written) when AP drops by more than this (detectors: 0.03)."
    ),
    layer_report: bool = typer.Option(
        False, "--layer-report", help="int8: per-layer quantization error, worst first (also .layers.json beside --out)."
    ),
    force: Force = False,
) -> None:
    """ONNX -> TFLite through onnx2tf (offline), the same gated int8 workflow as quantize: pose models
    verified against onnxruntime and (with --val) gated on keypoint AP; YOLOX person detectors cut at
    their heads, calibrated on photos and gated on person AP."""

    from ..contract import unit_mean_std
    from ..fsutil import check_apart
    from ..quantize.gate import gate_markdown

    check_apart(out, [model, calib, calib_images])
    if out.exists() and not force:
        raise EdgeposeError(f"{out} already exists; pass --force to overwrite it")
    from converters.onnx_detector import is_yolox_file

    if is_yolox_file(model):  # the detector path reports its own gate
        _convert_detector(model, out, fmt, calib_images, calib_count, ranges, val, val_images, max_ap_drop, force)
        return
    reporter = RichReporter()
    try:
        assumption = ""  # said once the conversion has worked (a refused run prints its one error line only)
        if normalize is None and not (mean and std):
            normalize, assumption = _described_normalization(model)
        m, s = unit_mean_std(normalize or "imagenet")
        m = triple(mean, "mean") if mean else m
        s = triple(std, "std") if std else s
        from converters.onnx_tflite import gated_convert_onnx

        from ..quantize import load_calibration

        crops = load_calibration(calib) if calib is not None else None
        with Stages(reporter, gate_images_total(val, val_images)) as stage:
            res = gated_convert_onnx(
                model, out, fmt, calib=crops, layout=input_layout, mean=m, std=s, codec=codec, name=out.stem,
                ranges=ranges, val=val, val_images=val_images, max_ap_drop=max_ap_drop, force=force, on_stage=stage,
                layer_report=layer_report,
                on_progress=lambda n: reporter.advance(n),
            )  # fmt: skip
    except GateFailed as failure:
        reporter.finish()
        out_console.print(gate_markdown(failure.gate), markup=False, highlight=False)
        raise
    if assumption:
        err_console.print(assumption, soft_wrap=True, highlight=False)
    report = res["report"]
    for note in report["legacy_notes"]:
        err_console.print(f"legacy ONNX: {note}", soft_wrap=True, highlight=False)
    v, c = report["verify"], report["compare"]
    ops = ", ".join(f"{k}x{n}" for k, n in v["ops"].items())
    out_console.print(f"{out}: {v['size_bytes'] / 1024:.0f} KiB (ONNX {report['onnx_size_bytes'] / 1024:.0f} KiB); ops: {ops}")
    if report["ranges"]:
        out_console.print(f"activation ranges: {report['ranges']} ({report['changed_ranges']} narrowed)")
    agree = f"{100 * c['keypoint_agreement']:.1f} %" if c["keypoint_agreement"] is not None else "n/a"
    out_console.print(
        f"vs onnxruntime ({report['reference']}) on {c['samples']} calibration crops: max abs error {c['max_abs_error']:.4g} "
        f"(outputs in [{c['output_range'][0]:.3g}, {c['output_range'][1]:.3g}]), keypoints within one heatmap pixel: {agree}"
    )
    if res["layers"] is not None:
        from ..quantize.debug import layer_report_markdown

        out_console.print(layer_report_markdown(res["layers"]), markup=False, highlight=False)
    if res["gate"] is not None:
        reporter.finish()
        out_console.print(gate_markdown(res["gate"]), markup=False, highlight=False)
    if report["codec"]:
        out_console.print(f"contract embedded: RGB pixels 0..255 in, codec {report['codec']}")
    else:
        err_console.print(
            f"no contract embedded: readers decode {out.name} with the gaussian codec; if its heatmaps use another "
            "convention, pass --codec (e.g. msra) or run 'edgepose bundle' with --codec",
            soft_wrap=True,
            highlight=False,
        )


def _convert_detector(model, out, fmt, calib_images, calib_count, ranges, val, val_images, max_ap_drop, force):
    from converters.onnx_detector import calibration_photos, gated_convert_detector

    from ..bench.detection import detection_gate_markdown

    if calib_images is None:
        raise EdgeposeError(f"{model.name} is a YOLOX person detector: pass --calib-images DIR (photos to calibrate with)")
    with err_console.status(f"reading calibration photos from {calib_images}"):
        photos = calibration_photos(calib_images, calib_count)
    with Stages(None, 0) as stage:
        try:
            res = gated_convert_detector(
                model, out, photos, fmt=fmt, ranges="mse" if ranges == "auto" else ranges, val=val, val_images=val_images,
                max_ap_drop=max_ap_drop, force=force, on_stage=stage,
            )  # fmt: skip
        except GateFailed as failure:
            stage.stop()
            out_console.print(detection_gate_markdown(failure.gate), highlight=False)
            raise
    report = res["report"]
    if report["focus_to_conv"]:
        out_console.print("Focus stem (stride-2 slices + conv) -> one 6x6 stride-2 convolution (Edge TPU)")
    for row in report["split"]:
        groups = ", ".join(f"{n} ch up to {m:.3g}" for m, n in row["groups"])
        out_console.print(f"split {row['conv']} ({row['channels']} channels) into groups: {groups}", highlight=False)
    v = report["verify"]
    ops = ", ".join(f"{k}x{n}" for k, n in v["ops"].items())
    out_console.print(
        f"{out}: {v['size_bytes'] / 1024:.0f} KiB, kind yolox-heads; {report['changed_ranges']} ranges narrowed; ops: {ops}"
    )
    if res["gate"] is not None:
        out_console.print(detection_gate_markdown(res["gate"]), highlight=False)


@command(app, "export-onnx")
def export_onnx(
    model: Path = typer.Argument(..., help="Trained .keras model."),
    out: Path = typer.Option(..., "--out", help="Output .onnx file."),
    opset: int = typer.Option(17, "--opset"),
    force: Force = False,
) -> None:
    """Keras -> ONNX through tf2onnx (NHWC float input, RGB 0..255), checked against onnxruntime."""

    from ..fsutil import check_apart, output_file

    check_apart(out, [model])
    if out.exists() and not force:
        raise EdgeposeError(f"{out} already exists; pass --force to overwrite it")
    from converters.keras_onnx import export_onnx as run_export

    with output_file(out, force=force, inputs=[model]) as tmp, err_console.status("tf2onnx"):
        res = run_export(model, tmp, opset=opset)
    out_console.print(
        f"{out}: {res['size_bytes'] / 1024:.0f} KiB, opset {res['opset']}, input {res['input']} (NHWC, RGB 0..255); "
        f"max abs error vs Keras {res['max_abs_error']:.2g}"
    )
    if res.get("contract"):
        codec = res["contract"]["output"]["codec"]["name"]
        out_console.print(f"contract carried in metadata_props (edgepose.contract): codec {codec}")


def _described_normalization(model: Path) -> tuple[str, str]:
    """``(normalisation, what to tell the user)``: what an ONNX file describes (``edgepose export-onnx`` writes it),
    or, where it says nothing, ImageNet's with a line saying so and how to change it."""
    import onnx

    from converters.keras_onnx import stated_contract

    try:
        proto = onnx.load(str(model), load_external_data=False)
    except Exception:  # unreadable files get their one line from the conversion itself
        return "imagenet", ""
    _, described = stated_contract(proto, str(model))  # a damaged description: one line, here
    if described:
        return described["normalization"], f"input: {described['normalization']} normalisation, as {model.name} describes it"
    return "imagenet", (
        f"{model.name} does not describe its input: assumed RGB with ImageNet mean/std on [0, 1] pixels; "
        "pass --normalize raw | unit | symmetric (or --mean/--std) if it expects something else"
    )
