"""The one gated int8 workflow: produce a model file in a temporary place, verify it, gate it
against its float reference, and let it land at ``out`` only when it passes (:func:`gated_file`).
``edgepose quantize`` (``.keras``, :func:`gated_quantize`) and ``edgepose convert`` (ONNX pose models,
``converters.onnx_tflite.gated_convert_onnx``; ONNX person detectors,
``converters.onnx_detector.gated_convert_detector``) are its doors. A failed gate is
:class:`~edgepose.errors.GateFailed` (exit status 3): nothing is written at ``out``; its report
(``.gate.json``, ``.gate.md``) is left beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from ..defaults import RANGES
from ..errors import EdgeposeError, GateFailed

Gate = Callable[[Path], "tuple[dict[str, Any], str]"]  # temporary file -> (report with "passed", its Markdown)


def gated_file(
    out: str | Path,
    produce: Callable[[Path], Any],
    gate: Gate | None = None,
    inputs: Sequence[Any] = (),
    force: bool = False,
    advice: str = "",
    on_stage: Callable[[str], None] | None = None,
) -> tuple[Any, dict[str, Any] | None]:
    """``produce(tmp)`` writes the model at a temporary path and returns its report; ``gate(tmp)``
    (optional) scores it against its reference and returns ``(report, markdown)`` with
    ``report["passed"]`` (and ``report["reasons"]``, one line each). The report is written beside
    ``out`` (``.gate.json``, ``.gate.md``) either way; the model lands at ``out`` only when it passes,
    else :class:`GateFailed` (its ``gate`` attribute holds the report; ``advice`` ends its message).
    Returns ``(produce's report, gate report or None)``."""
    from ..fsutil import atomic_write_json, atomic_write_text, output_file

    out = Path(out)
    stage = on_stage or (lambda text: None)
    with output_file(out, force=force, inputs=list(inputs)) as tmp:
        report = produce(tmp)
        if gate is None:
            return report, None
        stage("accuracy gate (float, then quantized)")
        verdict, markdown = gate(tmp)
        atomic_write_json(out.with_suffix(".gate.json"), verdict)
        atomic_write_text(out.with_suffix(".gate.md"), markdown)
        if not verdict["passed"]:
            reasons = "; ".join(verdict.get("reasons") or ["the candidate scored below its reference"])
            failure = GateFailed(
                f"accuracy gate failed: {reasons}; the model was not written to {out} (report: "
                f"{out.with_suffix('.gate.md')}){'. ' + advice if advice else ''}"
            )
            failure.gate = verdict
            raise failure
    return report, verdict


def gated_quantize(
    model: str | Path,
    out: str | Path,
    fmt: str = "int8",
    calib: str | Path | None = None,
    io: str = "int8",
    val: str | Path | None = None,
    val_images: str | Path | None = None,
    max_ap_drop: float | None = None,
    layer_report: bool = False,
    float_layers: Sequence[str] = (),
    ranges: str = RANGES,
    force: bool = False,
    equalize: bool = True,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """``model`` (``.keras``) -> ``out`` (``.tflite``) in ``fmt``; its contract from ``train`` is carried.

    ``calib`` is a calibration folder (``edgepose calib build``); ``val``/``val_images`` run the
    accuracy gate (float vs quantized, beside ``out`` as ``.gate.json``/``.gate.md``), which fails with
    :class:`GateFailed` (its ``gate`` attribute holds the report) when AP drops by more than
    ``max_ap_drop``; ``layer_report`` writes ``.layers.json``. ``on_stage(text)`` announces each step,
    ``on_progress(n)`` counts gate images (twice the validation images). Returns ``{"out", "report",
    "layers", "gate"}``.
    """
    from ..contract import read_keras_contract
    from ..fsutil import atomic_write_json, check_apart
    from ..models.saved import load_model
    from . import load_calibration
    from .convert import quantize
    from .gate import check_gate_arguments

    out = Path(out)
    inputs = [model, calib, val, val_images]
    check_apart(out, inputs)
    if out.exists() and not force:
        raise EdgeposeError(f"{out} already exists; pass `force` to overwrite it")
    check_gate_arguments(val, val_images, max_ap_drop)  # before the conversion, not after it
    stage = on_stage or (lambda text: None)
    keras_model = load_model(model)
    crops = None
    if calib is not None:
        _, h, w, _ = keras_model.input_shape
        crops = load_calibration(calib, (w, h))
    if layer_report and crops is None:
        raise EdgeposeError("`layer_report` needs a calibration set (`calib` DIR)")
    layers: list | None = None

    def produce(tmp: Path) -> dict[str, Any]:
        nonlocal layers
        stage(f"converting to {fmt}")
        report = quantize(
            keras_model, tmp, fmt, calib=crops, io=io, float_layers=list(float_layers), ranges=ranges,
            contract=read_keras_contract(model), equalize=equalize,
        )  # fmt: skip
        if layer_report:
            from .debug import layer_error_report

            stage("per-layer quantization error")
            layers = layer_error_report(keras_model, crops)
            atomic_write_json(out.with_suffix(".layers.json"), layers)
        return report

    def gate(tmp: Path) -> tuple[dict[str, Any], str]:
        from .gate import accuracy_gate, gate_markdown

        verdict = accuracy_gate(model, tmp, val, val_images, max_ap_drop, on_progress=on_progress)
        verdict["candidate"]["model"] = str(out)  # the path it lands at, not the temporary one
        return verdict, gate_markdown(verdict)

    report, verdict = gated_file(
        out, produce, gate if val is not None else None, inputs=inputs, force=force, on_stage=stage,
        advice="Try `fmt` int16x8, `float_layers` from `layer_report`, another `ranges` (tied after training with "
        "`qat`, else mse), or a calibration set built from your own data ('edgepose calib build')",
    )  # fmt: skip
    return {"out": str(out), "report": report, "layers": layers, "gate": verdict}
