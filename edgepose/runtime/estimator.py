"""Top-down pose estimation with a heatmap model (``.tflite``, ``.onnx`` or OpenVINO ``.xml``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..codec import codec_for, flip_heatmaps_back
from ..codecs.registry import codec_choices
from ..contract import Contract, ModelContract, check_codec, normalization, parse_contract, read_paddle_config
from ..contract.normalization import normalization_name
from ..defaults import CODEC
from ..engine.model import Model, dequantize, open_model
from ..errors import EdgeposeError
from ..keypoints import COCO_KEYPOINTS
from ..transforms import apply_affine, crop_person, invert_affine
from .kinds import register_kind

__all__ = ["ModelContract", "Pose", "PoseEstimator", "heatmap_tensors", "top_down"]


@dataclass
class Pose:
    """One person: ``keypoints`` ``float [K, 2]`` image pixels, ``scores`` ``float [K]``, the box used
    (``[x, y, w, h]``); with a detector, its score; in a video, the track id."""

    keypoints: np.ndarray
    scores: np.ndarray
    box: list[float]
    det_score: float | None = None
    track_id: int | None = None

    @property
    def score(self) -> float:
        return float(np.clip(self.scores, 0.0, 1.0).mean())

    def keypoint_box(self, min_score: float = 0.3, pad: float = 0.1) -> list[float] | None:
        """``[x, y, w, h]`` around the keypoints scoring ``>= min_score``, grown by ``pad`` of its
        size on each side (COCO boxes hug the body; joints sit inside it); None under 2 points."""
        pts = self.keypoints[self.scores >= min_score]
        if len(pts) < 2:
            return None
        (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
        w, h = x1 - x0, y1 - y0
        return [float(x0 - pad * w), float(y0 - pad * h), float(w * (1 + 2 * pad)), float(h * (1 + 2 * pad))]


def heatmap_tensors(model: Model) -> tuple[str, int] | None:
    """``(layout, output position)`` when ``model`` is a heatmap pose model: one RGB image input
    (``[1, H, W, 3]`` or ``[1, 3, H, W]``) and an output of 17 heatmaps in the same layout; else None."""
    if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4:
        return None
    shape = model.inputs[0].shape
    layout = "NHWC" if shape[-1] == 3 else "NCHW" if shape[1] == 3 else None
    if layout is None:
        return None
    k = len(COCO_KEYPOINTS)
    for i, spec in enumerate(model.outputs):
        o = spec.shape
        if len(o) == 4 and o[0] == 1 and (o[-1] if layout == "NHWC" else o[1]) == k:
            return layout, i
    return None


def stated_fields(contract: Contract | None, onnx_input: dict | None = None) -> dict:
    """The :class:`ModelContract` fields a file's contract states (normalisation, layout, codec, sigma,
    refinement); ``onnx_input``: an exported ONNX file's input description (its normalisation name)."""
    out: dict = {}
    if onnx_input is not None:
        n = normalization(onnx_input["normalization"])
        out.update({k: n[k] for k in ("pixel_scale", "mean", "std")})
    if contract is not None:
        n = contract.normalization or normalization("raw")  # None: inside the model, RGB 0..255 in
        out.update({k: n[k] for k in ("pixel_scale", "mean", "std")})
        out.update(layout=contract.layout, codec=contract.codec, sigma=contract.sigma, refine=contract.refine)
    return out


def _heatmaps(model: Model) -> bool:
    return heatmap_tensors(model) is not None


# the last pose kind: PoseNet's 17-channel heatmap output would match it too
@register_kind(
    "heatmaps", "pose", "heatmaps [1,h,w,17] or [1,17,h,w] (edgepose, PP-TinyPose, mmpose exports)", _heatmaps, order=90
)
class PoseEstimator:
    """Load a heatmap pose model and estimate poses for person boxes.

    ``predict(image_rgb, boxes)``: ``uint8 [H, W, 3]`` RGB and COCO ``[x, y, w, h]`` boxes ->
    one :class:`Pose` per box; with no boxes the whole frame is one person. The contract (input
    normalisation, codec) comes from the model file, an explicit ``contract``, a PaddleDetection
    ``infer_cfg.yml`` beside the model, or ``normalization``/``codec`` (see :mod:`.contract`).
    """

    kind = "heatmaps"

    def __init__(
        self,
        model_path: str | Path,
        threads: int = 1,
        backend: str = "auto",
        flip_test: bool = False,
        contract: Contract | dict | None = None,
        normalization: str | None = None,
        codec: str | None = None,
        model: Model | None = None,
    ):
        """``contract``: an explicit edgepose contract (``contract.json`` of a bundle) for a model
        without embedded metadata; a bundled model's own contract is read from the file."""
        self.path = Path(model_path)
        self.model = model or open_model(self.path, threads=threads, backend=backend)
        self.flip_test = flip_test
        found = heatmap_tensors(self.model)
        if found is None:
            if len(self.model.outputs) == 1 and len(self.model.outputs[0].shape) == 4:
                raise EdgeposeError(
                    f"{self.path}: output has {self.model.outputs[0].shape[-1]} channels, "
                    f"expected {len(COCO_KEYPOINTS)} COCO keypoints"
                )
            raise EdgeposeError(
                f"{self.path}: expected one RGB image input and a heatmap output [1, h, w, 17] or [1, 17, h, w], "
                f"got {self.model.describe()}"
            )
        layout, self._out_pos = found
        inp, out = self.model.inputs[0], self.model.outputs[self._out_pos]
        if layout == "NHWC":
            _, h, w, _ = inp.shape
            _, hh, hw, _ = out.shape
        else:
            _, _, h, w = inp.shape
            _, _, hh, hw = out.shape
        self.metadata: Contract | None = None  # the contract the file (or the caller) states
        onnx_input = None
        if self.model.backend in ("litert", "tflite_runtime"):
            from ..engine.metadata import read_contract

            self.metadata = read_contract(self.path)
        elif self.model.backend == "onnxruntime":
            from ..contract import read_onnx_contract

            self.metadata, onnx_input = read_onnx_contract(self.model.metadata_props(), str(self.path))
        if self.metadata is None and contract is not None:
            self.metadata = contract if isinstance(contract, Contract) else parse_contract(contract, "the given contract")
        if self.metadata is not None and self.metadata.input_hw != (int(h), int(w)):
            ch, cw = self.metadata.input_hw
            raise EdgeposeError(f"{self.path}: the contract says input {ch}x{cw}, the model takes {h}x{w}")
        stated = stated_fields(self.metadata, onnx_input)
        stated_layout = stated.pop("layout", layout)
        if stated_layout != layout:
            raise EdgeposeError(f"{self.path}: the contract says layout {stated_layout}, the model's tensors are {layout}")
        fields = self._resolve(stated, normalization, codec)
        self.contract = ModelContract(
            input_size=(int(w), int(h)),
            input_dtype=np.dtype(inp.dtype).name,
            input_quant=tuple(inp.quant),
            output_kind="heatmaps",
            heatmap_size=(int(hw), int(hh)),
            output_quant=tuple(out.quant),
            layout=layout,
            **fields,
        )
        c = self.contract
        self.codec = codec_for(c.input_size, sigma=c.sigma, name=c.codec, refine=c.refine, heatmap_size=c.heatmap_size)
        self._mean = np.asarray(c.mean, np.float32)
        self._inv_std = 1.0 / np.asarray(c.std, np.float32)

    def _resolve(self, stated: dict, norm_name: str | None, codec_name: str | None) -> dict:
        """Normalisation and codec: the file's contract, then a Paddle config, then the caller's
        names, then (``.tflite`` only) edgepose's convention; a conflict or a gap is an error."""
        sources: dict[str, str] = {}
        fields = dict(stated)
        if stated:
            sources.update({k: "contract" for k in stated})
        paddle = read_paddle_config(self.path) if self.model.backend in ("openvino", "onnxruntime") else None
        if paddle:
            for key in ("pixel_scale", "mean", "std", "codec"):
                if key not in fields:
                    fields[key] = paddle[key]
                    sources[key] = paddle["source"]
        if norm_name is not None:
            given = normalization(norm_name)
            if "mean" in fields and (tuple(fields["mean"]), tuple(fields["std"])) != (given["mean"], given["std"]):
                raise EdgeposeError(
                    f"{self.path.name}: `normalization` '{norm_name}' contradicts the {sources['mean']} "
                    f"(mean {list(fields['mean'])}, std {list(fields['std'])}); leave it out"
                )
            fields.setdefault("normalization", norm_name)
            for key in ("pixel_scale", "mean", "std"):
                if key not in fields:
                    fields[key] = given[key]
                    sources[key] = "caller"
        if codec_name is not None:
            key = check_codec(codec_name)
            if "codec" in fields and fields["codec"] != key:
                raise EdgeposeError(
                    f"{self.path.name}: `codec` '{codec_name}' contradicts the {sources['codec']} "
                    f"('{fields['codec']}'); leave it out"
                )
            if "codec" not in fields:
                fields["codec"], sources["codec"] = key, "caller"
        if self.model.backend in ("litert", "tflite_runtime"):
            for key, value in (("pixel_scale", 1.0), ("mean", (0.0, 0.0, 0.0)), ("std", (1.0, 1.0, 1.0)), ("codec", CODEC)):
                if key not in fields:
                    fields[key], sources[key] = value, "edgepose default"
        missing = [what for what, key in (("normalization", "mean"), ("codec", "codec")) if key not in fields]
        if missing:
            raise EdgeposeError(
                f"{self.path.name}: its {' and '.join(missing)} cannot be read from the file "
                "(no contract, no infer_cfg.yml beside it); "
                "pass "
                + " and ".join(
                    {
                        "normalization": "`normalization` (raw|unit|symmetric|imagenet)",
                        "codec": f"`codec` ({codec_choices('|')})",
                    }[m]
                    for m in missing
                )
            )
        if "normalization" not in fields:
            fields["normalization"] = normalization_name(fields["pixel_scale"], fields["mean"], fields["std"]) or "custom"
        fields["mean"], fields["std"] = tuple(float(v) for v in fields["mean"]), tuple(float(v) for v in fields["std"])
        fields["sources"] = sources
        return fields

    @property
    def interpreter(self):
        """The LiteRT interpreter (``.tflite`` models only)."""
        return getattr(self.model, "interpreter", None)

    def model_input(self, crop: np.ndarray) -> np.ndarray:
        """``uint8 [H_in, W_in, 3]`` crop -> the input tensor (normalised, laid out, quantized)."""
        x = crop[None].astype(np.float32)
        if not self.contract.identity_normalization:
            x = (x * np.float32(self.contract.pixel_scale) - self._mean) * self._inv_std
        if self.contract.layout == "NCHW":
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return self.model.quantize_input(x)

    def _raw_of(self, x: np.ndarray) -> np.ndarray:
        """The heatmap output for input tensor ``x``, as written, channels-last ``[h, w, K]``."""
        raw = self.model.invoke_raw(x)[self._out_pos][0]
        return raw.transpose(1, 2, 0) if self.contract.layout == "NCHW" else raw

    def _heatmaps_of(self, x: np.ndarray) -> np.ndarray:
        return dequantize(self._raw_of(x), self.model.outputs[self._out_pos])

    def heatmaps(self, crop: np.ndarray) -> np.ndarray:
        """Run the model on one ``uint8 [H_in, W_in, 3]`` crop; returns float heatmaps ``[h, w, K]``."""
        x = self.model_input(crop)
        hm = self._heatmaps_of(x)
        if self.flip_test:
            flipped_x = x[:, :, ::-1] if self.contract.layout == "NHWC" else x[:, :, :, ::-1]
            hm = 0.5 * (hm + flip_heatmaps_back(self._heatmaps_of(np.ascontiguousarray(flipped_x))))
        return hm

    def raw_heatmaps(self, crop: np.ndarray) -> np.ndarray:
        """The heatmap output as the model wrote it (int8 for int8 models), channels-last ``[h, w, K]``."""
        return self._raw_of(self.model_input(crop))

    def predict(self, image_rgb: np.ndarray, boxes: Sequence[Sequence[float]] | None = None) -> list[Pose]:
        return top_down(image_rgb, boxes, self.contract.input_size, lambda crop: self.codec.decode(self.heatmaps(crop)))


def top_down(
    image_rgb: np.ndarray,
    boxes: Sequence[Sequence[float]] | None,
    input_size: tuple[int, int],
    keypoints_in_crop: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
) -> list[Pose]:
    """The top-down loop every estimator shares: crop each box (no boxes: the whole frame) with
    :func:`crop_person`, get ``(keypoints [K, 2] crop px, scores [K])`` from ``keypoints_in_crop``,
    map the keypoints back to image pixels."""
    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise EdgeposeError(f"expected an RGB image [H, W, 3], got shape {image_rgb.shape}")
    if not boxes:
        h, w = image_rgb.shape[:2]
        boxes = [[0.0, 0.0, float(w), float(h)]]
    poses = []
    for box in boxes:
        crop, matrix = crop_person(image_rgb, box, input_size)
        kps_in, scores = keypoints_in_crop(crop)
        kps = apply_affine(kps_in, invert_affine(matrix))
        poses.append(Pose(keypoints=kps, scores=np.asarray(scores, dtype=np.float64), box=[float(v) for v in box]))
    return poses
