"""Peer pose models under the :class:`~edgepose.runtime.PoseEstimator` API: MoveNet SinglePose,
PoseNet (MobileNet, single-pose decode) and BlazePose GHUM landmarks, mapped to COCO-17.

Each adapter crops every person box with the shared preprocessing
(:func:`edgepose.transforms.crop_person`, box x1.25 at the model's aspect), runs the model,
decodes its own output format to keypoints in crop pixels (pixel centres at integer
coordinates, as everywhere in edgepose) and maps them back to the image. Contracts follow
``shared/peers/README.md``; numpy + LiteRT only.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Sequence

import numpy as np

from ..contract import Contract
from ..engine.model import Model, dequantize, open_model
from ..errors import EdgeposeError
from .estimator import Pose, top_down
from .kinds import nhwc_image, register_kind, shapes

BLAZEPOSE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def _movenet(model: Model) -> bool:
    return nhwc_image(model) and shapes(model) == [[1, 1, 17, 3]]


def _posenet(model: Model) -> bool:
    return nhwc_image(model) and {17, 34} <= {s[-1] for s in shapes(model) if len(s) == 4}


def _blazepose(model: Model) -> bool:
    return nhwc_image(model) and [1, 195] in shapes(model)


class PeerEstimator(abc.ABC):
    """Shared crop/invoke/map-back loop; subclasses set ``kind`` and implement ``_decode``."""

    kind = "peer"

    def __init__(self, model_path: str | Path, threads: int = 1, backend: str = "auto", model: Model | None = None):
        self.path = Path(model_path)
        self.model = model or open_model(self.path, threads=threads, backend=backend)
        _, h, w, _ = self.model.inputs[0].shape
        self.input_size = (int(w), int(h))
        self.flip_test = False

    @property
    def interpreter(self):
        return getattr(self.model, "interpreter", None)

    def _feed(self, crop: np.ndarray) -> np.ndarray:
        if np.issubdtype(self.model.inputs[0].dtype, np.floating):
            return crop[None].astype(np.float32) / 255.0
        return crop[None].astype(self.model.inputs[0].dtype)  # uint8 pixels as they are

    def keypoints_in_crop(self, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``uint8 [H_in, W_in, 3]`` crop -> (keypoints ``[17, 2]`` crop px, scores ``[17]``)."""
        raw = self.model.invoke_raw(self._feed(crop))
        return self._decode([dequantize(r, spec) for r, spec in zip(raw, self.model.outputs)])

    @abc.abstractmethod
    def _decode(self, outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The model's float outputs -> (keypoints ``[17, 2]`` crop px, scores ``[17]``)."""

    def predict(self, image_rgb: np.ndarray, boxes: Sequence[Sequence[float]] | None = None) -> list[Pose]:
        return top_down(image_rgb, boxes, self.input_size, self.keypoints_in_crop)


@register_kind("movenet", "pose", "MoveNet [1,1,17,3]", _movenet, order=10)
class MoveNetEstimator(PeerEstimator):
    """MoveNet SinglePose (Lightning/Thunder): uint8 RGB in, ``[1, 1, 17, 3]`` (y, x, score) normalised out."""

    kind = "movenet"

    def _decode(self, outputs):
        out = outputs[0][0, 0]  # [17, 3]
        w, h = self.input_size
        kps = np.stack([out[:, 1] * w - 0.5, out[:, 0] * h - 0.5], axis=1)
        return kps, out[:, 2]


@register_kind("posenet", "pose", "PoseNet heatmaps+offsets (17+34 channels)", _posenet, order=20)
class PoseNetEstimator(PeerEstimator):
    """PoseNet MobileNet (network only): heatmap logits ``[1, gh, gw, 17]`` and short offsets
    ``[1, gh, gw, 34]`` (y then x, input px); single-pose decode: argmax cell + offset."""

    kind = "posenet"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        by_channels = {int(o.shape[-1]): i for i, o in enumerate(self.model.outputs)}
        self._hm, self._off = by_channels[17], by_channels[34]
        gh = int(self.model.outputs[self._hm].shape[1])
        self.stride = (self.input_size[1] - 1) / max(gh - 1, 1)

    def _decode(self, outputs):
        hm = outputs[self._hm][0]
        off = outputs[self._off][0]
        gh, gw, k = hm.shape
        flat = hm.reshape(-1, k).argmax(0)
        rows, cols = flat // gw, flat % gw
        idx = np.arange(k)
        y = rows * self.stride + off[rows, cols, idx]
        x = cols * self.stride + off[rows, cols, k + idx]
        return np.stack([x, y], axis=1), _sigmoid(hm[rows, cols, idx])


@register_kind("blazepose", "pose", "BlazePose landmarks [1,195]", _blazepose, order=30)
class BlazePoseEstimator(PeerEstimator):
    """BlazePose GHUM landmark model: float RGB [0, 1] in, ``[1, 195]`` = 39 x (x, y, z, visibility,
    presence) in input px out; COCO-17 from landmarks 0, 2, 5, 7, 8, 11-16, 23-28."""

    kind = "blazepose"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lm = self.model.output_by_shape([1, 195])

    def _decode(self, outputs):
        lm = outputs[self._lm].reshape(39, 5)[list(BLAZEPOSE_TO_COCO)]
        return lm[:, :2] - 0.5, _sigmoid(lm[:, 3])


def open_pose_model(
    model_path: str | Path,
    threads: int = 1,
    backend: str = "auto",
    flip_test: bool = False,
    contract: Contract | dict | None = None,
    normalization: str | None = None,
    codec: str | None = None,
):
    """The right estimator for any supported pose model file (``.tflite``, ``.onnx``, ``.xml``):
    its kind is read off its tensors (:func:`edgepose.runtime.kinds.kind_of`)."""
    from .kinds import kind_of

    model = open_model(model_path, threads=threads, backend=backend)
    kind = kind_of(model, role="pose")
    if kind.name != "heatmaps":
        if flip_test:
            raise EdgeposeError(f"`flip_test` is for heatmap models; {Path(model_path).name} is a {kind.name} model")
        if normalization is not None or codec is not None:
            raise EdgeposeError(
                f"`normalization` and `codec` are for heatmap models; {Path(model_path).name} is a {kind.name} model"
            )
        return kind.adapter(model_path, model=model)
    return kind.adapter(model_path, model=model, flip_test=flip_test, contract=contract, normalization=normalization, codec=codec)
