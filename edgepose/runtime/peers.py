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

from ..errors import EdgeposeError
from .backend import make_interpreter, read_output
from .estimator import Pose, top_down

BLAZEPOSE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


class PeerEstimator(abc.ABC):
    """Shared crop/invoke/map-back loop; subclasses set ``kind`` and implement ``_decode``."""

    kind = "peer"

    def __init__(self, model_path: str | Path, threads: int = 1, backend: str = "auto", interpreter=None):
        self.path = Path(model_path)
        self.interpreter = interpreter or make_interpreter(self.path, threads=threads, backend=backend)
        self._in = self.interpreter.get_input_details()[0]
        self._outs = self.interpreter.get_output_details()
        _, h, w, _ = (int(v) for v in self._in["shape"])
        self.input_size = (w, h)
        self.flip_test = False

    def _feed(self, crop: np.ndarray) -> np.ndarray:
        if np.issubdtype(self._in["dtype"], np.floating):
            return crop[None].astype(np.float32) / 255.0
        return crop[None].astype(self._in["dtype"])  # uint8 pixels as they are

    def _output(self, name_or_index) -> np.ndarray:
        return read_output(self.interpreter, self._outs[name_or_index])

    def keypoints_in_crop(self, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``uint8 [H_in, W_in, 3]`` crop -> (keypoints ``[17, 2]`` crop px, scores ``[17]``)."""
        self.interpreter.set_tensor(self._in["index"], self._feed(crop))
        self.interpreter.invoke()
        return self._decode()

    @abc.abstractmethod
    def _decode(self) -> tuple[np.ndarray, np.ndarray]:
        """Read the invoked model's outputs -> (keypoints ``[17, 2]`` crop px, scores ``[17]``)."""

    def predict(self, image_rgb: np.ndarray, boxes: Sequence[Sequence[float]] | None = None) -> list[Pose]:
        return top_down(image_rgb, boxes, self.input_size, self.keypoints_in_crop)


class MoveNetEstimator(PeerEstimator):
    """MoveNet SinglePose (Lightning/Thunder): uint8 RGB in, ``[1, 1, 17, 3]`` (y, x, score) normalised out."""

    kind = "movenet"

    def _decode(self):
        out = self._output(0)[0, 0]  # [17, 3]
        w, h = self.input_size
        kps = np.stack([out[:, 1] * w - 0.5, out[:, 0] * h - 0.5], axis=1)
        return kps, out[:, 2]


class PoseNetEstimator(PeerEstimator):
    """PoseNet MobileNet (network only): heatmap logits ``[1, gh, gw, 17]`` and short offsets
    ``[1, gh, gw, 34]`` (y then x, input px); single-pose decode: argmax cell + offset."""

    kind = "posenet"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        by_channels = {int(d["shape"][-1]): i for i, d in enumerate(self._outs)}
        self._hm, self._off = by_channels[17], by_channels[34]
        gh = int(self._outs[self._hm]["shape"][1])
        self.stride = (self.input_size[1] - 1) / max(gh - 1, 1)

    def _decode(self):
        hm = self._output(self._hm)[0]
        off = self._output(self._off)[0]
        gh, gw, k = hm.shape
        flat = hm.reshape(-1, k).argmax(0)
        rows, cols = flat // gw, flat % gw
        idx = np.arange(k)
        y = rows * self.stride + off[rows, cols, idx]
        x = cols * self.stride + off[rows, cols, k + idx]
        return np.stack([x, y], axis=1), _sigmoid(hm[rows, cols, idx])


class BlazePoseEstimator(PeerEstimator):
    """BlazePose GHUM landmark model: float RGB [0, 1] in, ``[1, 195]`` = 39 x (x, y, z, visibility,
    presence) in input px out; COCO-17 from landmarks 0, 2, 5, 7, 8, 11-16, 23-28."""

    kind = "blazepose"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lm = next(i for i, d in enumerate(self._outs) if d["shape"].tolist() == [1, 195])

    def _decode(self):
        lm = self._output(self._lm).reshape(39, 5)[list(BLAZEPOSE_TO_COCO)]
        return lm[:, :2] - 0.5, _sigmoid(lm[:, 3])


def describe_contract(interpreter) -> str:
    ins = [f"{d['dtype'].__name__}{d['shape'].tolist()}" for d in interpreter.get_input_details()]
    outs = [f"{d['dtype'].__name__}{d['shape'].tolist()}" for d in interpreter.get_output_details()]
    return f"inputs {', '.join(ins)}; outputs {', '.join(outs)}"


def detect_kind(interpreter, name: str = "model") -> str:
    """'edgepose' | 'movenet' | 'posenet' | 'blazepose' from the model's tensors, or raise."""
    ins, outs = interpreter.get_input_details(), interpreter.get_output_details()
    if len(ins) == 1 and len(ins[0]["shape"]) == 4 and ins[0]["shape"][-1] == 3:
        shapes = [d["shape"].tolist() for d in outs]
        if len(outs) == 1 and len(shapes[0]) == 4 and shapes[0][-1] == 17 and shapes[0][0] == 1:
            return "edgepose"
        if len(outs) == 1 and shapes[0] == [1, 1, 17, 3]:
            return "movenet"
        channels = {s[-1] for s in shapes if len(s) == 4}
        if {17, 34} <= channels:
            return "posenet"
        if [1, 195] in shapes:
            return "blazepose"
    raise EdgeposeError(
        f"{name}: unsupported pose model contract ({describe_contract(interpreter)}); supported: edgepose heatmaps [1,h,w,17], "
        "MoveNet [1,1,17,3], PoseNet heatmaps+offsets (17+34 channels), BlazePose landmarks [1,195]"
    )


PEER_CLASSES = {"movenet": MoveNetEstimator, "posenet": PoseNetEstimator, "blazepose": BlazePoseEstimator}


def open_pose_model(
    model_path: str | Path, threads: int = 1, backend: str = "auto", flip_test: bool = False, contract: dict | None = None
):
    """The right estimator for any supported ``.tflite`` pose model (contract read from the model)."""
    from .estimator import PoseEstimator

    interp = make_interpreter(model_path, threads=threads, backend=backend)
    kind = detect_kind(interp, Path(model_path).name)
    if kind == "edgepose":
        return PoseEstimator(model_path, threads=threads, backend=backend, flip_test=flip_test, contract=contract)
    est = PEER_CLASSES[kind](model_path, threads=threads, backend=backend, interpreter=interp)
    if flip_test:
        raise EdgeposeError(f"--flip is for heatmap models; {Path(model_path).name} is a {kind} model")
    return est
