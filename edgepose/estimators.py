"""Estimators for any model file: ``.tflite`` through the runtime, ``.keras`` through Keras with the
runtime's crop and decode (so training-time validation and evaluation share one code path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .codec import codec_for
from .defaults import CODEC, SIGMA
from .errors import EdgeposeError
from .keypoints import COCO_KEYPOINTS
from .runtime.estimator import ModelContract, PoseEstimator


class KerasPoseEstimator(PoseEstimator):
    """A Keras heatmap model behind the runtime's :class:`PoseEstimator` API (same crop, same decode)."""

    def __init__(self, model, flip_test: bool = False, codec: str = CODEC, sigma: float = SIGMA):
        self.model = model
        self.path = Path(getattr(model, "name", "keras"))
        self.flip_test = flip_test
        shapes = (getattr(model, "input_shape", None), getattr(model, "output_shape", None))
        if (
            not all(isinstance(s, tuple) and len(s) == 4 for s in shapes)
            or shapes[0][-1] != 3
            or shapes[1][-1] != len(COCO_KEYPOINTS)
        ):
            raise EdgeposeError(
                f"{self.path}: not a heatmap pose model (input {shapes[0]}, output {shapes[1]}); "
                "expected an RGB image [N, H, W, 3] in and 17 heatmaps [N, h, w, 17] out"
            )
        _, h, w, _ = model.input_shape
        _, hh, hw, _ = model.output_shape
        self.contract = ModelContract(
            (int(w), int(h)), "float32", (0.0, 0), "heatmaps", (int(hw), int(hh)), (0.0, 0), codec=codec, sigma=sigma
        )
        self.codec = codec_for(self.contract.input_size, sigma=sigma, name=codec, heatmap_size=self.contract.heatmap_size)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """One traced graph for every crop: an eager call of a large functional model costs ~0.2 s a crop."""
        if getattr(self, "_traced", None) is None:
            import tensorflow as tf

            model = self.model
            self._traced = tf.function(lambda t: model(t, training=False), reduce_retracing=True)
        return np.asarray(self._traced(x))

    def heatmaps(self, crop: np.ndarray) -> np.ndarray:
        x = crop[None].astype(np.float32)
        hm = self._forward(x)[0]
        if self.flip_test:
            from .codec import flip_heatmaps_back

            flipped = self._forward(np.ascontiguousarray(x[:, :, ::-1]))[0]
            hm = 0.5 * (hm + flip_heatmaps_back(flipped))
        return hm


def load_estimator(
    model: Any, threads: int = 1, normalization: str | None = None, codec: str | None = None, flip_test: bool = False
) -> PoseEstimator:
    """A ``.tflite``/``.onnx``/``.xml`` path -> its runtime estimator (an opened estimator is returned as it
    is); a ``.keras`` path or Keras model ->
    :class:`KerasPoseEstimator`. ``flip_test`` is applied (heatmap models) or refused with one line
    (MoveNet, PoseNet, BlazePose: their outputs cannot be mirrored back)."""
    from .runtime.estimator import PoseEstimator

    if isinstance(model, PoseEstimator):  # already opened, with its contract (e.g. an ONNX reference in `convert`'s gate)
        return model
    if isinstance(model, (str, Path)):
        path = Path(model)
        if path.suffix.lower() in (".tflite", ".onnx", ".xml"):
            from .runtime.peers import open_pose_model

            return open_pose_model(path, threads=threads, normalization=normalization, codec=codec, flip_test=flip_test)
        from .contract import check_codec, read_keras_contract
        from .models.saved import load_model

        trained = read_keras_contract(path)
        if codec is not None and trained is not None and check_codec(codec) != trained.codec:
            raise EdgeposeError(
                f"{path}: `codec` '{codec}' contradicts the contract train wrote ('{trained.codec}'); leave it out"
            )
        model = load_model(path)
        if trained is None:
            return KerasPoseEstimator(model, flip_test=flip_test, codec=codec or CODEC, sigma=SIGMA)
        return KerasPoseEstimator(model, flip_test=flip_test, codec=trained.codec, sigma=trained.sigma)
    return KerasPoseEstimator(model, flip_test=flip_test, codec=codec or CODEC)
