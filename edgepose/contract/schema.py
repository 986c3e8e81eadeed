"""The one versioned contract schema (:class:`Contract`) and its one strict parser (:func:`parse_contract`).

The dict shape (``edgepose-contract/2``), the same in every carrier (``.keras``, ONNX, TFLite, a bundle's
``contract.json``)::

    {"format": "edgepose-contract/2", "model": str, "version": str,
     "input": {"size_hw": [h, w], "layout": "NHWC", "colour": "RGB", "pixels": str,
               "normalization": {"pixel_scale", "mean", "std"}   # absent: normalisation inside the model
               "crop": {...},                                     # the top-down crop rule
               "dtype", "quantization"},                          # TFLite only: read off the tensors
     "output": {"kind": "heatmaps",
                "codec": {"name", "sigma", "refine", "heatmap_to_input", "score"},
                "size_hw", "stride", "dtype", "quantization"},     # TFLite only
     "keypoints": [17 names], "skeleton": [[i, j], ...], "flip_pairs": [[l, r], ...],
     "training": {"qat": bool, "lowering"?: str, "weights_from"?: str},
     "about": {...}}                                              # data, accuracy, latency: free-form

Older files are read too: ``edgepose-contract/1`` (the same shape without ``training``) and
``edgepose-train-contract/1`` (``train``'s first form: ``codec`` at the top level, ``qat``/``lowering``/
``weights_from`` beside it). Writers write version 2 only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field
from typing import Any

from ..defaults import REFINE
from ..errors import EdgeposeError
from ..keypoints import COCO_KEYPOINTS, FLIP_PAIRS, SKELETON
from .fields import check_codec_fields, check_normalization_fields, quoted

CONTRACT_FORMAT = "edgepose-contract/2"
LEGACY_BUNDLE_FORMAT = "edgepose-contract/1"
LEGACY_TRAIN_FORMAT = "edgepose-train-contract/1"
READABLE_FORMATS = (CONTRACT_FORMAT, LEGACY_BUNDLE_FORMAT, LEGACY_TRAIN_FORMAT)
LAYOUTS = ("NHWC", "NCHW")
BOX_PADDING = 1.25  # the top-down crop: a COCO box widened to the input's aspect, then padded by this factor
CROP_RULE = (
    "COCO box [x, y, w, h] -> centre; widen the shorter side to the aspect; x padding; "
    "affine warp (bilinear, zero border) so the region maps edge to edge onto the input; "
    "pixel centres at integer coordinates"
)
INSIDE = "RGB 0..255 (normalisation inside the model)"


@dataclass(frozen=True)
class TensorFacts:
    """What a converted file's tensors say (TFLite): input ``(h, w)``, dtype and ``(scale, zero_point)``,
    heatmap ``(h, w)``, output dtype and ``(scale, zero_point)``; ``(0.0, 0)`` for float tensors."""

    input_hw: tuple[int, int]
    input_dtype: str
    input_quant: tuple[float, int]
    heatmap_hw: tuple[int, int]
    output_dtype: str
    output_quant: tuple[float, int]


@dataclass(frozen=True)
class Contract:
    """How to feed a heatmap pose model and read it. ``input_hw``: ``(height, width)`` pixels;
    ``normalization``: ``{"pixel_scale", "mean", "std"}`` applied by the caller, or None when the model
    normalises inside (it takes RGB 0..255); ``codec``/``sigma``/``refine``: the registry names and target
    sigma (heatmap pixels) the model was trained with; ``keypoints`` and ``flip_pairs`` (index pairs);
    ``qat``: trained with the int8 quantizer in the loop; ``lowering``/``weights_from``: how an imported
    model was built; ``about``: free-form facts (data, accuracy) carried to the app. Every field is checked
    on construction (a damaged one: one EdgeposeError naming it and ``where``, the file it came from)."""

    input_hw: tuple[int, int]
    codec: str
    sigma: float
    refine: str = REFINE
    model: str = ""
    version: str = ""
    layout: str = "NHWC"
    normalization: dict[str, Any] | None = None
    keypoints: tuple[str, ...] = COCO_KEYPOINTS
    flip_pairs: tuple[tuple[int, int], ...] = FLIP_PAIRS
    qat: bool = False
    lowering: str = ""
    weights_from: str = ""
    about: dict[str, Any] = field(default_factory=dict, compare=False)
    where: InitVar[str] = "contract"  # what error messages name: the file a parsed contract came from

    def __post_init__(self, where: str) -> None:  # the one place fields are checked (and normalised)
        codec = check_codec_fields({"name": self.codec, "sigma": self.sigma, "refine": self.refine}, where, "codec")
        keypoints = _keypoints(self.keypoints, where)
        layout = _text(self.layout, "input.layout", where).upper()
        if layout not in LAYOUTS:
            raise _damaged(where, f"{quoted('input.layout')} {layout!r} is not one of {', '.join(LAYOUTS)}")
        if not isinstance(self.qat, bool):
            raise _damaged(where, f"{quoted('training.qat')} must be true or false, not {self.qat!r}")
        checked = {
            "input_hw": _size_hw(self.input_hw, where),
            "codec": codec["name"],
            "sigma": codec["sigma"],
            "layout": layout,
            "keypoints": keypoints,
            "flip_pairs": _flip_pairs(self.flip_pairs, len(keypoints), where),
            "normalization": None if self.normalization is None else check_normalization_fields(self.normalization, where),
            "model": _text(self.model, "model", where),
            "version": _text(self.version, "version", where),
            "lowering": _text(self.lowering, "training.lowering", where),
            "weights_from": _text(self.weights_from, "training.weights_from", where),
            "about": _object(self.about, "about", where),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> "Contract":
        """A copy with ``changes`` (field names of this class)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self, tensors: TensorFacts | None = None) -> dict[str, Any]:
        """The schema's dict (see the module docstring); ``tensors`` adds what a TFLite file's tensors say."""
        from ..codecs.registry import CODECS

        h, w = self.input_hw
        inp: dict[str, Any] = {
            "size_hw": [int(h), int(w)],
            "layout": self.layout,
            "colour": "RGB",
            "pixels": INSIDE if self.normalization is None else "normalised, see normalization",
            "crop": {"box_padding": BOX_PADDING, "aspect_w_over_h": w / h, "rule": CROP_RULE},
        }
        if self.normalization is not None:
            n = self.normalization
            inp["normalization"] = {"pixel_scale": n["pixel_scale"], "mean": list(n["mean"]), "std": list(n["std"])}
        out: dict[str, Any] = {
            "kind": "heatmaps",
            "codec": {
                "name": self.codec,
                "sigma": float(self.sigma),
                "refine": self.refine,
                "heatmap_to_input": CODECS[self.codec].formula,
                "score": "heatmap maximum (dequantized)",
            },
        }
        if tensors is not None:
            inp["dtype"] = tensors.input_dtype
            inp["quantization"] = {"scale": tensors.input_quant[0], "zero_point": tensors.input_quant[1]}
            hh, hw = tensors.heatmap_hw
            out.update(
                size_hw=[int(hh), int(hw)],
                stride=w / hw,
                dtype=tensors.output_dtype,
                quantization={"scale": tensors.output_quant[0], "zero_point": tensors.output_quant[1]},
            )
        training: dict[str, Any] = {"qat": bool(self.qat)}
        if self.lowering:
            training["lowering"] = self.lowering
        if self.weights_from:
            training["weights_from"] = self.weights_from
        return {
            "format": CONTRACT_FORMAT,
            "model": self.model,
            "version": self.version,
            "input": inp,
            "output": out,
            "keypoints": list(self.keypoints),
            "skeleton": [list(e) for e in SKELETON] if tuple(self.keypoints) == COCO_KEYPOINTS else [],
            "flip_pairs": [list(p) for p in self.flip_pairs],
            "training": training,
            "about": dict(self.about),
        }


def _damaged(where: str, text: str) -> EdgeposeError:
    return EdgeposeError(f"{where}: damaged contract: {text}"[:400])


def _object(value: Any, name: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _damaged(where, f"{quoted(name)} must be an object, not {value!r}")
    return value


def _text(value: Any, name: str, where: str) -> str:
    if not isinstance(value, str):
        raise _damaged(where, f"{quoted(name)} must be text, not {value!r}")
    return value


def _size_hw(value: Any, where: str) -> tuple[int, int]:
    ok = isinstance(value, (list, tuple)) and len(value) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    if not ok:
        raise _damaged(where, f"{quoted('input.size_hw')} must be two positive integers [height, width], not {value!r}")
    return int(value[0]), int(value[1])


def _keypoints(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) and v for v in value):
        raise _damaged(where, f"{quoted('keypoints')} must be a list of names, not {value!r}")
    if len(set(value)) != len(value):
        raise _damaged(where, f"{quoted('keypoints')} names a keypoint twice")
    return tuple(value)


def _flip_pairs(value: Any, count: int, where: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, (list, tuple)):
        raise _damaged(where, f"{quoted('flip_pairs')} must be a list of [left, right] index pairs, not {value!r}")
    pairs = []
    for pair in value:
        ok = isinstance(pair, (list, tuple)) and len(pair) == 2
        ok = ok and all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < count for i in pair)
        if not ok:
            raise _damaged(where, f"{quoted('flip_pairs')} entry {pair!r} is not two keypoint indices below {count}")
        pairs.append((int(pair[0]), int(pair[1])))
    return tuple(pairs)


def parse_contract(raw: Any, where: str) -> Contract:
    """The :class:`Contract` a dict states, in any readable format (:data:`READABLE_FORMATS`): this reads the
    shape of the dict (format, objects, the codec where the format puts it), :class:`Contract` checks every
    field; a damaged or missing one is one EdgeposeError naming the field and ``where`` (the file)."""
    raw = _object(raw, "contract", where)
    fmt = raw.get("format")
    if fmt not in READABLE_FORMATS:
        raise _damaged(where, f"{quoted('format')} {fmt!r} is not one of {', '.join(READABLE_FORMATS)}")
    inp = _object(raw.get("input"), "input", where)
    if fmt == LEGACY_TRAIN_FORMAT:
        if "codec" not in raw:
            raise _damaged(where, f"no {quoted('codec')}")
        codec_field, codec_raw = "codec", raw["codec"]
        training = {k: raw[k] for k in ("qat", "lowering", "weights_from") if k in raw}
    else:
        output = _object(raw.get("output"), "output", where)
        if "codec" not in output:
            raise _damaged(where, f"no {quoted('output.codec')}")
        codec_field, codec_raw = "output.codec", output["codec"]
        training = _object(raw.get("training", {}), "training", where)
    codec = check_codec_fields(codec_raw, where, codec_field)  # named as the file names it (output.codec or codec)
    if "sigma" not in codec:
        raise _damaged(where, f"no {quoted(codec_field + '.sigma')}")
    if "normalization" in inp and inp["normalization"] is None:  # an explicit null is damage, not "inside the model"
        check_normalization_fields(None, where)
    return Contract(
        input_hw=inp.get("size_hw"),
        codec=codec["name"],
        sigma=codec["sigma"],
        refine=codec.get("refine", REFINE),
        model=raw.get("model", ""),
        version=raw.get("version", ""),
        layout=inp.get("layout", "NHWC"),
        normalization=inp.get("normalization"),
        keypoints=raw.get("keypoints", COCO_KEYPOINTS),
        flip_pairs=raw.get("flip_pairs", FLIP_PAIRS),
        qat=training.get("qat", False),
        lowering=training.get("lowering", ""),
        weights_from=training.get("weights_from", ""),
        about=raw.get("about", {}),
        where=where,
    )
