"""Multi-person top-down pose: detector boxes per image, and detect-then-track for video.

:func:`detect_poses` runs a :class:`~edgepose.runtime.detectors.PersonDetector` and the pose
model on every detected person. :class:`DetectThenTrack` is MediaPipe's pattern for streams:
the next frame's box of each person comes from the current keypoints (expanded), and the
detector runs again only every ``redetect_every`` frames, when a track's pose score drops below
``min_pose_score``, or when there are no tracks; detections are matched to tracks by IoU so ids
stay stable; each track's keypoints are smoothed by a One Euro filter. numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .detectors import PersonDetector, box_iou
from .estimator import Pose


class OneEuroFilter:
    """One Euro filter (Casiez et al., CHI 2012) over arrays: a low-pass whose cut-off rises with
    speed, so slow jitter is smoothed and fast moves lag little. ``t`` in seconds."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = float(min_cutoff), float(beta), float(d_cutoff)
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray:
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff, np.float64))
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        x = np.asarray(x, np.float64)
        if self._x is None or self._t is None or t <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t
            return x.copy()
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        a = self._alpha(self.min_cutoff + self.beta * np.abs(self._dx), dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t
        return self._x.copy()


def detect_poses(estimator, detector: PersonDetector, image_rgb: np.ndarray) -> list[Pose]:
    """Every detected person's pose (``Pose.box`` = the detector's box, ``det_score`` set)."""
    dets = detector.detect(image_rgb)
    if not dets:
        return []
    poses = estimator.predict(image_rgb, [d.box for d in dets])
    for pose, det in zip(poses, dets):
        pose.det_score = det.score
    return poses


def track_affinity(track_boxes: np.ndarray, det_boxes: np.ndarray) -> np.ndarray:
    """``[tracks, detections]`` affinity in [0, 1]: the larger of box IoU and centre closeness
    ``1 - distance / size`` (size = the larger side of the track's box). A detector's box rarely
    has the shape of a keypoint box (BlazePose gives a square around the body), so IoU alone
    loses tracks; centres agree."""
    iou = box_iou(track_boxes, det_boxes)
    tc = track_boxes[:, :2] + track_boxes[:, 2:] / 2
    dc = det_boxes[:, :2] + det_boxes[:, 2:] / 2
    size = np.maximum(track_boxes[:, 2:].max(1), 1e-6)
    closeness = 1.0 - np.linalg.norm(tc[:, None] - dc[None], axis=-1) / size[:, None]
    return np.maximum(iou, np.clip(closeness, 0.0, 1.0))


@dataclass
class Track:
    track_id: int
    box: list[float]
    pose: Pose | None = None
    smoother: OneEuroFilter = field(default_factory=OneEuroFilter)
    missed: int = 0


class DetectThenTrack:
    """Per-frame poses with stable ids; the detector runs only when needed (see module doc).

    ``box_scale`` grows the keypoint box that seeds the next frame's crop; ``match_iou`` is the
    least :func:`track_affinity` that continues a track. ``stats`` counts frames and detector calls.
    """

    def __init__(
        self,
        estimator,
        detector: PersonDetector,
        redetect_every: int = 10,
        min_pose_score: float = 0.3,
        match_iou: float = 0.5,
        box_scale: float = 1.15,
        smoothing: dict | None = None,
    ):
        self.estimator, self.detector = estimator, detector
        self.redetect_every = max(1, int(redetect_every))
        self.min_pose_score = float(min_pose_score)
        self.match_iou = float(match_iou)
        self.box_scale = float(box_scale)
        self.smoothing = smoothing  # OneEuroFilter kwargs; None = no smoothing
        self.tracks: list[Track] = []
        self._next_id = 0
        self._since_detect = 0
        self.stats = {"frames": 0, "detector_calls": 0}

    def _new_track(self, box: list[float]) -> Track:
        track = Track(self._next_id, list(box), smoother=OneEuroFilter(**(self.smoothing or {})))
        self._next_id += 1
        return track

    def _detect(self, image_rgb: np.ndarray) -> None:
        self.stats["detector_calls"] += 1
        self._since_detect = 0
        dets = self.detector.detect(image_rgb)
        matched: dict[int, int] = {}
        if self.tracks and dets:
            affinity = track_affinity(np.array([t.box for t in self.tracks]), np.array([d.box for d in dets]))
            for _ in range(min(affinity.shape)):
                ti, di = np.unravel_index(np.argmax(affinity), affinity.shape)
                if affinity[ti, di] < self.match_iou:
                    break
                matched[int(di)] = int(ti)
                affinity[ti, :], affinity[:, di] = -1, -1
        tracks = []
        for di, det in enumerate(dets):
            if di in matched:
                track = self.tracks[matched[di]]
                track.box = list(det.box)
            else:
                track = self._new_track(det.box)
            tracks.append(track)
        # a track the detector missed lives on while its own pose is confident
        kept = set(matched.values())
        for ti, track in enumerate(self.tracks):
            if ti not in kept and track.pose is not None and track.pose.score >= self.min_pose_score:
                tracks.append(track)
        self.tracks = tracks[: self.detector.max_people]

    def _next_box(self, pose: Pose, previous: list[float]) -> list[float]:
        """The next frame's box: the keypoints' box (points scoring >= 0.1) grown by
        ``box_scale``, each side kept within x0.85..x1.25 of ``previous`` so that a few weak
        joints cannot shrink the crop frame after frame."""
        box = pose.keypoint_box(min_score=0.1, pad=0.0)
        if box is None:
            return previous
        x, y, w, h = box
        cx, cy = x + w / 2, y + h / 2
        pw, ph = previous[2], previous[3]
        w = float(np.clip(w * self.box_scale, 0.85 * pw, 1.25 * pw))
        h = float(np.clip(h * self.box_scale, 0.85 * ph, 1.25 * ph))
        return [cx - w / 2, cy - h / 2, w, h]

    def __call__(self, image_rgb: np.ndarray, t: float) -> list[Pose]:
        """Poses for one frame at time ``t`` seconds (``Pose.track_id`` set)."""
        self.stats["frames"] += 1
        if not self.tracks or self._since_detect >= self.redetect_every - 1:
            self._detect(image_rgb)
        else:
            self._since_detect += 1
        if not self.tracks:
            return []
        poses = self.estimator.predict(image_rgb, [tr.box for tr in self.tracks])
        weak = False
        for track, pose in zip(self.tracks, poses):
            pose.track_id = track.track_id
            if self.smoothing is not None:
                pose.keypoints = track.smoother(pose.keypoints, t)
            track.pose = pose
            if pose.score < self.min_pose_score:
                weak = True
            track.box = self._next_box(pose, track.box)
        if weak:
            self._since_detect = self.redetect_every  # re-detect on the next frame
        # two tracks that converged on one person: keep the older
        alive: list[Track] = []
        for track in sorted(self.tracks, key=lambda tr: tr.track_id):
            if all(box_iou(np.array(track.box), np.array(other.box))[0, 0] < 0.7 for other in alive):
                alive.append(track)
        self.tracks = alive
        return poses
