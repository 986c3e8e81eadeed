"""ONNX -> TFLite (fp32 or full-integer int8) through onnx2tf, offline, in a subprocess.

The input file is only read. Its copy gets a normalisation prefix, so the converted model
takes RGB pixels in [0, 255] exactly like edgepose's own models (the same calibration crops
and runtime preprocessing apply). onnx2tf's hidden download of a sample calibration array is
avoided by placing an array of that name in its working directory, and our calibration crops
are passed with ``-cind``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from edgepose.defaults import CODEC, SIGMA
from edgepose.errors import EdgeposeError, missing_file
from edgepose.fsutil import atomic_write_bytes

FORMATS = ("fp32", "int8")
LAYOUTS = ("auto", "nchw", "nhwc")
ONNX_RANGES = ("mse", "minmax")  # int8 activation ranges for ONNX files (`tied` needs ranges trained with `qat`)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
ONNX2TF_SAMPLE = "calibration_image_sample_data_20x128x128x3_float32.npy"  # what onnx2tf would download


def load_onnx(path: Path) -> tuple[Any, list[str]]:
    """``(model ready for onnx2tf, notes on what was rewritten)``: legacy files (IR 3, opset < 11,
    initializers as inputs, old BatchNormalization) are brought up to date first (onnx_legacy), then
    grouped/depthwise ConvTranspose are lowered to a few ops (onnx_deconv)."""
    try:
        import onnx
    except ImportError:
        raise EdgeposeError("ONNX conversion needs the convert extra: pip install 'edgepose[convert]'") from None
    from .onnx_legacy import is_legacy, modernize

    if not path.is_file():
        raise missing_file(path)
    if path.stat().st_size == 0:
        raise EdgeposeError(f"{path} is empty (0 bytes): not an ONNX model; export or copy it again")
    try:
        model = onnx.load(str(path))
    except Exception as exc:
        raise EdgeposeError(f"{path} is not a valid ONNX model: {str(exc).splitlines()[0][:200]}") from None
    if not model.graph.node or not model.opset_import:
        raise EdgeposeError(
            f"{path} is not a usable ONNX model: it has {len(model.graph.node)} nodes and "
            f"{len(model.opset_import)} opset imports (a truncated or foreign file?)"
        )
    from .onnx_deconv import lower_grouped_conv_transpose

    if is_legacy(model):
        model, notes = modernize(model)
    else:
        try:
            onnx.checker.check_model(model)
        except Exception as exc:
            raise EdgeposeError(f"{path} is not a valid ONNX model: {str(exc).splitlines()[0][:200]}") from None
        notes = []
    model, lowered = lower_grouped_conv_transpose(model)
    return model, notes + lowered


def onnx_input_spec(model, layout: str = "auto") -> dict[str, Any]:
    """``{"name", "layout", "height", "width"}`` of the model's single RGB image input."""
    inits = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if len(inputs) != 1:
        raise EdgeposeError(f"expected one image input, the ONNX model has {len(inputs)}: {[i.name for i in inputs]}")
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) != 4:
        raise EdgeposeError(f"input '{inputs[0].name}' has shape {dims}; expected a 4-D image batch")
    if layout == "auto":
        layout = "nchw" if dims[1] == 3 else "nhwc" if dims[3] == 3 else ""
        if not layout:
            raise EdgeposeError(f"input '{inputs[0].name}' {dims} has no 3-channel axis; pass `input_layout`")
    h, w = (dims[2], dims[3]) if layout == "nchw" else (dims[1], dims[2])
    c = dims[1] if layout == "nchw" else dims[3]
    if c != 3:
        raise EdgeposeError(f"input '{inputs[0].name}' {dims} is not 3-channel in {layout.upper()} layout")
    if h <= 0 or w <= 0:
        raise EdgeposeError(f"input '{inputs[0].name}' has a dynamic size {dims}; export the ONNX model with a fixed input size")
    return {"name": inputs[0].name, "layout": layout, "height": int(h), "width": int(w)}


def with_batch_one(model):
    """A copy of ``model`` whose dynamic batch dimension (``N``, ``?``) is 1 on the inputs and outputs,
    with the intermediate shapes inferred again: onnx2tf's ConvTranspose needs static output sizes."""
    import onnx

    def dynamic(dim) -> bool:
        return not dim.HasField("dim_value") or dim.dim_value <= 0

    values = [*model.graph.input, *model.graph.output]
    if not any(v.type.tensor_type.shape.dim and dynamic(v.type.tensor_type.shape.dim[0]) for v in values):
        return model
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for v in [*m.graph.input, *m.graph.output]:
        dims = v.type.tensor_type.shape.dim
        if dims and dynamic(dims[0]):
            dims[0].Clear()
            dims[0].dim_value = 1
    del m.graph.value_info[:]
    try:
        return onnx.shape_inference.infer_shapes(m)
    except Exception:  # inference is a help, not a requirement
        return m


def with_pixel_input(model, spec: dict[str, Any], mean: tuple[float, ...], std: tuple[float, ...]):
    """A copy of ``model`` whose input takes RGB in [0, 255]: ``x = (pixels / 255 - mean) / std``."""
    import onnx
    from onnx import helper, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    name = spec["name"]
    inner = f"{name}__normalized"
    for node in m.graph.node:
        node.input[:] = [inner if i == name else i for i in node.input]
    shape = (1, 3, 1, 1) if spec["layout"] == "nchw" else (1, 1, 1, 3)
    mean255 = (np.asarray(mean, np.float32) * 255.0).reshape(shape)
    inv_std255 = (1.0 / (np.asarray(std, np.float32) * 255.0)).reshape(shape)
    m.graph.initializer.extend(
        [numpy_helper.from_array(mean255, f"{name}__mean255"), numpy_helper.from_array(inv_std255, f"{name}__inv_std255")]
    )
    centred = f"{name}__centred"
    m.graph.node.insert(0, helper.make_node("Mul", [centred, f"{name}__inv_std255"], [inner], name=f"{name}__scale"))
    m.graph.node.insert(0, helper.make_node("Sub", [name, f"{name}__mean255"], [centred], name=f"{name}__centre"))
    return m


def run_onnx2tf(model_path: Path, work: Path, input_name: str, timeout_s: int, nhwc: bool) -> Path:
    """Run onnx2tf in ``work`` (offline) to a float SavedModel; returns its output folder. Quantization is
    ours (:func:`int8_from_saved_model`), not onnx2tf's."""
    exe = Path(sys.executable).parent / "onnx2tf"
    if not exe.is_file():
        exe = shutil.which("onnx2tf")
        if exe is None:
            raise EdgeposeError("onnx2tf is not installed: pip install 'edgepose[convert]'")
    np.save(work / ONNX2TF_SAMPLE, np.zeros((20, 128, 128, 3), np.float32))  # stops its download attempt
    cmd = [str(exe), "-i", str(model_path), "-o", str(work / "out")]
    if nhwc:  # onnx2tf assumes NCHW inputs; keep an NHWC input as it is
        cmd += ["-kat", input_name]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    try:
        res = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        raise EdgeposeError(f"onnx2tf did not finish within {timeout_s} s") from None
    if res.returncode != 0:
        lines = [ln for ln in (res.stdout + res.stderr).splitlines() if "Error" in ln or "error" in ln]
        raise EdgeposeError(f"onnx2tf failed (exit {res.returncode}): {(lines[-1] if lines else 'see its log')[:300]}")
    return work / "out"


def convert_onnx(
    onnx_path: str | Path,
    out: str | Path,
    fmt: str = "int8",
    calib: np.ndarray | None = None,
    layout: str = "auto",
    mean: tuple[float, ...] = IMAGENET_MEAN,
    std: tuple[float, ...] = IMAGENET_STD,
    compare_samples: int = 16,
    timeout_s: int = 900,
    codec: str | None = None,
    name: str | None = None,
    ranges: str = "mse",
    layer_report: bool = False,
) -> dict[str, Any]:
    """Convert ``onnx_path`` and write ``out`` (atomically); returns ``{"verify", "compare", "input"
    (the ONNX input: name, layout, height, width), "changed_ranges", ...}``.

    ``calib``: ``uint8 [N, H, W, 3]`` crops (required for ``int8``; also the comparison inputs).
    ``mean``/``std``: the ONNX model's own input normalisation on [0, 1] pixels (ImageNet by default);
    the written model takes RGB pixels 0..255 with that normalisation inside it.
    ``codec``: the heatmap convention of the source model (a registry name, e.g. ``msra`` for
    PaddleDetection/mmpose-style heatmaps); when given, an edgepose contract naming it is embedded
    in ``out`` (as ``edgepose bundle`` does), so every reader decodes it right without flags.
    Without it the file has no contract and readers assume edgepose's ``gaussian`` convention.
    ``name``: the model name the contract records (default: ``out``'s file name without suffix).
    ``ranges``: int8 activation ranges, ``mse`` (least error, as ``quantize``) or ``minmax`` (TFLite's
    calibration as it comes); ``auto`` is ``mse`` (an ONNX file was not trained with ``qat``).
    ``layer_report`` (int8): the report's ``layers`` holds every quantized layer's error, worst first
    (:func:`edgepose.quantize.debug.saved_model_layer_report`).
    """
    from edgepose.quantize.verify import verify_tflite

    if fmt not in FORMATS:
        raise EdgeposeError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    if layout not in LAYOUTS:
        raise EdgeposeError(f"unknown `input_layout` '{layout}'; choose one of: {', '.join(LAYOUTS)}")
    if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
        raise EdgeposeError("`mean` and `std` take three numbers each (std > 0)")
    ranges = "mse" if ranges == "auto" else ranges
    if ranges not in ONNX_RANGES:
        raise EdgeposeError(f"unknown `ranges` '{ranges}' for an ONNX model; choose one of: auto, {', '.join(ONNX_RANGES)}")
    if codec is not None:
        from edgepose.contract import check_codec

        codec = check_codec(codec)
    src = Path(onnx_path)
    model, notes = load_onnx(src)
    spec = onnx_input_spec(model, layout)
    from .keras_onnx import stated_contract

    exported, _ = stated_contract(model, str(src))
    if exported is not None:  # an edgepose export: its contract names the codec
        if codec is not None and codec != exported.codec:
            raise EdgeposeError(f"`codec` '{codec}' contradicts the model's contract ('{exported.codec}'); leave it out")
        codec = exported.codec
    if fmt == "int8" and (calib is None or len(calib) == 0):
        raise EdgeposeError("`fmt` int8 needs a calibration set (`calib`)")
    if layer_report and fmt != "int8":
        raise EdgeposeError("`layer_report` applies to `fmt` int8")
    if calib is not None and calib.shape[1:3] != (spec["height"], spec["width"]):
        raise EdgeposeError(
            f"calibration crops are {calib.shape[1]}x{calib.shape[2]} but the ONNX input is "
            f"{spec['height']}x{spec['width']} (HxW); build them with "
            f"`input_size` {spec['height']}x{spec['width']}"
        )
    import onnx

    with tempfile.TemporaryDirectory(prefix="edgepose-onnx2tf-") as tmp:
        work = Path(tmp)
        prepared = work / "model.onnx"
        onnx.save(with_pixel_input(with_batch_one(model), spec, mean, std), str(prepared))
        folder = run_onnx2tf(prepared, work, spec["name"], timeout_s, spec["layout"] == "nhwc")
        changed: list[dict[str, Any]] = []
        layers = None
        if fmt == "int8":  # onnx2tf's SavedModel through the same int8 path as `quantize` (calibration, ranges)
            flatbuffer, changed = int8_from_saved_model(folder, calib, ranges, src.name)
            if layer_report:
                from edgepose.quantize.debug import saved_model_layer_report

                layers = saved_model_layer_report(folder, calib)
        else:
            produced = folder / "model_float32.tflite"
            if not produced.is_file():
                raise EdgeposeError(f"onnx2tf wrote no {produced.name}; files: {sorted(p.name for p in folder.glob('*.tflite'))}")
            flatbuffer = produced.read_bytes()
        atomic_write_bytes(out, flatbuffer)
        report = verify_tflite(out, expect=fmt)
        samples = calib[:compare_samples] if calib is not None else _random_crops(spec, compare_samples)
        reference = src
        if notes:  # the reference stays the user's file where onnxruntime reads it, else its upgraded copy
            from edgepose.engine.model import open_model

            try:
                open_model(src, threads=1)
            except EdgeposeError:
                reference = work / "upgraded.onnx"
                onnx.save(model, str(reference))
        comparison = compare_with_onnxruntime(reference, out, samples, spec, mean, std)
    if codec is not None:  # the normalisation is inside the converted model now: it takes RGB 0..255
        from edgepose.contract import Contract
        from edgepose.engine.metadata import write_metadata

        about = {"converted_from": src.name, "onnx_normalization": {"mean": list(mean), "std": list(std)}}
        base = exported or Contract(input_hw=(spec["height"], spec["width"]), codec=codec, sigma=SIGMA)
        write_metadata(out, out, base.replace(model=name or Path(out).stem, normalization=None, layout="NHWC", about=about))
    return {
        "verify": report,
        "compare": comparison,
        "input": spec,
        "onnx_size_bytes": src.stat().st_size,
        "legacy_notes": notes,
        "reference": "original" if reference == src else "upgraded copy",
        "codec": codec,
        "ranges": ranges if fmt == "int8" else None,
        "changed_ranges": len(changed),
        "layers": layers,
    }


def _random_crops(spec: dict[str, Any], n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, spec["height"], spec["width"], 3), dtype=np.uint8)


def compare_with_onnxruntime(
    onnx_path: Path, tflite_path: str | Path, crops: np.ndarray, spec: dict[str, Any], mean, std, stride: float | None = None
) -> dict[str, Any]:
    """Outputs of the original ONNX model (onnxruntime) vs the TFLite file on the same crops.

    Returns ``{"samples", "max_abs_error", "mean_abs_error", "output_range", "keypoint_agreement",
    "max_keypoint_shift_px"}``; keypoints are decoded (the shared codec) from 4-D heatmap outputs,
    and agree when they lie within one heatmap pixel.
    """
    from edgepose.codec import GaussianHeatmapCodec
    from edgepose.engine.model import open_model

    reference = open_model(onnx_path, threads=2)
    converted = open_model(tflite_path, threads=2)
    mean_a, std_a = np.asarray(mean, np.float32), np.asarray(std, np.float32)
    errors, refs, agree, shifts = [], [], [], []
    for crop in crops:
        x = (crop.astype(np.float32) / 255.0 - mean_a) / std_a
        feed = x.transpose(2, 0, 1)[None] if spec["layout"] == "nchw" else x[None]
        ref = reference.invoke(feed.astype(np.float32))[0]
        got = converted.invoke(crop[None].astype(np.float32))[0]
        if ref.ndim == 4 and spec["layout"] == "nchw" and ref.shape != got.shape:
            ref = ref.transpose(0, 2, 3, 1)  # onnx2tf emits NHWC
        if ref.shape != got.shape:
            raise EdgeposeError(f"output shapes differ: onnxruntime {ref.shape}, TFLite {got.shape}")
        errors.append(np.abs(ref - got).ravel())
        refs.append(ref.ravel())
        if ref.ndim == 4:
            hh, hw = ref.shape[1:3]
            codec = GaussianHeatmapCodec((spec["width"], spec["height"]), (hw, hh))
            k_ref, _ = codec.decode(ref[0])
            k_got, _ = codec.decode(got[0])
            d = np.linalg.norm(k_ref - k_got, axis=1)
            step = spec["width"] / hw
            agree.extend(d <= step)
            shifts.append(float(d.max()))
    err = np.concatenate(errors)
    allref = np.concatenate(refs)
    return {
        "samples": int(len(crops)),
        "max_abs_error": float(err.max()),
        "mean_abs_error": float(err.mean()),
        "output_range": [float(allref.min()), float(allref.max())],
        "keypoint_agreement": float(np.mean(agree)) if agree else None,
        "max_keypoint_shift_px": float(max(shifts)) if shifts else None,
    }


def int8_from_saved_model(
    folder: Path, samples: np.ndarray, ranges: str, what: str = "the model"
) -> tuple[bytes, list[dict[str, Any]]]:
    """Full-integer int8 (int8 input and output) from onnx2tf's SavedModel in ``folder``, calibrated on
    ``samples`` (``[N, H, W, 3]``, the converted model's input) with activation ranges by ``ranges``
    (:mod:`edgepose.quantize.ranges`). Returns ``(flatbuffer, changed range rows)``."""
    from edgepose._quiet import quiet_stderr
    from edgepose.quantize.converter import saved_model_int8_converter
    from edgepose.quantize.ranges import quantize_with_ranges

    converter = saved_model_int8_converter(folder, samples)
    try:
        with quiet_stderr():
            if ranges == "minmax":
                return converter.convert(), []
            return quantize_with_ranges(converter, samples.astype(np.float32), ranges)
    except EdgeposeError:
        raise
    except Exception as exc:
        raise EdgeposeError(f"int8 conversion of {what} failed: {str(exc).splitlines()[0][:300]}") from None


def onnx_reference(onnx_path: str | Path, mean, std, codec: str | None, sigma: float | None = None, workdir: Path | None = None):
    """The ONNX pose model as a runtime estimator, for the gate: its own input normalisation
    (``mean``/``std`` on [0, 1] pixels) and heatmap convention stated explicitly. A legacy file that
    onnxruntime cannot read is scored through its upgraded copy, written in ``workdir`` (the caller's
    temporary folder)."""
    from edgepose.contract import Contract
    from edgepose.engine.model import open_model
    from edgepose.runtime.estimator import PoseEstimator, heatmap_tensors

    path = Path(onnx_path)
    try:
        model = open_model(path, threads=2)
    except EdgeposeError:
        import onnx

        upgraded, _ = load_onnx(path)
        path = Path(workdir or tempfile.mkdtemp(prefix="edgepose-reference-")) / path.name
        onnx.save(upgraded, str(path))
        model = open_model(path, threads=2)
    found = heatmap_tensors(model)
    if found is None:  # not a heatmap model: the estimator says what it is
        return PoseEstimator(path, model=model)
    layout, shape = found[0], model.inputs[0].shape
    contract = Contract(
        input_hw=(int(shape[1]), int(shape[2])) if layout == "NHWC" else (int(shape[2]), int(shape[3])),
        codec=codec or CODEC,
        sigma=SIGMA if sigma is None else sigma,
        layout=layout,
        normalization={"pixel_scale": 1 / 255, "mean": tuple(mean), "std": tuple(std)},
    )
    return PoseEstimator(path, contract=contract, model=model)


def gated_convert_onnx(
    onnx_path: str | Path,
    out: str | Path,
    fmt: str = "int8",
    calib: np.ndarray | None = None,
    layout: str = "auto",
    mean: tuple[float, ...] = IMAGENET_MEAN,
    std: tuple[float, ...] = IMAGENET_STD,
    codec: str | None = None,
    name: str | None = None,
    ranges: str = "mse",
    val: str | Path | None = None,
    val_images: str | Path | None = None,
    max_ap_drop: float | None = None,
    force: bool = False,
    layer_report: bool = False,
    on_stage=None,
    on_progress=None,
) -> dict[str, Any]:
    """:func:`convert_onnx` through the one gated workflow (:func:`edgepose.quantize.gated.gated_file`):
    with ``val``/``val_images`` the ONNX model (onnxruntime, its own normalisation) and the converted
    file are scored side by side on ground-truth boxes, the report lands beside ``out``, and a drop
    above ``max_ap_drop`` raises :class:`~edgepose.errors.GateFailed` with nothing written at ``out``.
    ``layer_report`` (int8) writes every quantized layer's error beside ``out`` (``.layers.json``), as
    ``quantize`` does, before the gate judges (a refused run keeps it). Returns ``{"out", "report", "layers", "gate"}``."""
    from edgepose.fsutil import atomic_write_json
    from edgepose.quantize.gate import accuracy_gate, check_gate_arguments, gate_markdown
    from edgepose.quantize.gated import gated_file

    check_gate_arguments(val, val_images, max_ap_drop)
    stage = on_stage or (lambda text: None)

    def produce(tmp: Path) -> dict[str, Any]:
        stage(f"onnx2tf: {Path(onnx_path).name} -> {fmt}")
        report = convert_onnx(onnx_path, tmp, fmt, calib=calib, layout=layout, mean=mean, std=std, codec=codec,
                              name=name or Path(out).stem, ranges=ranges, layer_report=layer_report)  # fmt: skip
        if report["layers"] is not None:
            atomic_write_json(Path(out).with_suffix(".layers.json"), report["layers"])
        return report

    def gate(tmp: Path) -> tuple[dict[str, Any], str]:
        from edgepose.estimators import load_estimator

        candidate = load_estimator(tmp, threads=2)
        with tempfile.TemporaryDirectory(prefix="edgepose-reference-") as work:
            reference = onnx_reference(onnx_path, mean, std, candidate.contract.codec, candidate.contract.sigma, Path(work))
            verdict = accuracy_gate(reference, candidate, val, val_images, max_ap_drop, on_progress=on_progress)
        verdict["reference"]["model"] = str(onnx_path)
        verdict["candidate"]["model"] = str(out)
        return verdict, gate_markdown(verdict)

    report, verdict = gated_file(
        out, produce, gate if val is not None else None, inputs=[onnx_path, val, val_images], force=force,
        on_stage=stage, advice=f"Try the other `ranges` (this run: {'mse' if ranges == 'auto' else ranges}), `fmt` fp32, a "
        "calibration set built from your own data ('edgepose calib build'), or, for a model you have as .keras, "
        "'edgepose quantize' (equalization and trained ranges)",
    )  # fmt: skip
    return {"out": str(out), "report": report, "layers": report["layers"], "gate": verdict}
