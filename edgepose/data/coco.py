"""COCO person-keypoint files: build, write, read with validation, and flatten to people.

A "person record" is the plain object the rest of edgepose consumes:
``{"image_id", "file": Path, "bbox": [x, y, w, h], "keypoints": float [17, 3], "ann_id"}``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import EdgeposeError, one_line
from ..fsutil import atomic_write_json, read_json
from ..keypoints import NUM_KEYPOINTS, PERSON_CATEGORY


def new_coco(description: str, extra_info: dict[str, Any] | None = None) -> dict[str, Any]:
    info = {"description": description, "date_created": _dt.date.today().isoformat(), "version": "1.0"}
    info["available_keypoints"] = list(range(NUM_KEYPOINTS))
    info.update(extra_info or {})
    return {"info": info, "licenses": [], "images": [], "annotations": [], "categories": [dict(PERSON_CATEGORY)]}


def write_coco(path: str | Path, coco: dict[str, Any]) -> Path:
    return atomic_write_json(path, coco)


def _is_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return bool(np.isfinite(float(v)))
    except OverflowError:  # an integer too large for a float (10**400 in the file)
        return False


def _keypoint_indices(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < NUM_KEYPOINTS for k in v)


def unsafe_file_name(name: str) -> str | None:
    """Why ``name`` (an ``images[].file_name``) could reach outside its images folder, or None.

    File names must be relative paths below the folder: no absolute path, no drive, no ``..``."""
    if not name or not name.strip():
        return "is empty"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "is an absolute path"
    if ".." in posix.split("/"):
        return "leaves the images folder ('..')"
    return None


def iter_problems(coco: Any) -> Iterator[str]:
    """Every structural problem of a parsed COCO person-keypoints document, as one-line messages.

    Checks: top-level shape, image entries (id, file_name relative and inside the images folder,
    size, available_keypoints), duplicate ids, annotations referring to unknown images, keypoints
    that are not 17 x (x, y, v) finite numbers, v outside {0, 1, 2}, pseudo/teacher keypoint
    fields, malformed boxes and boxes outside their image.
    """
    if not isinstance(coco, dict) or not isinstance(coco.get("images"), list) or not isinstance(coco.get("annotations"), list):
        yield "not a COCO annotation file (needs 'images' and 'annotations' lists)"
        return
    info = coco.get("info")
    if isinstance(info, dict) and "available_keypoints" in info and not _keypoint_indices(info["available_keypoints"]):
        yield f"info.available_keypoints must be keypoint indices 0..16: {str(info['available_keypoints'])[:60]}"
    images: dict[Any, dict] = {}
    for i, im in enumerate(coco["images"]):
        if not isinstance(im, dict) or "id" not in im or not isinstance(im.get("file_name"), str):
            yield f"images[{i}] needs an 'id' and a 'file_name' string: {str(im)[:80]}"
            continue
        if not isinstance(im["id"], (int, str)) or isinstance(im["id"], bool):
            yield f"images[{i}] has an id that is not an integer or string: {im['id']!r}"
            continue
        why = unsafe_file_name(im["file_name"])
        if why:
            name = im["file_name"][:80]
            yield f"images[{i}] file_name {name!r} {why}; file names must be relative paths inside the images folder"
            continue
        if "available_keypoints" in im and not _keypoint_indices(im["available_keypoints"]):
            yield f"image {im['id']} available_keypoints must be keypoint indices 0..16: {str(im['available_keypoints'])[:60]}"
        if im["id"] in images:
            yield f"duplicate image id {im['id']}"
        for key in ("width", "height"):
            if key in im and not (_is_number(im[key]) and im[key] > 0):
                yield f"image {im['id']} has an invalid {key}: {im[key]!r}"
        images[im["id"]] = im
    ann_ids: set = set()
    for i, ann in enumerate(coco["annotations"]):
        if not isinstance(ann, dict):
            yield f"annotations[{i}] is not an object"
            continue
        aid = ann.get("id")
        if not isinstance(aid, (int, str)) or isinstance(aid, bool):
            yield f"annotations[{i}] has no integer or string 'id'"
            continue
        if aid in ann_ids:
            yield f"duplicate annotation id {aid}"
        ann_ids.add(aid)
        image_id = ann.get("image_id")
        if not isinstance(image_id, (int, str)) or image_id not in images:
            yield f"annotation {aid} refers to unknown image id {image_id!r}"
            continue
        crowd = ann.get("iscrowd", 0)
        if isinstance(crowd, bool) or crowd not in (0, 1):
            yield f"annotation {aid} has iscrowd {str(crowd)[:20]!r}; it must be 0 or 1"
        kps = ann.get("keypoints")
        if kps is not None:
            if not isinstance(kps, list) or len(kps) != NUM_KEYPOINTS * 3:
                n = len(kps) if isinstance(kps, list) else type(kps).__name__
                yield f"annotation {aid} has {n} keypoint values, expected {NUM_KEYPOINTS * 3} (17 x 3)"
            elif not all(_is_number(v) for v in kps):
                yield f"annotation {aid} has keypoint values that are not finite numbers"
            elif any(v not in (0, 1, 2) for v in kps[2::3]):
                yield f"annotation {aid} has visibility flags outside {{0, 1, 2}}"
        if "pseudo_keypoints" in ann and not _keypoint_indices(ann["pseudo_keypoints"]):
            yield f"annotation {aid} pseudo_keypoints must be keypoint indices 0..16: {str(ann['pseudo_keypoints'])[:60]}"
        teacher = ann.get("teacher_keypoints")
        if teacher is not None and not (
            isinstance(teacher, list) and len(teacher) == NUM_KEYPOINTS * 3 and all(_is_number(v) for v in teacher)
        ):
            yield f"annotation {aid} teacher_keypoints must be 17 x (x, y, score) finite numbers"
        bbox = ann.get("bbox")
        if bbox is not None:
            if not (isinstance(bbox, list) and len(bbox) == 4 and all(_is_number(v) for v in bbox)) or bbox[2] < 0 or bbox[3] < 0:
                yield f"annotation {aid} has a malformed bbox {str(bbox)[:60]} (expected [x, y, w, h], w and h >= 0)"
            else:
                im = images[image_id]
                w, h = im.get("width"), im.get("height")
                x, y, bw, bh = bbox
                if _is_number(w) and _is_number(h) and (x < -1 or y < -1 or x + bw > w + 1 or y + bh > h + 1):
                    yield f"annotation {aid} has a bbox {bbox} outside its {w}x{h} image {im['file_name']}"
                labelled = (
                    isinstance(kps, list)
                    and len(kps) == NUM_KEYPOINTS * 3
                    and any(_is_number(v) and v > 0 for v in kps[2::3])
                )
                if labelled and not ann.get("iscrowd", 0) and (bw < 1 or bh < 1):
                    yield (
                        f"annotation {aid} has labelled keypoints but a {bw}x{bh} bbox; a person needs a box at least "
                        "1 px wide and high (the crop is taken from it)"
                    )
        elif kps is not None and not ann.get("iscrowd", 0):
            yield f"annotation {aid} has keypoints but no bbox"


def load_coco(path: str | Path) -> dict[str, Any]:
    """Load and validate a COCO person-keypoints file; the first problem raises EdgeposeError naming it."""
    coco = read_json(path, "annotation file")
    for problem in iter_problems(coco):
        raise EdgeposeError(one_line(f"{path}: {problem}"))
    return coco


def available_mask(image: dict[str, Any], info: dict[str, Any] | None = None) -> np.ndarray:
    """Keypoints the image's source dataset has (``bool [17]``): ``images[].available_keypoints``,
    else ``info.available_keypoints``, else all. Absent keypoints get no loss and no metric."""
    avail = image.get("available_keypoints")
    if avail is None and info:
        avail = info.get("available_keypoints")
    mask = np.zeros(NUM_KEYPOINTS, bool)
    if avail is None:
        mask[:] = True
    else:
        mask[[int(i) for i in avail if 0 <= int(i) < NUM_KEYPOINTS]] = True
    return mask


def person_records(coco: dict[str, Any], images_dir: str | Path, min_keypoints: int = 1) -> list[dict[str, Any]]:
    """People with at least ``min_keypoints`` labelled keypoints, not crowd, with a usable box.

    Each record: ``image_id``, ``ann_id``, ``file`` (Path), ``bbox`` [x, y, w, h], ``keypoints``
    ``float [17, 3]``, ``available`` ``bool [17]`` (keypoints the source dataset has), ``pseudo``
    (indices filled by teacher models, ``annotations[].pseudo_keypoints``); with
    ``annotations[].teacher_keypoints`` also ``teacher`` ``float [17, 3]`` (x, y, score); with the
    image's width/height ``image_size``.
    """
    images = {im["id"]: im for im in coco["images"]}
    info = coco.get("info") if isinstance(coco.get("info"), dict) else {}
    root = Path(images_dir)
    out = []
    for ann in coco["annotations"]:
        if ann.get("iscrowd", 0) or not isinstance(ann.get("keypoints"), list) or not isinstance(ann.get("bbox"), list):
            continue
        kps = np.asarray(ann["keypoints"], dtype=np.float64).reshape(NUM_KEYPOINTS, 3)
        if (kps[:, 2] > 0).sum() < min_keypoints and "teacher_keypoints" not in ann:
            continue
        x, y, w, h = ann["bbox"]
        if w < 1 or h < 1:
            continue
        out.append(
            {
                "image_id": ann["image_id"],
                "ann_id": ann["id"],
                "file": root / images[ann["image_id"]]["file_name"],
                "bbox": [float(x), float(y), float(w), float(h)],
                "keypoints": kps,
                "available": available_mask(images[ann["image_id"]], info),
                "pseudo": [int(k) for k in ann.get("pseudo_keypoints", []) if 0 <= int(k) < NUM_KEYPOINTS],
            }
        )
        teacher = ann.get("teacher_keypoints")
        if isinstance(teacher, list) and len(teacher) == 3 * NUM_KEYPOINTS:
            out[-1]["teacher"] = np.asarray(teacher, dtype=np.float64).reshape(NUM_KEYPOINTS, 3)
        im = images[ann["image_id"]]
        if isinstance(im.get("width"), (int, float)) and isinstance(im.get("height"), (int, float)):
            out[-1]["image_size"] = (float(im["width"]), float(im["height"]))
    return out


def lsp_neck_head_top(joints_json: str | Path, coco: dict[str, Any]) -> dict[Any, tuple[np.ndarray, np.ndarray]]:
    """``{ann_id: (neck_xy, head_top_xy)}`` from LSP's ``joints.json`` (14 original joints), matched
    to a COCO-17 file of the same images by file name (one person per LSP image)."""
    joints = read_json(joints_json, "LSP joints file")
    by_file = {im["file_name"]: im["id"] for im in coco["images"]}
    ann_by_image = {a["image_id"]: a["id"] for a in coco["annotations"]}
    out = {}
    for name, entry in (joints.get("images") or {}).items():
        j = np.asarray(entry.get("joints", []), float)
        if j.shape != (14, 3) or j[12, 2] <= 0 or j[13, 2] <= 0 or name not in by_file:
            continue
        ann_id = ann_by_image.get(by_file[name])
        if ann_id is not None:
            out[ann_id] = (j[12, :2], j[13, :2])
    return out


def split_coco(coco: dict[str, Any], val_images: int, seed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """(train, val): about ``val_images`` images drawn at random (``seed``) with all their
    annotations go to val, the rest to train; ``info`` and categories are kept in both. Images
    that share an ``images[].group`` (one source exported several times, see
    :mod:`edgepose.data.yolo_import`) always land on the same side, so val may exceed
    ``val_images`` by the last group's size. For carving a validation split out of training data
    (never out of an evaluation set)."""
    ids = [im["id"] for im in coco["images"]]
    if not 0 < val_images < len(ids):
        raise EdgeposeError(f"val_images must be between 1 and {len(ids) - 1}, got {val_images}")
    rng = np.random.default_rng(seed)
    if not any("group" in im for im in coco["images"]):  # one image a group: the same draw as always
        val_set = {ids[i] for i in rng.choice(len(ids), val_images, replace=False).tolist()}
        return _split_parts(coco, val_set)
    groups: dict[Any, list[Any]] = {}
    for im in coco["images"]:
        groups.setdefault(im.get("group", ("image", im["id"])), []).append(im["id"])
    keys = list(groups)
    if len(keys) < 2:
        raise EdgeposeError("every image is in one group: nothing can be held out")
    val_set: set = set()
    for k in rng.permutation(len(keys)):
        if len(val_set) >= val_images:
            break
        val_set.update(groups[keys[int(k)]])
    if len(val_set) == len(ids):
        raise EdgeposeError(f"val_images {val_images} leaves no image for training once groups are kept whole")
    return _split_parts(coco, val_set)


def _split_parts(coco: dict[str, Any], val_set: set) -> tuple[dict[str, Any], dict[str, Any]]:
    def part(keep) -> dict[str, Any]:
        return {
            **coco,
            "images": [im for im in coco["images"] if keep(im["id"])],
            "annotations": [a for a in coco["annotations"] if keep(a["image_id"])],
        }

    return part(lambda i: i not in val_set), part(lambda i: i in val_set)


OKS_AREA_FACTOR = 0.53  # area / box area where there is no segmentation (the shared LSPET files' rule)


def with_extent_boxes(coco: dict[str, Any], oks_area_factor: float = OKS_AREA_FACTOR) -> dict[str, Any]:
    """A copy whose person boxes are :func:`~edgepose.data.distill.extent_box` of the labelled
    keypoints plus confident teacher keypoints (``teacher_keypoints`` score >= 0.3), and whose
    ``area`` (the OKS scale) is ``oks_area_factor x w x h`` (LSPET's rule, no segmentation)."""
    from .distill import extent_box

    images = {im["id"]: im for im in coco["images"]}
    anns = []
    for a in coco["annotations"]:
        a = dict(a)
        k = np.asarray(a.get("keypoints", []), float).reshape(-1, 3)
        pts = [k[k[:, 2] > 0, :2]]
        t = a.get("teacher_keypoints")
        if t:
            t = np.asarray(t, float).reshape(-1, 3)
            pts.append(t[(t[:, 2] >= 0.3) & (k[:, 2] <= 0), :2])
        im = images.get(a["image_id"], {})
        size = (im["width"], im["height"]) if "width" in im and "height" in im else None
        box = extent_box(np.concatenate(pts), size)
        if box is not None and not a.get("iscrowd", 0):
            a["bbox"] = [round(v, 2) for v in box]
            a["area"] = round(oks_area_factor * box[2] * box[3], 2)
        anns.append(a)
    return {**coco, "annotations": anns}
