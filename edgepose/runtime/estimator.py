"""Top-down pose estimation with a TFLite heatmap model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..codec import GaussianHeatmapCodec, flip_heatmaps_back
from ..errors import EdgeposeError
from ..keypoints import COCO_KEYPOINTS
from ..transforms import apply_affine, crop_person, invert_affine
from .backend import make_interpreter


@dataclass(frozen=True)
class ModelContract:
    """How to feed a model and read it. For edgepose models it is read off the model's tensors:
    input RGB pixels in [0, 255] (normalisation is inside the model), heatmap output."""

    input_size: tuple[int, int]  # (width, height)
    input_dtype: str
    input_quant: tuple[float, int]  # (scale, zero_point); (0.0, 0) when float
    output_kind: str  # "heatmaps"
    heatmap_size: tuple[int, int]  # (width, height)
    output_quant: tuple[float, int]
    keypoint_names: tuple[str, ...] = COCO_KEYPOINTS

    @property
    def stride(self) -> float:
        return self.input_size[0] / self.heatmap_size[0]


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


def _quantize(x: np.ndarray, dtype: np.dtype, quant: tuple[float, int]) -> np.ndarray:
    scale, zero = quant
    if np.issubdtype(dtype, np.floating):
        return x.astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale + zero), info.min, info.max).astype(dtype)


def _dequantize(q: np.ndarray, quant: tuple[float, int]) -> np.ndarray:
    scale, zero = quant
    if np.issubdtype(q.dtype, np.floating):
        return q.astype(np.float32)
    return ((q.astype(np.float32) - zero) * scale).astype(np.float32)


class PoseEstimator:
    """Load a TFLite heatmap pose model and estimate poses for person boxes.

    ``predict(image_rgb, boxes)``: ``uint8 [H, W, 3]`` RGB and COCO ``[x, y, w, h]`` boxes ->
    one :class:`Pose` per box; with no boxes the whole frame is one person.
    """

    def __init__(
        self,
        model_path: str | Path,
        threads: int = 1,
        backend: str = "auto",
        flip_test: bool = False,
        contract: dict | None = None,
    ):
        """``contract``: an explicit edgepose contract (``contract.json`` of a bundle) for a model
        without embedded metadata; a bundled model's own contract is read from the file."""
        self.path = Path(model_path)
        self.interpreter = make_interpreter(self.path, threads=threads, backend=backend)
        self.flip_test = flip_test
        inp = self.interpreter.get_input_details()
        out = self.interpreter.get_output_details()
        if len(inp) != 1 or len(inp[0]["shape"]) != 4 or inp[0]["shape"][-1] != 3:
            raise EdgeposeError(f"{self.path}: expected one NHWC RGB image input, got {[d['shape'].tolist() for d in inp]}")
        if len(out) != 1 or len(out[0]["shape"]) != 4:
            raise EdgeposeError(
                f"{self.path}: expected one heatmap output [1, h, w, K], got {[d['shape'].tolist() for d in out]}"
            )
        _, h, w, _ = inp[0]["shape"]
        _, hh, hw, k = out[0]["shape"]
        if k != len(COCO_KEYPOINTS):
            raise EdgeposeError(f"{self.path}: output has {k} channels, expected {len(COCO_KEYPOINTS)} COCO keypoints")
        self._in, self._out = inp[0], out[0]
        self.contract = ModelContract(
            input_size=(int(w), int(h)),
            input_dtype=np.dtype(inp[0]["dtype"]).name,
            input_quant=tuple(inp[0]["quantization"]),
            output_kind="heatmaps",
            heatmap_size=(int(hw), int(hh)),
            output_quant=tuple(out[0]["quantization"]),
        )
        from ..bundle.metadata import read_metadata

        self.metadata = read_metadata(self.path) or contract
        codec = (self.metadata or {}).get("output", {}).get("codec", {})
        if self.metadata is not None:
            size_hw = self.metadata.get("input", {}).get("size_hw")
            if size_hw and list(size_hw) != [int(h), int(w)]:
                raise EdgeposeError(f"{self.path}: the contract says input {size_hw[0]}x{size_hw[1]}, the model takes {h}x{w}")
        self.codec = GaussianHeatmapCodec(
            self.contract.input_size,
            self.contract.heatmap_size,
            sigma=float(codec.get("sigma", 2.0)),
            refine=str(codec.get("refine", "dark")),
        )

    def heatmaps(self, crop: np.ndarray) -> np.ndarray:
        """Run the model on one ``uint8 [H_in, W_in, 3]`` crop; returns float heatmaps ``[h, w, K]``."""
        x = _quantize(crop[None].astype(np.float32), self._in["dtype"], self.contract.input_quant)
        self.interpreter.set_tensor(self._in["index"], x)
        self.interpreter.invoke()
        hm = _dequantize(self.interpreter.get_tensor(self._out["index"])[0], self.contract.output_quant)
        if self.flip_test:
            self.interpreter.set_tensor(self._in["index"], np.ascontiguousarray(x[:, :, ::-1]))
            self.interpreter.invoke()
            flipped = _dequantize(self.interpreter.get_tensor(self._out["index"])[0], self.contract.output_quant)
            hm = 0.5 * (hm + flip_heatmaps_back(flipped))
        return hm

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
