"""YOLOX ONNX -> int8 (or fp32) TFLite person detector that keeps its accuracy.

What loses a YOLOX int8 conversion, and what this does about it (measured on YOLOX-nano,
coco_val person AP, float 0.396; README "Person detector to int8"):

0. the "Focus" stem's stride-2 slices cannot run on the Edge TPU -> one equivalent 6x6 stride-2
   convolution (:func:`converters.detector_surgery.focus_to_conv`);
1. boxes, objectness and 80 class scores concatenated into one ``[1, A, 85]`` tensor share one
   int8 range -> the graph is cut at the raw per-stride heads, the class head to the person
   class (:func:`converters.detector_surgery.person_heads`); decode moves to numpy;
2. the stem's SiLU output channels span four orders of magnitude under one per-tensor step ->
   the stem chain is split into channel groups of similar magnitude, exact in float
   (:func:`converters.detector_surgery.split_imbalanced_channels`);
3. min/max calibration ranges are set by rare extremes, worse the more images -> ranges of
   least quantization error (:mod:`edgepose.quantize.ranges`).

Calibration images are photos, letterboxed exactly as at inference
(:func:`edgepose.runtime.detectors.yolox_letterbox`). The float graph comes from onnx2tf; the
int8 one from TFLite's own calibrator and quantizer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from edgepose.errors import EdgeposeError
from edgepose.fsutil import atomic_write_bytes

from .onnx_tflite import int8_from_saved_model, load_onnx, onnx_input_spec, run_onnx2tf

FORMATS = ("fp32", "int8")


def is_yolox(model) -> bool:
    """Whether an ONNX model is a YOLOX export (per-stride boxes + sigmoid scores, concatenated)."""
    from .detector_surgery import yolox_levels

    try:
        yolox_levels(model)
    except EdgeposeError:
        return False
    return True


def is_yolox_file(path: str | Path) -> bool:
    """Whether the ONNX file at ``path`` is a YOLOX export (False for anything unreadable: the pose
    path reports that)."""
    try:
        model, _ = load_onnx(Path(path))
    except EdgeposeError:
        return False
    return is_yolox(model)


def calibration_photos(folder: str | Path, count: int = 200) -> list[np.ndarray]:
    """Up to ``count`` RGB photos from ``folder`` (recursively, spread evenly over the sorted
    file list, so the choice is reproducible)."""
    from edgepose.errors import missing_file
    from edgepose.transforms import image_files, load_rgb

    root = Path(folder)
    if not root.is_dir():
        raise missing_file(root) if not root.exists() else EdgeposeError(f"`calib_images` {root} is not a folder of photos")
    files = image_files(root)
    if count < 1:
        raise EdgeposeError(f"`calib_count` must be at least 1, got {count}")
    step = max(1, len(files) // count)
    return [load_rgb(p) for p in files[::step][:count]]


def detector_calibration(images: list[np.ndarray], input_size: tuple[int, int]) -> np.ndarray:
    """``uint8 [N, H, W, 3]`` BGR canvases of RGB ``images`` through the YOLOX letterbox."""
    from edgepose.runtime.detectors import yolox_letterbox

    return np.stack([yolox_letterbox(im, input_size)[0] for im in images])


def convert_detector(
    onnx_path: str | Path,
    out: str | Path,
    images: list[np.ndarray],
    fmt: str = "int8",
    ranges: str = "mse",
    person_class: int = 0,
    split: bool = True,
    timeout_s: int = 900,
) -> dict[str, Any]:
    """Convert a YOLOX ONNX export to a person detector TFLite ``out`` (written atomically).

    ``images``: RGB photos (uint8 ``[h, w, 3]``) for calibration and the channel statistics;
    ``ranges``: ``mse`` or ``minmax`` (:mod:`edgepose.quantize.ranges`); ``split``: the channel-group
    split. A Focus stem (stride-2 slices) becomes one equivalent convolution. Returns ``{"verify",
    "focus_to_conv", "split", "changed_ranges", "input"}``.
    """
    import onnx

    from edgepose.quantize.ranges import RANGE_METHODS
    from edgepose.quantize.verify import verify_tflite

    from .detector_surgery import focus_to_conv, person_heads, split_imbalanced_channels

    if fmt not in FORMATS:
        raise EdgeposeError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    if ranges not in RANGE_METHODS:
        raise EdgeposeError(f"unknown `ranges` '{ranges}'; choose one of: {', '.join(RANGE_METHODS)}")
    if not images:
        raise EdgeposeError("`images`: a detector conversion needs calibration photos (a folder of images)")
    src = Path(onnx_path)
    model, _ = load_onnx(src)
    spec = onnx_input_spec(model)
    canvases = detector_calibration(images, (spec["width"], spec["height"]))
    feeds = [
        (c.transpose(2, 0, 1)[None] if spec["layout"] == "nchw" else c[None]).astype(np.float32) for c in canvases[:16]
    ]
    heads, focus = focus_to_conv(person_heads(model, person_class))
    split_rows: list[dict[str, Any]] = []
    if split:
        heads, split_rows = split_imbalanced_channels(heads, feeds)
    with tempfile.TemporaryDirectory(prefix="edgepose-detector-") as tmp:
        work = Path(tmp)
        prepared = work / "model.onnx"
        onnx.save(heads, str(prepared))
        folder = run_onnx2tf(prepared, work, spec["name"], timeout_s, spec["layout"] == "nhwc")
        changed: list[dict[str, Any]] = []
        if fmt == "fp32":
            flatbuffer = (folder / "model_float32.tflite").read_bytes()
        else:
            flatbuffer, changed = int8_from_saved_model(folder, canvases, ranges, "the detector")
        atomic_write_bytes(out, flatbuffer)
    return {"verify": verify_tflite(out, expect=fmt), "focus_to_conv": focus, "split": split_rows,
            "changed_ranges": len(changed), "input": spec}  # fmt: skip


def gated_convert_detector(
    onnx_path: str | Path,
    out: str | Path,
    images: list[np.ndarray],
    fmt: str = "int8",
    ranges: str = "mse",
    val: str | Path | None = None,
    val_images: str | Path | None = None,
    max_ap_drop: float | None = None,
    force: bool = False,
    on_stage=None,
) -> dict[str, Any]:
    """:func:`convert_detector` through the one gated workflow (:func:`edgepose.quantize.gated.gated_file`):
    with ``val``/``val_images`` (a COCO file with person boxes) the float ONNX detector and the converted
    file are scored on person AP, the report lands beside ``out``, and a drop above ``max_ap_drop``
    (default :data:`~edgepose.bench.detection.DETECTION_MAX_AP_DROP`) raises
    :class:`~edgepose.errors.GateFailed` (exit status 3) with nothing written at ``out``.
    Returns ``{"out", "report", "gate"}``."""
    from edgepose.bench.detection import DETECTION_MAX_AP_DROP, detection_gate, detection_gate_markdown
    from edgepose.quantize.gate import check_gate_arguments
    from edgepose.quantize.gated import gated_file

    check_gate_arguments(val, val_images, max_ap_drop, drop_needs_val=False)
    limit = DETECTION_MAX_AP_DROP if max_ap_drop is None else max_ap_drop
    stage = on_stage or (lambda text: None)

    def produce(tmp: Path) -> dict[str, Any]:
        stage(f"{Path(onnx_path).name} -> {fmt} person detector ({len(images)} calibration photos)")
        return convert_detector(onnx_path, tmp, images, fmt=fmt, ranges=ranges)

    def gate(tmp: Path) -> tuple[dict[str, Any], str]:
        stage("detection gate: person AP, float vs converted")
        verdict = detection_gate(onnx_path, tmp, val, val_images, max_ap_drop=limit)
        verdict["candidate"]["detector"] = Path(out).name
        if not verdict["passed"]:
            verdict["reasons"] = [f"person AP drop {verdict['ap_drop']:.4f} > `max_ap_drop` {limit}"]
        return verdict, detection_gate_markdown(verdict)

    report, verdict = gated_file(
        out, produce, gate if val is not None else None, inputs=[onnx_path, val, val_images], force=force,
        advice="Try more or more typical calibration photos, or `ranges` mse",
    )  # fmt: skip
    return {"out": str(out), "report": report, "gate": verdict}
