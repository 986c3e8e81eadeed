"""Top-down geometry and the ONE preprocessing shared by calibration, inference and mobile code.

Coordinate convention (used everywhere in edgepose): pixel centres sit at integer
coordinates, so an image of width ``W`` spans ``[-0.5, W - 0.5]``. OpenCV's ``warpAffine``
uses the same convention, which makes :func:`crop_person` and :func:`apply_affine` exact
inverses through :func:`invert_affine`.

Boxes are COCO ``[x, y, w, h]`` in image pixels. Input sizes are ``(width, height)``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .contract.schema import BOX_PADDING  # the crop rule is part of the contract an app reads
from .errors import EdgeposeError


def box_to_center_size(
    box: np.ndarray | list[float], aspect: float, padding: float = BOX_PADDING
) -> tuple[np.ndarray, np.ndarray]:
    """COCO box -> (centre ``[2]``, region size ``[2]`` as w, h) with aspect ``w/h`` fixed and padding applied."""
    x, y, w, h = (float(v) for v in box)
    center = np.array([x + w * 0.5, y + h * 0.5], dtype=np.float64)
    w, h = max(w, 1.0), max(h, 1.0)
    if w > aspect * h:
        h = w / aspect
    else:
        w = h * aspect
    return center, np.array([w * padding, h * padding], dtype=np.float64)


def get_affine(
    center: np.ndarray,
    region_size: np.ndarray,
    input_size: tuple[int, int],
    rotation_deg: float = 0.0,
) -> np.ndarray:
    """2x3 matrix mapping image pixels to model-input pixels.

    The region of ``region_size`` (w, h) around ``center`` maps edge-to-edge onto the input
    ``(W_in, H_in)``; ``rotation_deg`` rotates the content counter-clockwise about the centre.
    """
    w_in, h_in = input_size
    s = w_in / float(region_size[0])
    theta = np.deg2rad(rotation_deg)
    cos, sin = np.cos(theta) * s, np.sin(theta) * s
    # x_in = s * R(-theta) (x - c) + c_in ; image y points down, so CCW content rotation uses R(-theta).
    a = np.array([[cos, sin], [-sin, cos]], dtype=np.float64)
    c_in = np.array([(w_in - 1) * 0.5, (h_in - 1) * 0.5])
    t = c_in - a @ np.asarray(center, dtype=np.float64)
    return np.concatenate([a, t[:, None]], axis=1)


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine matrix."""
    return cv2.invertAffineTransform(np.asarray(matrix, dtype=np.float64))


def apply_affine(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map points ``[N, 2]`` (x, y) through a 2x3 matrix; returns ``[N, 2]`` float64."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def crop_person(
    image_rgb: np.ndarray,
    box: np.ndarray | list[float],
    input_size: tuple[int, int],
    rotation_deg: float = 0.0,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The one top-down preprocessing: crop a person box to the model input.

    Returns ``(crop, matrix)``: ``crop`` is ``uint8 [H_in, W_in, 3]`` RGB (the models
    normalise internally), ``matrix`` the 2x3 image->input affine. ``scale`` > 1 zooms out.
    """
    w_in, h_in = input_size
    center, size = box_to_center_size(box, w_in / h_in)
    matrix = get_affine(center, size * scale, input_size, rotation_deg)
    crop = cv2.warpAffine(
        image_rgb, matrix, (w_in, h_in), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0)
    )
    return crop, matrix


def truncation(data: bytes) -> str | None:
    """Why an encoded JPEG/PNG is cut short, or None. OpenCV decodes such files with only a
    libjpeg warning (grey lower part), so it is checked here: a JPEG's last scan (SOS) must be
    followed by its end-of-image marker (trailers after it are fine; a thumbnail's EOI comes before
    the main scan), a PNG must end in its IEND chunk."""
    if data[:2] == b"\xff\xd8":
        sos, eoi = data.rfind(b"\xff\xda"), data.rfind(b"\xff\xd9")
        if sos < 0 or eoi < sos:
            return "truncated JPEG (no end-of-image marker after the last scan)"
    elif data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" not in data[-32:]:
        return "truncated PNG (no IEND chunk)"
    return None


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")  # the files a folder of photos is read for


def image_files(folder: str | Path) -> list[Path]:
    """The photos in ``folder`` and below (:data:`IMAGE_SUFFIXES`), sorted; none is one error."""
    files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise EdgeposeError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    return files


def decode_image(data: bytes, name: str | Path = "image", flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """Encoded bytes -> the image upright (BGR for ``IMREAD_COLOR``). The EXIF orientation is
    **applied everywhere** (training, evaluation, calibration, predict, data check), as OpenCV's
    ``imread`` and PIL's ``exif_transpose`` apply it: a phone photo stored rotated (orientation 6)
    comes out upright, the frame its JSON ``width``/``height`` and a viewer show. ``flags`` must
    decode colour or grey (``IMREAD_UNCHANGED`` would skip the orientation). Truncated or
    undecodable files raise EdgeposeError."""
    why = truncation(data)
    if why:
        raise EdgeposeError(f"cannot use image {name}: {why}")
    if flags == cv2.IMREAD_UNCHANGED:
        raise ValueError("decode_image applies the EXIF orientation: use IMREAD_COLOR or IMREAD_GRAYSCALE")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), flags) if data else None
    if img is None:
        raise EdgeposeError(f"cannot decode image {name} (corrupt or not an image)")
    return img


def load_rgb(path: str | Path) -> np.ndarray:
    """Read an image file as ``uint8 [H, W, 3]`` RGB (:func:`decode_image`: EXIF orientation applied,
    truncated files refused); unreadable files raise EdgeposeError."""
    p = Path(path)
    if not p.is_file():
        raise EdgeposeError(f"image not found: {p}")
    return cv2.cvtColor(decode_image(p.read_bytes(), p), cv2.COLOR_BGR2RGB)
