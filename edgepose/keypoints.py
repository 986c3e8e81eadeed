"""COCO-17 keypoint definitions: the single source of truth.

Everything that needs keypoint names, the skeleton, left/right flip pairs or the COCO OKS
sigmas imports them from here (training, codec flip-test, runtime drawing, evaluation,
mobile bundles).
"""

from __future__ import annotations

import numpy as np

COCO_KEYPOINTS: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_KEYPOINTS: int = len(COCO_KEYPOINTS)
KEYPOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(COCO_KEYPOINTS)}

# Limbs as 0-based index pairs (the COCO 'skeleton' field is the same list, 1-based).
SKELETON: tuple[tuple[int, int], ...] = (
    (15, 13),
    (13, 11),
    (16, 14),
    (14, 12),
    (11, 12),
    (5, 11),
    (6, 12),
    (5, 6),
    (5, 7),
    (6, 8),
    (7, 9),
    (8, 10),
    (1, 2),
    (0, 1),
    (0, 2),
    (1, 3),
    (2, 4),
    (3, 5),
    (4, 6),
)

# Left/right pairs swapped by a horizontal flip.
FLIP_PAIRS: tuple[tuple[int, int], ...] = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))

# Per-keypoint OKS sigmas from the COCO keypoint evaluation (pycocotools' defaults).
OKS_SIGMAS: np.ndarray = (
    np.array([0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89]) / 10.0
)

PERSON_CATEGORY: dict = {
    "id": 1,
    "name": "person",
    "supercategory": "person",
    "keypoints": list(COCO_KEYPOINTS),
    "skeleton": [[a + 1, b + 1] for a, b in SKELETON],
}


def flip_index() -> np.ndarray:
    """Permutation ``p`` such that ``keypoints[p]`` swaps left and right, shape ``[17]`` int."""
    perm = np.arange(NUM_KEYPOINTS)
    for a, b in FLIP_PAIRS:
        perm[a], perm[b] = b, a
    return perm


# ---- other datasets' joints -> COCO-17 (by name; joints COCO lacks are dropped)

SOURCE_KEYPOINTS: dict[str, tuple[str, ...]] = {
    "coco17": COCO_KEYPOINTS,
    # Leeds Sports Pose (LSP, LSPET), 14 joints, person-centric left/right
    "lsp14": (
        "right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle",
        "right_wrist", "right_elbow", "right_shoulder", "left_shoulder", "left_elbow", "left_wrist",
        "neck", "head_top",
    ),
    # MPII Human Pose, 16 joints
    "mpii16": (
        "right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle",
        "pelvis", "thorax", "upper_neck", "head_top",
        "right_wrist", "right_elbow", "right_shoulder", "left_shoulder", "left_elbow", "left_wrist",
    ),
}  # fmt: skip


def mapping_to_coco(source: str) -> dict[int, int]:
    """``{source joint index: COCO-17 index}`` for the joints COCO has."""
    if source not in SOURCE_KEYPOINTS:
        from .errors import EdgeposeError

        raise EdgeposeError(f"unknown keypoint format '{source}'; choose one of: {', '.join(SOURCE_KEYPOINTS)}")
    return {i: KEYPOINT_INDEX[name] for i, name in enumerate(SOURCE_KEYPOINTS[source]) if name in KEYPOINT_INDEX}


def to_coco17(joints: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Source joints ``[N, 3]`` (x, y, v with COCO's v: 0 unlabelled, 1 occluded, 2 visible) ->
    (COCO keypoints ``float [17, 3]``, available ``bool [17]``). COCO keypoints the source does not
    have are ``(0, 0, 0)`` and not available: they must give no loss and no metric."""
    joints = np.asarray(joints, dtype=np.float64)
    names = SOURCE_KEYPOINTS.get(source, ())
    if joints.ndim != 2 or joints.shape[1] != 3 or (names and joints.shape[0] != len(names)):
        from .errors import EdgeposeError

        raise EdgeposeError(f"{source} joints must have shape [{len(names) or 'N'}, 3], got {list(joints.shape)}")
    kps = np.zeros((NUM_KEYPOINTS, 3))
    available = np.zeros(NUM_KEYPOINTS, bool)
    for src, dst in mapping_to_coco(source).items():
        available[dst] = True
        if joints[src, 2] > 0:
            kps[dst] = joints[src]
    return kps, available


#: keypoint groups (indices), for per-group figures and half-body crops
FACE: tuple[int, ...] = tuple(KEYPOINT_INDEX[n] for n in ("nose", "left_eye", "right_eye", "left_ear", "right_ear"))
UPPER_BODY: tuple[int, ...] = tuple(range(0, 11))  # face, shoulders, elbows, wrists
LOWER_BODY: tuple[int, ...] = tuple(range(11, 17))  # hips, knees, ankles
KEYPOINT_GROUPS: dict[str, tuple[int, ...]] = {"face": FACE, "upper_body": UPPER_BODY, "lower_body": LOWER_BODY}


def keypoint_oks(distance: np.ndarray, area: float, keypoints: np.ndarray | list[int] | slice = slice(None)) -> np.ndarray:
    """COCO's per-keypoint similarity ``exp(-d^2 / (2 * area * (2 * sigma_k)^2))`` for distances
    ``d`` (image px) of ``keypoints`` (indices into COCO-17) of a person whose OKS scale is ``area``."""
    sig = OKS_SIGMAS[keypoints]
    d = np.asarray(distance, dtype=np.float64)
    return np.exp(-(d**2) / (2 * (float(area) + np.spacing(1)) * (2 * sig) ** 2))
