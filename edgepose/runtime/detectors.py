"""Person detectors for top-down pose: boxes in image pixels from common TFLite detector contracts.

Four contracts, told apart by the model's tensors (:func:`open_detector`): the two below, and
YOLOX grid outputs (:class:`YoloxDetector`) and PP-PicoDet decoded boxes + scores
(:class:`PicoDetDetector`), NCHW or NHWC, as ONNX, OpenVINO IR or TFLite:

* **SSD with ``TFLite_Detection_PostProcess``** (the TF/Coral model-zoo
  ``ssd_mobilenet_*_postprocess`` family): four outputs, boxes ``[1, N, 4]`` (normalised
  ``ymin, xmin, ymax, xmax``), classes ``[1, N]``, scores ``[1, N]`` and the count ``[1]``. The
  image is resized (stretched) to the input; ``person_class`` picks the label id (0 = person in
  the zoo's COCO label maps).
* **BlazePose's detector** (MediaPipe ``pose_detection.tflite``): box regressors ``[1, A, 12]``
  and score logits ``[1, A, 1]`` over ``A`` SSD anchors (224 input: strides 8/16/32/32/32, two
  anchors per cell, fixed size = 2254). Decoded here in numpy: anchors, box + 4 keypoints
  (mid-hip, full-body circle point, mid-shoulder, upper-body circle point), sigmoid, weighted
  NMS. The person box is MediaPipe's body ROI: the square around the hip centre whose half side
  is the hip-to-circle distance.

Every detector returns :class:`Detection` s with ``box = [x, y, w, h]`` in image pixels, best
first, after the score threshold, NMS at ``iou_threshold`` and the ``max_people`` cap. numpy,
OpenCV and LiteRT only.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..defaults import DETECTOR_NMS_IOU, DETECTOR_SCORE_THRESHOLD, MAX_PEOPLE
from ..engine.model import Model, dequantize, open_model, quantize
from ..errors import EdgeposeError
from .kinds import image_input, image_layout, nhwc_image, register_kind, shapes


@dataclass
class Detection:
    """One person: ``box`` COCO ``[x, y, w, h]`` image pixels, ``score`` in [0, 1], optional
    detector keypoints ``[k, 2]`` in image pixels."""

    box: list[float]
    score: float
    keypoints: np.ndarray | None = field(default=None, repr=False)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix ``[len(a), len(b)]`` of ``[x, y, w, h]`` boxes."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    ax1, ay1, ax2, ay2 = a[:, 0], a[:, 1], a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx1, by1, bx2, by2 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2[:, None], bx2[None]) - np.maximum(ax1[:, None], bx1[None]), 0, None)
    ih = np.clip(np.minimum(ay2[:, None], by2[None]) - np.maximum(ay1[:, None], by1[None]), 0, None)
    inter = iw * ih
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, weighted: bool = False, extra: np.ndarray | None = None):
    """Non-maximum suppression over ``[n, 4]`` xywh boxes, best first.

    ``weighted`` (MediaPipe's WEIGHTED algorithm): each kept box (and its row of ``extra``, e.g.
    keypoints) is the score-weighted mean of the boxes it suppresses. Returns
    ``(boxes, scores, extra)`` of the kept detections.
    """
    order = np.argsort(-scores, kind="stable")
    boxes, scores = np.asarray(boxes, np.float64)[order], np.asarray(scores, np.float64)[order]
    extra = None if extra is None else np.asarray(extra, np.float64)[order]
    kept_b, kept_s, kept_e = [], [], []
    alive = np.ones(len(boxes), bool)
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        ious = box_iou(boxes[i], boxes)[0]
        group = alive & (ious > iou_threshold)
        group[i] = True
        if weighted:
            w = scores[group] / scores[group].sum()
            kept_b.append((boxes[group] * w[:, None]).sum(0))
            if extra is not None:
                kept_e.append(np.tensordot(w, extra[group], axes=1))
        else:
            kept_b.append(boxes[i])
            if extra is not None:
                kept_e.append(extra[i])
        kept_s.append(scores[i])
        alive &= ~group
    out_b = np.array(kept_b).reshape(-1, 4)
    out_e = None if extra is None else np.array(kept_e).reshape((-1,) + extra.shape[1:])
    return out_b, np.array(kept_s), out_e


def check_detector_settings(score_threshold: float, iou_threshold: float | None, max_people: int) -> None:
    """Thresholds are probabilities in [0, 1] and at least one person is kept; else one error."""
    for name, value in (("score_threshold", score_threshold), ("iou_threshold", iou_threshold)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise EdgeposeError(f"`{name}` is a probability in [0, 1], got {value}")
    if max_people < 1:
        raise EdgeposeError(f"`max_people` must be at least 1, got {max_people}")


class PersonDetector(abc.ABC):
    """``detect(image_rgb) -> [Detection]`` for ``uint8 [H, W, 3]`` RGB images."""

    kind = "detector"

    def __init__(
        self,
        model_path: str | Path,
        threads: int = 1,
        backend: str = "auto",
        score_threshold: float = DETECTOR_SCORE_THRESHOLD,
        iou_threshold: float = DETECTOR_NMS_IOU,
        max_people: int = MAX_PEOPLE,
        model: Model | None = None,
    ):
        self.path = Path(model_path)
        self.model = model or open_model(self.path, threads=threads, backend=backend)
        check_detector_settings(score_threshold, iou_threshold, max_people)
        self.score_threshold = float(score_threshold)
        self.iou_threshold = float(iou_threshold)
        self.max_people = int(max_people)
        self._in = self.model.inputs[0]
        self._outs = list(range(len(self.model.outputs)))
        self._last: list[np.ndarray] = []
        self.nchw, h, w = image_layout(self._in.shape)
        self.input_size = (w, h)

    def _set_input(self, pixels: np.ndarray, norm: tuple) -> None:
        """``pixels`` uint8 ``[h, w, 3]`` at the input size; float (and int8-quantised) inputs get
        ``(p - mean) / std`` with ``norm = (mean, std)``, scalars or per channel; in the model's layout."""
        dtype = np.dtype(self._in.dtype)
        if np.issubdtype(dtype, np.floating):
            x = (pixels.astype(np.float32) - norm[0]) / norm[1]
        elif self._in.quant[0] and dtype == np.int8:
            x = quantize((pixels.astype(np.float32) - norm[0]) / norm[1], self._in)
        else:
            x = pixels.astype(dtype)  # uint8 pixels as they are (the zoo's quantized SSDs)
        if self.nchw:
            x = np.ascontiguousarray(x.transpose(2, 0, 1))
        self._last = self.model.invoke_raw(x[None])

    def _tensor(self, position: int) -> np.ndarray:
        """Output ``position`` of the last run, as float32."""
        return dequantize(self._last[position], self.model.outputs[position])

    @property
    def interpreter(self):
        return getattr(self.model, "interpreter", None)

    def detect(self, image_rgb: np.ndarray) -> list[Detection]:
        if image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
            raise EdgeposeError(f"expected an RGB image [H, W, 3], got shape {image_rgb.shape}")
        dets = self._detect(image_rgb)
        return dets[: self.max_people]

    @abc.abstractmethod
    def _detect(self, image_rgb: np.ndarray) -> list[Detection]:
        """Detections best first, thresholded and NMS-ed."""


def _ssd(model: Model) -> bool:
    s = shapes(model)
    return (
        nhwc_image(model)
        and len(s) == 4
        and sum(len(x) == 3 and x[-1] == 4 for x in s) == 1
        and sum(len(x) == 2 for x in s) == 2
        and [1] in s
    )


@register_kind(
    "ssd", "detector",
    "SSD with TFLite_Detection_PostProcess (outputs boxes [1,N,4], classes [1,N], scores [1,N], count [1])", _ssd, order=110,
)  # fmt: skip
class SsdDetector(PersonDetector):
    """SSD models whose graph ends in ``TFLite_Detection_PostProcess`` (NMS done in the model)."""

    kind = "ssd"

    def __init__(self, *args, person_class: int = 0, norm: tuple[float, float] = (127.5, 127.5), **kwargs):
        super().__init__(*args, **kwargs)
        self.person_class = int(person_class)
        self.norm = norm
        shapes = [list(o.shape) for o in self.model.outputs]
        names = [o.name for o in self.model.outputs]
        self._boxes = next(d for d, s in zip(self._outs, shapes) if len(s) == 3 and s[-1] == 4)
        self._count = next(d for d, s in zip(self._outs, shapes) if s == [1])
        pairs = [d for d, s in zip(self._outs, shapes) if len(s) == 2]
        # TF1 exports name them ...PostProcess:1 (classes) and :2 (scores); otherwise output order.
        by_suffix = {names[d].rsplit(":", 1)[-1]: d for d in pairs if ":" in names[d]}
        if "1" in by_suffix and "2" in by_suffix:
            self._classes, self._scores = by_suffix["1"], by_suffix["2"]
        else:
            self._classes, self._scores = pairs[0], pairs[1]

    def _detect(self, image_rgb):
        h, w = image_rgb.shape[:2]
        iw, ih = self.input_size
        self._set_input(cv2.resize(image_rgb, (iw, ih), interpolation=cv2.INTER_LINEAR), self.norm)
        boxes = self._tensor(self._boxes)[0]
        classes, scores = self._tensor(self._classes)[0], self._tensor(self._scores)[0]
        if np.any(np.abs(classes - np.round(classes)) > 1e-3) and np.all(np.abs(scores - np.round(scores)) <= 1e-3):
            classes, scores = scores, classes  # the classes tensor is the integer-valued one
        n = int(round(float(self._tensor(self._count).ravel()[0])))
        keep = [
            i
            for i in range(min(n, len(scores)))
            if int(round(classes[i])) == self.person_class and scores[i] >= self.score_threshold
        ]
        if not keep:
            return []
        b = boxes[keep]
        xywh = np.stack([b[:, 1] * w, b[:, 0] * h, (b[:, 3] - b[:, 1]) * w, (b[:, 2] - b[:, 0]) * h], axis=1)
        xywh, s, _ = nms(xywh, scores[keep], self.iou_threshold)
        return [Detection(box=[float(v) for v in bb], score=float(sc)) for bb, sc in zip(xywh, s)]


IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32) * 255.0
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32) * 255.0


def yolox_anchor_count(side_h: int, side_w: int, strides=(8, 16, 32)) -> int:
    """Grid cells over YOLOX's strides for an input ``side_h x side_w`` (416x416: 3,549)."""
    return sum((side_h // s) * (side_w // s) for s in strides)


def _yolox(model: Model) -> bool:
    s = shapes(model)
    if not image_input(model) or len(s) != 1 or len(s[0]) != 3 or s[0][-1] < 6:
        return False
    _, h, w = image_layout(model.inputs[0].shape)
    return s[0][1] == yolox_anchor_count(h, w)


@register_kind(
    "yolox", "detector",
    "YOLOX grid output [1,A,5+C] over strides 8/16/32 (BGR 0..255, top-left letterbox, pad 114)", _yolox, order=130,
)  # fmt: skip
class YoloxDetector(PersonDetector):
    """YOLOX grid outputs (Megvii's ONNX export, and TFLite files converted from it): one output
    ``[1, A, 5 + C]`` per anchor ``x, y, log w, log h`` (raw), objectness and C class scores (sigmoid
    applied), over strides 8/16/32. Input: BGR pixels 0..255, no mean or std, letterboxed to the
    top-left with ratio ``min(S/h, S/w)`` and pad value 114 (the documented YOLOX contract).
    Score = objectness x person class score; then one NMS."""

    kind = "yolox"
    strides = (8, 16, 32)

    def __init__(self, *args, person_class: int = 0, **kwargs):
        kwargs.setdefault("iou_threshold", 0.6)
        super().__init__(*args, **kwargs)
        self.person_class = int(person_class)
        w, h = self.input_size
        grids, steps = [], []
        for s in self.strides:
            ys, xs = np.meshgrid(np.arange(h // s), np.arange(w // s), indexing="ij")
            grids.append(np.stack([xs.ravel(), ys.ravel()], axis=1))
            steps.append(np.full(len(grids[-1]), s))
        self._grid = np.concatenate(grids).astype(np.float32)
        self._stride = np.concatenate(steps).astype(np.float32)[:, None]
        n = self.model.outputs[0].shape[1]
        if n != len(self._grid):
            raise EdgeposeError(f"{self.path}: {n} anchors in the model, {len(self._grid)} from YOLOX strides 8/16/32 at {h}x{w}")

    def _detect(self, image_rgb):
        canvas, ratio = yolox_letterbox(image_rgb, self.input_size)
        self._set_input(canvas, (0.0, 1.0))
        out = self._tensor(0)[0]
        scores = out[:, 4] * out[:, 5 + self.person_class]
        keep = scores >= self.score_threshold
        if not keep.any():
            return []
        out, scores = out[keep], scores[keep]
        return _yolox_boxes(out[:, :4], self._grid[keep], self._stride[keep], scores, ratio, self.iou_threshold)


def yolox_letterbox(image_rgb: np.ndarray, input_size: tuple[int, int]) -> tuple[np.ndarray, float]:
    """The YOLOX input contract, shared by inference and int8 calibration: ``(canvas, ratio)``
    with ``canvas`` uint8 ``[H, W, 3]`` **BGR**, the image resized by ``ratio = min(W/w, H/h)``
    into the top-left corner, the rest 114. ``input_size`` is ``(W, H)``."""
    h, w = image_rgb.shape[:2]
    iw, ih = input_size
    ratio = min(iw / w, ih / h)
    nw, nh = max(1, int(w * ratio)), max(1, int(h * ratio))
    canvas = np.full((ih, iw, 3), 114, np.uint8)
    canvas[:nh, :nw] = cv2.resize(image_rgb[:, :, ::-1], (nw, nh), interpolation=cv2.INTER_LINEAR)
    return canvas, ratio


def _yolox_boxes(raw, grid, stride, scores, ratio, iou_threshold) -> list[Detection]:
    """YOLOX box decode (``xy = (raw + grid) * stride``, ``wh = exp(raw) * stride``, undo the
    letterbox ``ratio``) of ``raw [n, 4]`` cells, then one NMS."""
    xy = (raw[:, :2] + grid) * stride
    wh = np.exp(np.clip(raw[:, 2:4], -20, 20)) * stride
    xywh = np.concatenate([xy - wh / 2, wh], axis=1) / ratio
    xywh, s, _ = nms(xywh, scores, iou_threshold)
    return [Detection(box=[float(v) for v in b], score=float(sc)) for b, sc in zip(xywh, s)]


def yolox_head_outputs(model) -> dict[int, tuple[int, int]] | None:
    """``{stride: (box output, score output)}`` of a YOLOX model cut at its heads
    (:func:`converters.detector_surgery.person_heads`): per stride 8/16/32 a box tensor with 4
    channels and a score tensor with 2 (objectness logit, person logit), NHWC or NCHW like
    the input; None when the outputs are not that."""
    shapes = [list(o.shape) for o in model.outputs]
    if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4 or len(shapes) != 6 or any(len(s) != 4 for s in shapes):
        return None
    nchw, h, w = image_layout(model.inputs[0].shape)
    found: dict[int, list] = {}
    for i, s in enumerate(shapes):
        c, gh, gw = (s[1], s[2], s[3]) if nchw else (s[3], s[1], s[2])
        if c not in (2, 4) or gh <= 0 or h % gh or w % gw or h // gh != w // gw:
            return None
        found.setdefault(h // gh, [None, None])[0 if c == 4 else 1] = i
    if sorted(found) != [8, 16, 32] or any(None in v for v in found.values()):
        return None
    return {s: (v[0], v[1]) for s, v in found.items()}


def _yolox_heads(model: Model) -> bool:
    return image_input(model) and yolox_head_outputs(model) is not None


@register_kind(
    "yolox-heads", "detector",
    "YOLOX cut at its heads: per stride 8/16/32 boxes [h,w,4] + score logits [h,w,2] (edgepose convert of a YOLOX export)",
    _yolox_heads, order=140,
)  # fmt: skip
class YoloxHeadsDetector(PersonDetector):
    """YOLOX cut at its heads for int8 (``edgepose convert`` of a YOLOX ONNX export): per stride
    8/16/32 raw boxes ``[h, w, 4]`` and score logits ``[h, w, 2]`` (objectness, person); sigmoid,
    grid and exp here. Input: the YOLOX contract (:func:`yolox_letterbox`, BGR 0..255)."""

    kind = "yolox-heads"  # the person class was chosen when the heads were cut: no person_class here

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("iou_threshold", 0.6)
        super().__init__(*args, **kwargs)
        heads = yolox_head_outputs(self.model)
        if heads is None:
            raise EdgeposeError(f"{self.path}: not a YOLOX model cut at its heads (6 outputs: 4 + 2 channels per stride 8/16/32)")
        w, h = self.input_size
        self._heads = []  # (stride, box output, score output, cell grid [gh * gw, 2] row-major), strides ascending
        for stride, (b, s) in sorted(heads.items()):
            ys, xs = np.meshgrid(np.arange(h // stride), np.arange(w // stride), indexing="ij")
            self._heads.append((stride, b, s, np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)))

    def _detect(self, image_rgb):
        canvas, ratio = yolox_letterbox(image_rgb, self.input_size)
        self._set_input(canvas, (0.0, 1.0))
        raws, grids, strides, scores = [], [], [], []
        for stride, b, s, grid in self._heads:
            box, logit = self._tensor(b)[0], self._tensor(s)[0]
            if self.nchw:
                box, logit = box.transpose(1, 2, 0), logit.transpose(1, 2, 0)
            p = 1.0 / (1.0 + np.exp(-np.clip(logit.astype(np.float64), -60, 60)))
            score = (p[..., 0] * p[..., 1]).ravel()
            keep = score >= self.score_threshold
            if not keep.any():
                continue
            raws.append(box.reshape(-1, 4)[keep])
            grids.append(grid[keep])
            strides.append(np.full((int(keep.sum()), 1), stride, np.float32))
            scores.append(score[keep])
        if not raws:
            return []
        raw, grid, stride, score = (np.concatenate(parts) for parts in (raws, grids, strides, scores))
        return _yolox_boxes(raw, grid, stride, score, ratio, self.iou_threshold)


def _picodet(model: Model) -> bool:
    s = shapes(model)
    if not image_input(model) or len(s) != 2:
        return False
    boxes = [x for x in s if len(x) == 3 and x[-1] == 4]
    scores = [x for x in s if len(x) == 3 and x[-1] != 4]
    return len(boxes) == 1 and len(scores) == 1 and scores[0][2] == boxes[0][1]


@register_kind(
    "picodet", "detector",
    "PP-PicoDet without NMS: boxes [1,A,4] x1y1x2y2 + scores [1,C,A] (RGB, ImageNet mean/std, stretched)", _picodet, order=150,
)  # fmt: skip
class PicoDetDetector(PersonDetector):
    """PP-PicoDet exported without NMS (PaddleDetection; the pedestrian model PP-TinyPose uses):
    boxes ``[1, A, 4]`` ``x1, y1, x2, y2`` in input pixels (already decoded) and scores ``[1, C, A]``
    (sigmoid). Input: RGB resized (stretched) to the input size, pixels / 255 then ImageNet mean/std
    (the documented PicoDet contract); class ``person_class`` (0: the pedestrian model's only class,
    and person in COCO's 80)."""

    kind = "picodet"

    def __init__(self, *args, person_class: int = 0, **kwargs):
        kwargs.setdefault("iou_threshold", 0.6)
        super().__init__(*args, **kwargs)
        self.person_class = int(person_class)
        shapes = [list(o.shape) for o in self.model.outputs]
        self._boxes = next(d for d, s in zip(self._outs, shapes) if len(s) == 3 and s[-1] == 4)
        self._scores = next(d for d in self._outs if d != self._boxes)

    def _detect(self, image_rgb):
        h, w = image_rgb.shape[:2]
        iw, ih = self.input_size
        self._set_input(cv2.resize(image_rgb, (iw, ih), interpolation=cv2.INTER_LINEAR), (IMAGENET_MEAN, IMAGENET_STD))
        boxes = self._tensor(self._boxes)[0]
        scores = self._tensor(self._scores)[0, self.person_class]
        keep = scores >= self.score_threshold
        if not keep.any():
            return []
        b = boxes[keep] * np.array([w / iw, h / ih, w / iw, h / ih], np.float32)
        xywh = np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1)
        xywh, s, _ = nms(xywh, scores[keep], self.iou_threshold)
        return [Detection(box=[float(v) for v in bb], score=float(sc)) for bb, sc in zip(xywh, s)]


def ssd_anchors(input_size: int = 224, strides=(8, 16, 32, 32, 32), anchors_per_layer: int = 2) -> np.ndarray:
    """MediaPipe SsdAnchorsCalculator with fixed anchor size: ``[A, 2]`` normalised centres
    ``(x, y)``; layers that share a stride share one feature map (cells row-major)."""
    centres = []
    i = 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        side = int(np.ceil(input_size / strides[i]))
        per_cell = anchors_per_layer * (j - i)
        ys, xs = np.meshgrid((np.arange(side) + 0.5) / side, (np.arange(side) + 0.5) / side, indexing="ij")
        cell = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell, per_cell, axis=0))
        i = j
    return np.concatenate(centres)


def _blazepose_detector(model: Model) -> bool:
    s = shapes(model)
    return (
        nhwc_image(model)
        and len(s) == 2
        and any(len(x) == 3 and x[-1] == 12 for x in s)
        and any(len(x) == 3 and x[-1] == 1 for x in s)
    )


@register_kind(
    "blazepose-detector", "detector",
    "BlazePose pose_detection (outputs regressors [1,A,12], score logits [1,A,1])", _blazepose_detector, order=120,
)  # fmt: skip
class BlazePoseDetector(PersonDetector):
    """MediaPipe's BlazePose person detector (``pose_detection.tflite``), decoded in numpy."""

    kind = "blazepose-detector"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("iou_threshold", 0.3)  # MediaPipe's pose detection NMS
        super().__init__(*args, **kwargs)
        shapes = [list(o.shape) for o in self.model.outputs]
        self._reg = next(d for d, s in zip(self._outs, shapes) if len(s) == 3 and s[-1] == 12)
        self._logit = next(d for d, s in zip(self._outs, shapes) if len(s) == 3 and s[-1] == 1)
        side = self.input_size[0]
        self.anchors = ssd_anchors(side)
        n_anchors = self.model.outputs[self._reg].shape[1]
        if len(self.anchors) != n_anchors:
            raise EdgeposeError(
                f"{self.path}: {n_anchors} anchors in the model, {len(self.anchors)} from the BlazePose "
                f"anchor recipe at {side}x{side}"
            )

    def _detect(self, image_rgb):
        h, w = image_rgb.shape[:2]
        side = self.input_size[0]
        scale = side / max(h, w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        pad_x, pad_y = (side - nw) // 2, (side - nh) // 2
        canvas = np.zeros((side, side, 3), np.uint8)
        canvas[pad_y : pad_y + nh, pad_x : pad_x + nw] = cv2.resize(image_rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        self._set_input(canvas, (127.5, 127.5))
        raw = self._tensor(self._reg)[0].astype(np.float64)
        scores = 1.0 / (1.0 + np.exp(-np.clip(self._tensor(self._logit)[0, :, 0].astype(np.float64), -100, 100)))
        keep = scores >= self.score_threshold
        if not keep.any():
            return []
        raw, scores, anchors = raw[keep], scores[keep], self.anchors[keep] * side  # input pixels
        cx, cy = raw[:, 0] + anchors[:, 0], raw[:, 1] + anchors[:, 1]
        face = np.stack([cx - raw[:, 2] / 2, cy - raw[:, 3] / 2, raw[:, 2], raw[:, 3]], axis=1)
        kps = raw[:, 4:12].reshape(-1, 4, 2) + anchors[:, None, :]
        face, scores, kps = nms(face, scores, self.iou_threshold, weighted=True, extra=kps)
        # input pixels -> image pixels (undo the letterbox)
        kps = (kps - np.array([pad_x, pad_y])) / scale
        dets = []
        for kp, sc in zip(kps, scores):
            r = float(np.linalg.norm(kp[1] - kp[0]))
            c = kp[0]
            dets.append(Detection(box=[float(c[0] - r), float(c[1] - r), 2 * r, 2 * r], score=float(sc), keypoints=kp))
        return dets


def open_detector(
    model_path: str | Path,
    threads: int = 1,
    backend: str = "auto",
    score_threshold: float = DETECTOR_SCORE_THRESHOLD,
    iou_threshold: float | None = None,
    max_people: int = MAX_PEOPLE,
    person_class: int = 0,
) -> PersonDetector:
    """The right :class:`PersonDetector` for a detector file (its kind read off its tensors)."""
    from .kinds import kind_of

    check_detector_settings(score_threshold, iou_threshold, max_people)
    model = open_model(model_path, threads=threads, backend=backend)
    kind = kind_of(model, role="detector")
    common = dict(score_threshold=score_threshold, max_people=max_people, model=model)
    if iou_threshold is not None:
        common["iou_threshold"] = iou_threshold
    if kind.name in ("ssd", "yolox", "picodet"):
        common["person_class"] = person_class
    return kind.adapter(model_path, **common)
