"""Procedural synthetic people in COCO person-keypoint format (the embedded default dataset).

Each image is made from scratch for ``(seed, image_index)``, so a dataset is deterministic for
a seed and any image can be regenerated alone:

1. a textured background (multi-octave value noise, wall/floor, tiles or stripes) with
   distractor shapes;
2. one to three people: joint angles sampled from pose families (standing, walking, running,
   arms raised, squatting, free) on a 3D skeleton, a random yaw, a random camera (distance,
   elevation, perspective) and a random placement;
3. body parts drawn back to front as shaded tapered capsules (limbs), a shaded torso polygon
   and a head whose nose, eyes and ears follow its 3D orientation, with clothing, skin and hair
   colours per person;
4. occluders in front; blur, noise and JPEG re-encoding.

Visibility follows COCO: ``v=2`` visible, ``v=1`` inside the image but hidden (self-occlusion,
another person, an occluder, or a face point turned away), ``v=0`` not labelled (outside the
image, or a face point turned well away from the camera, as COCO annotators do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterator

import cv2
import numpy as np

from ..keypoints import KEYPOINT_INDEX as KI
from ..keypoints import NUM_KEYPOINTS

# ---------------------------------------------------------------------------------------------
# rotations (right-handed; body frame: x = the person's left, y = up, z = the way they face)


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


DOWN = np.array([0.0, -1.0, 0.0])
D2R = math.pi / 180.0

SKIN_TONES = np.array(
    [[255, 224, 196], [241, 194, 160], [224, 172, 130], [198, 134, 96], [161, 102, 69], [120, 75, 50], [84, 52, 36]],
    dtype=np.float64,
)  # RGB
HAIR_TONES = np.array(
    [[20, 15, 10], [60, 40, 25], [110, 75, 40], [190, 150, 90], [140, 140, 140], [150, 60, 30]], dtype=np.float64
)


# ---------------------------------------------------------------------------------------------
# pose sampling


@dataclass
class Pose3D:
    """3D joints (metres, body frame) and what the renderer needs about the head."""

    joints: dict[str, np.ndarray]
    head_rot: np.ndarray
    head_radius: float
    limb_radius: dict[str, float] = field(default_factory=dict)


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


# joint-angle ranges in degrees, per side: the relaxed standing default and the "free" family
# (close to the joints' full range). Sampled in this key order, left side first.
STAND_RANGES = {
    "hip_flex": (-8, 15), "hip_abd": (0, 12), "knee": (0, 15),
    "sh_flex": (-15, 25), "sh_abd": (5, 30), "sh_twist": (-40, 40), "elbow": (0, 45),
}  # fmt: skip
FREE_RANGES = {
    "hip_flex": (-25, 100), "hip_abd": (0, 50), "knee": (0, 130),
    "sh_flex": (-45, 180), "sh_abd": (0, 150), "sh_twist": (-80, 80), "elbow": (0, 150),
}  # fmt: skip


def _sample_angles(rng: np.random.Generator, ang: dict[str, float], ranges: dict[str, tuple[float, float]]) -> None:
    for side in ("l", "r"):
        for joint, (lo, hi) in ranges.items():
            ang[f"{joint}_{side}"] = _u(rng, lo, hi)


def sample_pose(rng: np.random.Generator) -> Pose3D:
    """Joint angles from one of several pose families, forward kinematics to 3D joints."""
    family = rng.choice(["stand", "walk", "run", "arms_up", "squat", "free"], p=[0.22, 0.2, 0.13, 0.15, 0.12, 0.18])
    h = _u(rng, 0.85, 1.1)  # body size factor
    build = _u(rng, 0.85, 1.2)  # girth factor
    # per-side joint angles in degrees: hip flex/abd, knee, shoulder flex/abd/twist, elbow
    ang: dict[str, float] = {}
    torso_pitch, torso_roll, torso_yaw = _u(rng, -5, 12), _u(rng, -6, 6), _u(rng, -15, 15)
    _sample_angles(rng, ang, STAND_RANGES)
    if family in ("walk", "run"):
        amp = _u(rng, 15, 35) if family == "walk" else _u(rng, 30, 70)
        phase = 1 if rng.random() < 0.5 else -1
        ang["hip_flex_l"], ang["hip_flex_r"] = phase * amp, -phase * amp * _u(rng, 0.4, 0.9)
        front = "l" if phase > 0 else "r"
        back = "r" if front == "l" else "l"
        ang[f"knee_{front}"] = _u(rng, 5, 40) if family == "walk" else _u(rng, 30, 100)
        ang[f"knee_{back}"] = _u(rng, 10, 50) if family == "walk" else _u(rng, 40, 120)
        ang[f"sh_flex_{back}"], ang[f"sh_flex_{front}"] = amp * _u(rng, 0.6, 1.2), -amp * _u(rng, 0.3, 0.8)
        ang["elbow_l"], ang["elbow_r"] = (
            (_u(rng, 10, 50), _u(rng, 10, 50)) if family == "walk" else (_u(rng, 60, 110), _u(rng, 60, 110))
        )
        if family == "run":
            torso_pitch = _u(rng, 5, 25)
    elif family == "arms_up":
        for side in ("l", "r"):
            if rng.random() < 0.8:
                ang[f"sh_flex_{side}"] = _u(rng, 60, 175)
                ang[f"sh_abd_{side}"] = _u(rng, 0, 90)
                ang[f"elbow_{side}"] = _u(rng, 0, 120)
    elif family == "squat":
        deep = _u(rng, 50, 115)
        for side in ("l", "r"):
            ang[f"hip_flex_{side}"] = deep + _u(rng, -10, 10)
            ang[f"hip_abd_{side}"] = _u(rng, 5, 30)
            ang[f"knee_{side}"] = min(deep * _u(rng, 1.1, 1.5), 150)
            ang[f"sh_flex_{side}"] = _u(rng, 0, 100)
            ang[f"elbow_{side}"] = _u(rng, 0, 90)
        torso_pitch = _u(rng, 10, 45)
    elif family == "free":
        _sample_angles(rng, ang, FREE_RANGES)
        torso_pitch, torso_roll, torso_yaw = _u(rng, -15, 40), _u(rng, -20, 20), _u(rng, -35, 35)

    r_pelvis = _ry(torso_yaw * 0.3 * D2R)
    r_torso = _ry(torso_yaw * D2R) @ _rx(torso_pitch * D2R) @ _rz(torso_roll * D2R)
    j: dict[str, np.ndarray] = {}
    pelvis = np.zeros(3)
    j["pelvis"] = pelvis
    j["neck"] = pelvis + r_torso @ np.array([0.0, 0.52 * h, 0.0])
    shoulder_half = 0.18 * h * _u(rng, 0.9, 1.1)
    hip_half = 0.095 * h * build
    thigh, shin = 0.43 * h, 0.42 * h
    upper, fore = 0.29 * h, 0.25 * h
    for side, sgn in (("l", 1.0), ("r", -1.0)):
        name = "left" if side == "l" else "right"
        hip = pelvis + r_pelvis @ np.array([sgn * hip_half, 0.0, 0.0])
        r_thigh = r_pelvis @ _rz(sgn * ang[f"hip_abd_{side}"] * D2R) @ _rx(-ang[f"hip_flex_{side}"] * D2R)
        knee = hip + r_thigh @ DOWN * thigh
        r_shin = r_thigh @ _rx(ang[f"knee_{side}"] * D2R)
        ankle = knee + r_shin @ DOWN * shin
        j[f"{name}_hip"], j[f"{name}_knee"], j[f"{name}_ankle"] = hip, knee, ankle
        j[f"{name}_toe"] = ankle + r_shin @ np.array([0.0, -0.04, 0.14]) * h
        sho = j["neck"] + r_torso @ np.array([sgn * shoulder_half, -0.04 * h, 0.0])
        r_up = (
            r_torso
            @ _rz(sgn * ang[f"sh_abd_{side}"] * D2R)
            @ _rx(-ang[f"sh_flex_{side}"] * D2R)
            @ _ry(sgn * ang[f"sh_twist_{side}"] * D2R)
        )
        elbow = sho + r_up @ DOWN * upper
        r_fore = r_up @ _rx(-ang[f"elbow_{side}"] * D2R)
        wrist = elbow + r_fore @ DOWN * fore
        j[f"{name}_shoulder"], j[f"{name}_elbow"], j[f"{name}_wrist"] = sho, elbow, wrist
        j[f"{name}_hand"] = wrist + r_fore @ DOWN * 0.07 * h

    head_yaw = _u(rng, -60, 60) if rng.random() < 0.7 else _u(rng, -20, 20)
    head_rot = r_torso @ _ry(head_yaw * D2R) @ _rx(_u(rng, -25, 25) * D2R) @ _rz(_u(rng, -15, 15) * D2R)
    hr = 0.105 * h
    j["head"] = j["neck"] + head_rot @ np.array([0.0, 0.13 * h, 0.015])
    face = {
        "nose": (0.0, -0.15, 1.05),
        "left_eye": (0.36, 0.2, 0.88),
        "right_eye": (-0.36, 0.2, 0.88),
        "left_ear": (0.98, 0.02, -0.08),
        "right_ear": (-0.98, 0.02, -0.08),
    }
    for name, off in face.items():
        j[name] = j["head"] + head_rot @ (np.array(off) * hr)
    radii = {
        "upper": 0.05 * h * build,
        "fore": 0.04 * h * build,
        "thigh": 0.085 * h * build,
        "shin": 0.06 * h * build,
        "neck": 0.05 * h * build,
    }
    return Pose3D(joints=j, head_rot=head_rot, head_radius=hr, limb_radius=radii)


# ---------------------------------------------------------------------------------------------
# camera


@dataclass
class Projected:
    """A posed person seen by the camera: 2D points (pixels), camera depths and the scale."""

    pts: dict[str, np.ndarray]
    depth: dict[str, float]
    px_per_m_at: Callable[[float], float]
    head_forward_cam: np.ndarray
    head_rot_cam: np.ndarray
    view_rot: np.ndarray  # body frame -> camera frame rotation


def project(
    pose: Pose3D, rng: np.random.Generator, height_px: float, center_px: tuple[float, float], roll_deg: float
) -> Projected:
    """Rotate the body by a random yaw, view it from a random camera and place it in the image."""
    yaw = rng.normal(0, 50) if rng.random() < 0.6 else rng.uniform(-180, 180)
    r_world = _ry(yaw * D2R)
    elev = _u(rng, -10, 35) * D2R
    dist = _u(rng, 2.5, 9.0)
    target = np.array([0.0, 0.25, 0.0])
    cam = target + dist * np.array([0.0, math.sin(elev), math.cos(elev)])
    fwd = (target - cam) / np.linalg.norm(target - cam)
    right = np.cross(fwd, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    r_cam = np.stack([right, down, fwd])  # rows: camera axes in world coordinates
    raw: dict[str, np.ndarray] = {}
    depth: dict[str, float] = {}
    for name, p in pose.joints.items():
        pc = r_cam @ (r_world @ p - cam)
        depth[name] = float(pc[2])
        raw[name] = pc[:2] / pc[2]
    arr = np.stack(list(raw.values()))
    top = arr[:, 1].min() - pose.head_radius / dist
    bottom = arr[:, 1].max()
    scale = height_px / max(bottom - top, 1e-3)
    mid = np.array([(arr[:, 0].min() + arr[:, 0].max()) * 0.5, (top + bottom) * 0.5])
    rc, rs = math.cos(roll_deg * D2R), math.sin(roll_deg * D2R)
    rot2 = np.array([[rc, -rs], [rs, rc]])
    pts = {k: rot2 @ ((v - mid) * scale) + np.asarray(center_px) for k, v in raw.items()}
    head_rot_cam = r_cam @ r_world @ pose.head_rot
    return Projected(
        pts=pts,
        depth=depth,
        px_per_m_at=lambda z: scale / max(z, 1e-3),
        head_forward_cam=head_rot_cam @ np.array([0.0, 0.0, 1.0]),
        head_rot_cam=head_rot_cam,
        view_rot=r_cam @ r_world,
    )


# ---------------------------------------------------------------------------------------------
# drawing


def _shade(colour: np.ndarray, f: float) -> tuple[int, int, int]:
    c = np.clip(colour * f, 0, 255)
    return (int(c[0]), int(c[1]), int(c[2]))


def _capsule_poly(a: np.ndarray, b: np.ndarray, ra: float, rb: float) -> np.ndarray:
    d = b - a
    n = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-6)
    return np.stack([a + n * ra, b + n * rb, b - n * rb, a - n * ra])


SHIFT = 4  # cv2 fixed-point bits for sub-pixel drawing
_F = float(1 << SHIFT)


def _fill_poly(img: np.ndarray, ids: np.ndarray, poly: np.ndarray, colour, part_id: int | None) -> None:
    pts = np.round(poly * _F).astype(np.int32)
    cv2.fillConvexPoly(img, pts, colour, cv2.LINE_AA, SHIFT)
    if part_id is not None:
        cv2.fillConvexPoly(ids, pts, part_id, cv2.LINE_8, SHIFT)


def _fill_circle(img: np.ndarray, ids: np.ndarray, c: np.ndarray, r: float, colour, part_id: int | None) -> None:
    cc = (int(round(c[0] * _F)), int(round(c[1] * _F)))
    rr = max(int(round(r * _F)), 1)
    cv2.circle(img, cc, rr, colour, -1, cv2.LINE_AA, SHIFT)
    if part_id is not None:
        cv2.circle(ids, cc, rr, part_id, -1, cv2.LINE_8, SHIFT)


def _draw_capsule(img, ids, a, b, ra, rb, colour, light, part_id) -> None:
    """A limb as a tapered capsule with three tone bands shifted towards the light."""
    for f, shrink, shift in ((0.62, 1.0, 0.0), (0.85, 0.72, 0.22), (1.08, 0.32, 0.45)):
        pid = part_id if shrink == 1.0 else None
        off_a, off_b = light * ra * shift, light * rb * shift
        _fill_poly(img, ids, _capsule_poly(a + off_a, b + off_b, ra * shrink, rb * shrink), _shade(colour, f), pid)
        _fill_circle(img, ids, a + off_a, ra * shrink, _shade(colour, f), pid)
        _fill_circle(img, ids, b + off_b, rb * shrink, _shade(colour, f), pid)


# body parts: name -> (joint a, joint b, radius key or None, colour slot, keypoints it "owns")
PARTS = {
    "l_thigh": ("left_hip", "left_knee", "thigh", "pants"),
    "r_thigh": ("right_hip", "right_knee", "thigh", "pants"),
    "l_shin": ("left_knee", "left_ankle", "shin", "legs"),
    "r_shin": ("right_knee", "right_ankle", "shin", "legs"),
    "l_foot": ("left_ankle", "left_toe", "shin", "shoes"),
    "r_foot": ("right_ankle", "right_toe", "shin", "shoes"),
    "l_upper": ("left_shoulder", "left_elbow", "upper", "shirt"),
    "r_upper": ("right_shoulder", "right_elbow", "upper", "shirt"),
    "l_fore": ("left_elbow", "left_wrist", "fore", "sleeves"),
    "r_fore": ("right_elbow", "right_wrist", "fore", "sleeves"),
    "l_hand": ("left_wrist", "left_hand", "fore", "skin"),
    "r_hand": ("right_wrist", "right_hand", "fore", "skin"),
    "neck": ("neck", "head", "neck", "skin"),
    "torso": ("", "", None, "shirt"),
    "head": ("", "", None, "skin"),
}
PART_NAMES = list(PARTS)
PART_ID = {name: i + 1 for i, name in enumerate(PART_NAMES)}
PARTS_PER_PERSON = 32
OCCLUDER_ID = 30_000

# which parts a keypoint belongs to (its own parts never hide it)
OWNERS: dict[str, tuple[str, ...]] = {
    "nose": ("head",),
    "left_eye": ("head",),
    "right_eye": ("head",),
    "left_ear": ("head",),
    "right_ear": ("head",),
    "left_shoulder": ("torso", "l_upper"),
    "right_shoulder": ("torso", "r_upper"),
    "left_elbow": ("l_upper", "l_fore"),
    "right_elbow": ("r_upper", "r_fore"),
    "left_wrist": ("l_fore", "l_hand"),
    "right_wrist": ("r_fore", "r_hand"),
    "left_hip": ("torso", "l_thigh"),
    "right_hip": ("torso", "r_thigh"),
    "left_knee": ("l_thigh", "l_shin"),
    "right_knee": ("r_thigh", "r_shin"),
    "left_ankle": ("l_shin", "l_foot"),
    "right_ankle": ("r_shin", "r_foot"),
}
FACE_POINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(20, 255), rng.integers(40, 255)]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float64)


def _person_palette(rng: np.random.Generator) -> dict[str, np.ndarray]:
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * _u(rng, 0.9, 1.08)
    shirt, pants = _random_colour(rng), _random_colour(rng)
    return {
        "skin": skin,
        "shirt": shirt,
        "sleeves": shirt if rng.random() < 0.45 else skin,
        "pants": pants,
        "legs": pants if rng.random() < 0.65 else skin,
        "shoes": _random_colour(rng) * 0.6,
        "hair": HAIR_TONES[rng.integers(len(HAIR_TONES))] * _u(rng, 0.8, 1.2),
    }


def _draw_person(img, ids, person: Projected, pose: Pose3D, palette, light, pidx: int) -> dict[str, float]:
    """Draw one person back to front; returns each part's mean camera depth."""
    pts, dep = person.pts, person.depth
    part_depth: dict[str, float] = {}
    for name, (a, b, _, _) in PARTS.items():
        if a:
            part_depth[name] = 0.5 * (dep[a] + dep[b])
    part_depth["torso"] = float(np.mean([dep[k] for k in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]))
    part_depth["head"] = dep["head"]
    base = pidx * PARTS_PER_PERSON
    for name in sorted(part_depth, key=lambda n: -part_depth[n]):
        pid = base + PART_ID[name]
        if name == "torso":
            ls, rs, lh, rh = (pts[k] for k in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
            centre = (ls + rs + lh + rh) / 4
            zs = person.px_per_m_at(part_depth["torso"])
            widen = 0.045 * zs
            quad = np.stack([ls, rs, rh, lh])
            quad = centre + (quad - centre) * 1.08
            out = quad - centre
            quad = quad + out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-6) * widen
            for f, shrink, shift in ((0.62, 1.0, 0.0), (0.85, 0.8, 0.12), (1.06, 0.45, 0.22)):
                poly = centre + (quad - centre) * shrink + light * shift * np.linalg.norm(ls - rs)
                _fill_poly(img, ids, poly, _shade(palette["shirt"], f), pid if shrink == 1.0 else None)
        elif name == "head":
            c = pts["head"]
            r = pose.head_radius * person.px_per_m_at(dep["head"])
            fwd = person.head_forward_cam
            f2 = fwd[:2]
            up2 = (person.head_rot_cam @ np.array([0.0, 1.0, 0.0]))[:2]
            _fill_circle(img, ids, c, r, _shade(palette["skin"], 0.7), pid)
            _fill_circle(img, ids, c + light * r * 0.25, r * 0.7, _shade(palette["skin"], 0.95), None)
            # hair covers the back and the top of the head
            hair_c = c - f2 * r * 0.45 - up2 * r * 0.2
            _fill_circle(img, ids, hair_c, r * 0.92, _shade(palette["hair"], 1.0), None)
            if fwd[2] < 0.2:  # face turned towards the camera: redraw the face over the hair
                _fill_circle(img, ids, c + f2 * r * 0.3, r * 0.72, _shade(palette["skin"], 0.9), None)
                for eye in ("left_eye", "right_eye"):
                    _fill_circle(img, ids, pts[eye], max(r * 0.1, 0.6), (25, 20, 20), None)
                _fill_circle(img, ids, pts["nose"], max(r * 0.12, 0.6), _shade(palette["skin"], 0.65), None)
            for ear in ("left_ear", "right_ear"):
                if dep[ear] < dep["head"] + pose.head_radius * 0.3:
                    _fill_circle(img, ids, pts[ear], max(r * 0.2, 0.7), _shade(palette["skin"], 0.8), None)
        else:
            a, b, rkey, slot = PARTS[name]
            za, zb = person.px_per_m_at(dep[a]), person.px_per_m_at(dep[b])
            rad = pose.limb_radius[rkey]
            ra, rb = rad * za, rad * zb * (0.8 if name.endswith(("fore", "shin", "thigh", "upper")) else 1.0)
            if name.endswith("hand"):
                ra, rb = rad * za * 0.9, rad * zb * 1.1
            if name.endswith("foot"):
                ra, rb = rad * za * 0.8, rad * zb * 0.6
            _draw_capsule(img, ids, pts[a], pts[b], ra, rb, palette[slot], light, pid)
    return part_depth


def _value_noise(rng: np.random.Generator, h: int, w: int, octaves: int = 4) -> np.ndarray:
    """Multi-octave value noise in [0, 1], ``float32 [h, w]``."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = 2 ** (o + 1) + int(rng.integers(0, 3))
        grid = rng.random((cells, cells)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    return np.clip(out / total, 0, 1)


def procedural_background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    kind = rng.integers(0, 4)
    c1, c2 = _random_colour(rng), _random_colour(rng)
    noise = _value_noise(rng, h, w)[..., None]
    img = c1 * noise + c2 * (1 - noise)
    if kind == 1:  # wall + floor
        horizon = int(h * _u(rng, 0.3, 0.75))
        floor = _random_colour(rng) * (0.6 + 0.4 * _value_noise(rng, h - horizon, w)[..., None])
        img[horizon:] = floor
    elif kind == 2:  # tiles
        step = int(rng.integers(12, 48))
        yy, xx = np.mgrid[0:h, 0:w]
        mask = (((xx // step) + (yy // step)) % 2).astype(np.float32)[..., None]
        img = img * (0.75 + 0.25 * mask)
    elif kind == 3:  # stripes
        period = _u(rng, 8, 40)
        angle = _u(rng, 0, math.pi)
        yy, xx = np.mgrid[0:h, 0:w]
        s = 0.5 + 0.5 * np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * 2 * math.pi / period)
        img = img * (0.7 + 0.3 * s[..., None])
    img = np.clip(img, 0, 255).astype(np.uint8)
    # distractor shapes
    for _ in range(int(rng.integers(3, 14))):
        col = _shade(_random_colour(rng), 1.0)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        s = int(rng.integers(4, max(w, h) // 5))
        t = rng.integers(0, 4)
        if t == 0:
            cv2.circle(img, (x, y), s, col, -1, cv2.LINE_AA)
        elif t == 1:
            cv2.rectangle(img, (x, y), (x + s, y + int(s * _u(rng, 0.3, 2.5))), col, -1)
        elif t == 2:
            cv2.ellipse(img, (x, y), (s, max(s // 3, 1)), _u(rng, 0, 180), 0, 360, col, -1, cv2.LINE_AA)
        else:
            pts = np.stack([rng.integers(0, w, 4), rng.integers(0, h, 4)], 1).astype(np.int32)
            cv2.polylines(img, [pts], False, col, int(rng.integers(1, 6)), cv2.LINE_AA)
    return img


def _occluders(rng: np.random.Generator, img: np.ndarray, ids: np.ndarray, boxes: list[np.ndarray]) -> None:
    for box in boxes:
        if rng.random() > 0.3:
            continue
        x0, y0, x1, y1 = box
        cx, cy = _u(rng, x0, x1), _u(rng, y0, y1)
        bw, bh = (x1 - x0) * _u(rng, 0.2, 0.6), (y1 - y0) * _u(rng, 0.1, 0.4)
        pts = np.array(
            [[cx - bw / 2, cy - bh / 2], [cx + bw / 2, cy - bh / 2], [cx + bw / 2, cy + bh / 2], [cx - bw / 2, cy + bh / 2]]
        )
        colour = _random_colour(rng)
        _fill_poly(img, ids, pts, _shade(colour, 0.75), OCCLUDER_ID)
        inner = (pts - [cx, cy]) * 0.8 + [cx, cy] + light_offset(bw, bh)
        _fill_poly(img, ids, inner, _shade(colour, 1.0), None)


def light_offset(bw: float, bh: float) -> np.ndarray:
    """Small shift of an occluder's lit face (a cheap bevel)."""
    return np.array([-0.05 * bw, -0.05 * bh])


@dataclass
class SynthPerson:
    keypoints: np.ndarray  # [17, 3] x, y, v (COCO)
    bbox: list[float]
    area: float


def render_image(seed: int, index: int) -> tuple[np.ndarray, list[SynthPerson]]:
    """Render image ``index`` of dataset ``seed``: ``(uint8 RGB [H, W, 3], people)``."""
    rng = np.random.default_rng([seed, index])
    w = int(rng.choice([256, 288, 320, 352, 384]))
    h = int(rng.choice([256, 288, 320, 352, 384]))
    img = procedural_background(rng, h, w)
    ids = np.zeros((h, w), np.int32)
    n_people = int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))
    light = rng.normal(size=2)
    light /= np.linalg.norm(light) + 1e-6
    people: list[tuple[Pose3D, Projected, dict[str, np.ndarray]]] = []
    for i in range(n_people):
        pose = sample_pose(rng)
        frac = _u(rng, 0.45, 0.95) if n_people == 1 else _u(rng, 0.3, 0.8)
        height_px = frac * h
        cx = _u(rng, 0.15, 0.85) * w if n_people == 1 else (i + _u(rng, 0.2, 0.8)) / n_people * w
        cy = _u(rng, 0.4, 0.6) * h + _u(rng, -0.15, 0.15) * height_px
        roll = rng.normal(0, 6) if rng.random() < 0.85 else _u(rng, -60, 60)
        proj = project(pose, rng, height_px, (cx, cy), roll)
        people.append((pose, proj, _person_palette(rng)))
    part_depths = []
    for pidx, (pose, proj, palette) in enumerate(people):
        part_depths.append(_draw_person(img, ids, proj, pose, palette, light, pidx))
    # occluders over the (joint) boxes of some people
    joint_boxes = []
    for _, proj, _ in people:
        arr = np.stack([proj.pts[k] for k in OWNERS])
        joint_boxes.append(np.concatenate([arr.min(0), arr.max(0)]))
    _occluders(rng, img, ids, joint_boxes)

    out: list[SynthPerson] = []
    for pidx, (pose, proj, _) in enumerate(people):
        base = pidx * PARTS_PER_PERSON
        kps = np.zeros((NUM_KEYPOINTS, 3), np.float64)
        for name, owners in OWNERS.items():
            x, y = proj.pts[name]
            k = KI[name]
            if not (0 <= x <= w - 1 and 0 <= y <= h - 1):
                continue  # outside the image: not labelled
            vis = 2
            owner = int(ids[int(round(y)), int(round(x))])
            own_ids = {base + PART_ID[o] for o in owners}
            if owner != 0 and owner not in own_ids:
                if owner == OCCLUDER_ID or owner // PARTS_PER_PERSON != pidx:
                    vis = 1
                else:
                    part = PART_NAMES[owner % PARTS_PER_PERSON - 1]
                    if part_depths[pidx][part] < proj.depth[name] - 0.02:
                        vis = 1
            if name in FACE_POINTS:
                n_cam = proj.view_rot @ (pose.joints[name] - pose.joints["head"])
                n_cam /= np.linalg.norm(n_cam) + 1e-9
                facing = -n_cam[2]  # the camera looks along +z: a normal towards it has negative z
                limit = -0.25 if "ear" in name else 0.05
                if facing < limit - 0.35:
                    continue  # turned well away: annotators leave it unlabelled
                if facing < limit:
                    vis = 1
            kps[k] = (x, y, vis)
        mask = (ids // PARTS_PER_PERSON == pidx) & (ids > 0) & (ids != OCCLUDER_ID)
        area = float(mask.sum())
        if area < 16 or (kps[:, 2] > 0).sum() == 0:
            continue
        ys, xs = np.nonzero(mask)
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        out.append(SynthPerson(keypoints=kps, bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)], area=area))

    if rng.random() < 0.3:
        k = int(rng.choice([3, 5]))
        img = cv2.GaussianBlur(img, (k, k), 0)
    if rng.random() < 0.5:
        noise = rng.normal(0, _u(rng, 2, 8), img.shape)
        img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return img, out


def iter_synth(seed: int, n: int) -> Iterator[tuple[int, np.ndarray, list[SynthPerson]]]:
    for i in range(n):
        img, people = render_image(seed, i)
        yield i, img, people


def render_video(
    seed: int, n_frames: int, size: tuple[int, int] = (320, 240), n_people: int = 2, fps: float = 15.0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A clip of ``n_people`` rendered people walking across a fixed background.

    Each person blends between two sampled poses (a smooth cycle) while moving horizontally and
    bouncing off the frame edges; the camera stays put. Yields ``(uint8 RGB [H, W, 3], keypoints
    [n_people, 17, 3])`` per frame, keypoints ``x, y, v`` with ``v = 2`` inside the frame and 0
    outside (no occlusion reasoning). Deterministic for ``seed``.
    """
    w, h = size
    background = procedural_background(np.random.default_rng([seed, 1_000_000]), h, w)
    light = np.array([0.6, -0.8])
    people = []
    for p in range(n_people):
        rng = np.random.default_rng([seed, p, 7])
        pose_a, pose_b = sample_pose(np.random.default_rng([seed, p, 0])), sample_pose(np.random.default_rng([seed, p, 1]))
        people.append(
            {
                "a": pose_a,
                "b": pose_b,
                "palette": _person_palette(rng),
                "height": _u(rng, 0.55, 0.8) * h,
                "x0": (p + 0.5) / n_people * w,
                "vx": _u(rng, 25, 60) * (1 if rng.random() < 0.5 else -1),  # px/s
                "cy": _u(rng, 0.48, 0.56) * h,
                "freq": _u(rng, 0.3, 0.7),  # pose cycles per second
            }
        )
    for f in range(n_frames):
        t = f / fps
        img = background.copy()
        ids = np.zeros((h, w), np.int32)
        kps = np.zeros((n_people, NUM_KEYPOINTS, 3))
        for pidx, person in enumerate(people):
            s = 0.5 - 0.5 * math.cos(2 * math.pi * person["freq"] * t)
            a, b = person["a"], person["b"]
            pose = Pose3D(
                joints={k: (1 - s) * a.joints[k] + s * b.joints[k] for k in a.joints},
                head_rot=a.head_rot,
                head_radius=a.head_radius,
                limb_radius=a.limb_radius,
            )
            span = w * 0.7
            travel = (person["x0"] - 0.15 * w + person["vx"] * t) % (2 * span)
            cx = 0.15 * w + (travel if travel <= span else 2 * span - travel)
            proj = project(pose, np.random.default_rng([seed, pidx, 3]), person["height"], (cx, person["cy"]), 0.0)
            _draw_person(img, ids, proj, pose, person["palette"], light, pidx)
            for name in OWNERS:
                x, y = proj.pts[name]
                inside = 0 <= x <= w - 1 and 0 <= y <= h - 1
                kps[pidx, KI[name]] = (x, y, 2 if inside else 0)
        yield img, kps
