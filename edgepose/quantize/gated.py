"""The gated quantize workflow (``edgepose quantize`` is its thin CLI): convert a ``.keras`` model,
verify it, optionally report per-layer int8 error, gate float vs quantized accuracy, and write
the file only when it passes. Nothing is written on a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from ..defaults import RANGES
from ..errors import EdgeposeError, GateFailed


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
    from ..fsutil import atomic_write_json, atomic_write_text, check_apart, output_file
    from ..models.saved import load_model, training_contract
    from . import load_calibration
    from .convert import quantize
    from .gate import check_max_ap_drop

    out = Path(out)
    inputs = [model, calib, val, val_images]
    check_apart(out, inputs)
    if out.exists() and not force:
        raise EdgeposeError(f"{out} already exists; pass `force` to overwrite it")
    if (val is None) != (val_images is None):
        raise EdgeposeError("`val` and `val_images` go together")
    if max_ap_drop is not None and val is None:
        raise EdgeposeError("`max_ap_drop` needs a validation set (`val` ANN.json and `val_images` DIR)")
    check_max_ap_drop(max_ap_drop)  # before the conversion, not after it
    stage = on_stage or (lambda text: None)
    keras_model = load_model(model)
    crops = None
    if calib is not None:
        _, h, w, _ = keras_model.input_shape
        crops = load_calibration(calib, (w, h))
    if layer_report and crops is None:
        raise EdgeposeError("`layer_report` needs a calibration set (`calib` DIR)")
    layers = gate = None
    with output_file(out, force=force, inputs=inputs) as tmp:  # lands at `out` only verified and through the gate
        stage(f"converting to {fmt}")
        report = quantize(
            keras_model, tmp, fmt, calib=crops, io=io, float_layers=list(float_layers), ranges=ranges,
            contract=training_contract(model), equalize=equalize,
        )  # fmt: skip
        if layer_report:
            from .debug import layer_error_report

            stage("per-layer quantization error")
            layers = layer_error_report(keras_model, crops)
            atomic_write_json(out.with_suffix(".layers.json"), layers)
        if val is not None:
            from .gate import accuracy_gate, gate_markdown

            stage("accuracy gate (float, then quantized)")
            gate = accuracy_gate(model, tmp, val, val_images, max_ap_drop, on_progress=on_progress)
            gate["candidate"]["model"] = str(out)  # the path it lands at, not the temporary one
            atomic_write_json(out.with_suffix(".gate.json"), gate)
            atomic_write_text(out.with_suffix(".gate.md"), gate_markdown(gate))
            if not gate["passed"]:
                failure = GateFailed(
                    f"accuracy gate failed: {'; '.join(gate['reasons'])}; the model was not written to {out} (report: "
                    f"{out.with_suffix('.gate.md')}). Try `fmt` int16x8, `float_layers` from `layer_report`, "
                    "another `ranges` (tied after training with `qat`, else mse), or a calibration set built from "
                    "your own data ('edgepose calib build')"
                )
                failure.gate = gate
                raise failure
    return {"out": str(out), "report": report, "layers": layers, "gate": gate}
