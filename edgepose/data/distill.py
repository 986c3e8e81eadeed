"""Teacher labels for distillation, and person-extent boxes shaped like the ones inference gets.

``teacher_label``: a teacher pose model (any file the runtime opens: PP-TinyPose as OpenVINO IR,
ONNX, TFLite) predicts all 17 keypoints of every person crop of a COCO file. Each annotation
gets ``teacher_keypoints`` ``[x, y, score] x 17`` (image pixels, score = heatmap maximum or the
model's own confidence); the human ``keypoints`` are never changed. Training then fills every
keypoint the human labels lack with the teacher's point, weighted by its score (human labels
always win, see :func:`merge_teacher`).

Images with no annotations at all (a folder of photos) become a COCO file of whole-frame or
detector boxes whose people carry only teacher keypoints (:func:`unlabelled_people`).

``extent_box``: the box a person detector or a COCO annotator draws, from keypoints: their
extent padded per side by :data:`EXTENT_PAD`, measured on ``coco_train`` (31 people with >= 12
labelled keypoints: median pad of the COCO box beyond the keypoint extent, as a share of that
extent: left 0.127, top 0.120, right 0.145, bottom 0.109). LSPET's boxes are the joint box padded
15 % per side including the head top; training on ``extent_box`` + jitter instead teaches the
model the boxes it meets at inference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..defaults import THREADS
from ..errors import EdgeposeError
from ..keypoints import NUM_KEYPOINTS

EXTENT_PAD = (0.13, 0.12, 0.14, 0.11)  # left, top, right, bottom: share of the keypoint extent
TEACHER_FIELD = "teacher_keypoints"


def extent_box(points: np.ndarray, image_size: tuple[int, int] | None = None) -> list[float] | None:
    """``[x, y, w, h]`` around ``points`` ``[n, 2]`` (image px), padded by :data:`EXTENT_PAD`;
    clipped to ``image_size`` = (width, height) when given. None under 2 points or a degenerate extent."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) < 2:
        return None
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    w, h = x1 - x0, y1 - y0
    if w < 1 and h < 1:
        return None
    w, h = max(w, 0.25 * h), max(h, 0.25 * w)  # a person seen edge-on still has a width
    left, top, right, bottom = EXTENT_PAD
    bx0, by0, bx1, by1 = x0 - left * w, y0 - top * h, x1 + right * w, y1 + bottom * h
    if image_size is not None:
        iw, ih = image_size
        bx0, by0, bx1, by1 = max(bx0, 0.0), max(by0, 0.0), min(bx1, float(iw)), min(by1, float(ih))
    if bx1 - bx0 < 1 or by1 - by0 < 1:
        return None
    return [float(bx0), float(by0), float(bx1 - bx0), float(by1 - by0)]


def jitter_box(box: list[float], rng: np.random.Generator, strength: float) -> list[float]:
    """A detector-like box: centre moved by N(0, ``strength``/2 x size) per axis, each side
    scaled by U(1 - ``strength``, 1 + ``strength``)."""
    if strength <= 0:
        return box
    x, y, w, h = box
    cx, cy = x + w / 2 + rng.normal(0, strength / 2) * w, y + h / 2 + rng.normal(0, strength / 2) * h
    w2, h2 = w * rng.uniform(1 - strength, 1 + strength), h * rng.uniform(1 - strength, 1 + strength)
    return [cx - w2 / 2, cy - h2 / 2, w2, h2]


def merge_teacher(
    keypoints: np.ndarray, weights: np.ndarray, teacher: np.ndarray, min_score: float, teacher_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Human keypoints ``[17, 3]`` with their loss weights ``[17]`` (0 = unlabelled/absent) and
    teacher keypoints ``[17, 3]`` (x, y, score) -> (keypoints ``[17, 2]``, weights ``[17]``): every
    keypoint with weight 0 whose teacher score is ``>= min_score`` takes the teacher's point with
    weight ``teacher_weight x score``. Human-labelled keypoints are never replaced."""
    xy = np.array(keypoints[:, :2], np.float64)
    w = np.array(weights, np.float32)
    use = (w <= 0) & (teacher[:, 2] >= min_score) & np.isfinite(teacher[:, :2]).all(1)
    xy[use] = teacher[use, :2]
    w[use] = teacher_weight * np.clip(teacher[use, 2], 0.0, 1.0)
    return xy, w


def teacher_label(
    coco: dict[str, Any],
    images: str | Path,
    teacher: Any,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """A copy of ``coco`` whose non-crowd annotations with a box get ``teacher_keypoints``
    (``teacher``: an estimator with ``predict(image, boxes)``, e.g. from ``open_pose_model``).
    ``info.teacher`` records the teacher file. Images are read once each."""
    from ..transforms import load_rgb

    root = Path(images)
    out = {**coco, "annotations": [dict(a) for a in coco["annotations"]]}
    by_image: dict[Any, list[dict[str, Any]]] = {}
    for ann in out["annotations"]:
        box = ann.get("bbox")
        if ann.get("iscrowd", 0) or not isinstance(box, list) or len(box) != 4 or box[2] < 1 or box[3] < 1:
            continue
        by_image.setdefault(ann["image_id"], []).append(ann)
    for im in coco["images"]:
        anns = by_image.get(im["id"], [])
        if anns:
            image = load_rgb(root / im["file_name"])
            poses = teacher.predict(image, [a["bbox"] for a in anns])
            for ann, pose in zip(anns, poses):
                tk = np.concatenate([pose.keypoints, pose.scores[:, None]], axis=1)
                ann[TEACHER_FIELD] = [round(float(v), 3) for v in tk.ravel()]
        if on_progress:
            on_progress(1)
    info = dict(out.get("info") or {})
    info["teacher"] = str(getattr(teacher, "path", "teacher"))
    out["info"] = info
    return out


def unlabelled_people(
    image_files: list[Path],
    root: Path,
    teacher: Any,
    detector: Any | None = None,
    min_score: float = 0.3,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """A COCO file for photos without annotations: one person per detector box (or the whole
    frame without a detector), ``keypoints`` all unlabelled (``0, 0, 0``) and ``teacher_keypoints``
    from ``teacher``; people whose mean teacher score is under ``min_score`` are dropped. The box
    is the teacher keypoints' :func:`extent_box` where the teacher is confident, else the detector box."""
    from ..transforms import load_rgb
    from .coco import OKS_AREA_FACTOR, new_coco

    coco = new_coco("unlabelled photos with teacher keypoints", {"available_keypoints": []})
    ann_id = 1
    for i, f in enumerate(image_files, start=1):
        image = load_rgb(f)
        h, w = image.shape[:2]
        boxes = [d.box for d in detector.detect(image)] if detector is not None else [[0.0, 0.0, float(w), float(h)]]
        coco["images"].append({"id": i, "file_name": f.relative_to(root).as_posix(), "width": w, "height": h})
        for box, pose in zip(boxes, teacher.predict(image, boxes) if boxes else []):
            if float(np.mean(pose.scores)) < min_score:
                continue
            confident = pose.keypoints[pose.scores >= min_score]
            bbox = extent_box(confident, (w, h)) or [float(v) for v in box]
            tk = np.concatenate([pose.keypoints, pose.scores[:, None]], axis=1)
            coco["annotations"].append(
                {
                    "id": ann_id,
                    "image_id": i,
                    "category_id": 1,
                    "iscrowd": 0,
                    "bbox": [round(v, 2) for v in bbox],
                    "area": round(bbox[2] * bbox[3] * OKS_AREA_FACTOR, 2),
                    "num_keypoints": 0,
                    "keypoints": [0] * (3 * NUM_KEYPOINTS),
                    TEACHER_FIELD: [round(float(v), 3) for v in tk.ravel()],
                }
            )
            ann_id += 1
        if on_progress:
            on_progress(1)
    if not coco["annotations"]:
        raise EdgeposeError(f"no person in {len(image_files)} images reached a mean teacher score of {min_score}")
    return coco


def teacher_label_source(
    source: str | Path,
    teacher: str | Path,
    images: str | Path | None = None,
    detector: str | Path | None = None,
    threads: int = THREADS,
    normalization: str | None = None,
    codec: str | None = None,
    min_score: float = 0.3,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """``source`` a COCO file (with ``images``): :func:`teacher_label`; a folder of photos:
    :func:`unlabelled_people` (detector boxes with ``detector``, else whole frames). Returns the
    new COCO dict; ``on_start`` gets the number of images first."""
    from ..runtime.peers import open_pose_model
    from ..transforms import image_files
    from .coco import load_coco

    src = Path(source)
    if not 0.0 <= min_score <= 1.0:
        raise EdgeposeError(f"`min_score` must be in [0, 1], got {min_score}")
    model = open_pose_model(teacher, threads=threads, normalization=normalization, codec=codec)
    if src.is_dir():
        if images is not None and Path(images).resolve() != src.resolve():
            raise EdgeposeError(f"{src} is a folder of photos: it is its own images folder; leave images out")
        files = image_files(src)
        det = None
        if detector is not None:
            from ..runtime.detectors import open_detector

            det = open_detector(detector, threads=threads)
        if on_start:
            on_start(len(files))
        return unlabelled_people(files, src, model, det, min_score=min_score, on_progress=on_progress)
    if images is None:
        raise EdgeposeError(f"{src} is an annotation file: give the images folder its file_name entries are relative to")
    if detector is not None:
        raise EdgeposeError("a detector is for folders of unlabelled photos; annotated people keep their boxes")
    coco = load_coco(src)
    if on_start:
        on_start(len(coco["images"]))
    return teacher_label(coco, images, model, on_progress=on_progress)


class SoftTeacher:
    """A teacher pose model as soft targets: ``teacher(crop)`` -> its heatmaps on the student's grid.

    ``crop`` is a student input crop ``uint8 [H, W, 3]``; it is resized to the teacher's input
    (same aspect, pixel centres kept), run, and the heatmaps resampled to ``student_codec``'s grid
    with both codecs' conventions (:func:`edgepose.codec.resample_heatmaps`), clipped to [0, 1].
    Callable from several threads (each gets its own copy of a TFLite interpreter; OpenVINO and
    ONNX Runtime models are shared).
    """

    def __init__(self, teacher: str | Path, student_codec: Any, threads: int = 1):
        import threading

        from ..runtime.peers import open_pose_model

        self.path = Path(teacher)
        self.student_codec = student_codec
        self._threads = threads
        self._local = threading.local()
        first = open_pose_model(self.path, threads=threads)
        if getattr(first, "kind", "") != "heatmaps":
            raise EdgeposeError(f"{self.path.name}: soft targets need a heatmap teacher, not a {first.kind} model")
        if first.model.backend in ("litert", "tflite_runtime"):
            self._local.estimator = first  # interpreters are not thread-safe: one per thread
            self._shared = None
        else:
            from concurrent.futures import ThreadPoolExecutor

            self._shared = first
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="soft-teacher")
        c = first.contract
        self.input_size = c.input_size
        self.teacher_codec = first.codec
        sw, sh = student_codec.input_size
        if abs(c.input_size[0] / c.input_size[1] - sw / sh) > 1e-6:
            raise EdgeposeError(
                f"{self.path.name}: teacher input {c.input_size[1]}x{c.input_size[0]} "
                f"has another aspect than the student's {sh}x{sw}"
            )

    def _estimator(self):
        if self._shared is not None:
            return self._shared
        est = getattr(self._local, "estimator", None)
        if est is None:
            from ..runtime.peers import open_pose_model

            est = self._local.estimator = open_pose_model(self.path, threads=self._threads)
        return est

    def __call__(self, crop: np.ndarray) -> np.ndarray:
        import cv2

        from ..codec import resample_heatmaps

        if crop.shape[1::-1] != tuple(self.input_size):
            crop = cv2.resize(crop, self.input_size, interpolation=cv2.INTER_LINEAR)
        if self._shared is not None:
            # OpenVINO crashes when called from tf.data's own (native) threads: run it on a Python thread
            hm = self._pool.submit(self._shared.heatmaps, crop).result()
        else:
            hm = self._estimator().heatmaps(crop)
        return np.clip(resample_heatmaps(hm, self.teacher_codec, self.student_codec), 0.0, 1.0)
