"""YOLO and YOLO-pose label trees -> one COCO person-keypoints document.

A tree is what Roboflow and Ultralytics export: ``<split>/images/*.jpg`` beside
``<split>/labels/*.txt`` (or ``images/<split>`` beside ``labels/<split>``), usually with a
``data.yaml`` naming the classes (and ``kpt_shape``). A label line is ``cls cx cy w h`` (fractions of
the image's width and height) optionally followed by 17 keypoints, ``x y v`` (or ``x y``) each, also
fractions; or a segmentation polygon ``cls x1 y1 x2 y2 ...``.

Contract of the result (``import_yolo``):

- ``images[].file_name`` is relative to the tree's root; ``width``/``height`` come from the decoded
  image (the same loader training uses), never from the label file.
- ``images[].source`` is the source image's name: a Roboflow export appends ``_jpg.rf.<hash>`` to it,
  so the same photo exported twice (often into different splits) shares one ``source``;
  ``images[].group`` numbers those sources, and :func:`~edgepose.data.coco.split_coco` keeps a
  group on one side. ``images[].coco_id`` is set when the source is a 12-digit COCO file name.
- ``images[].available_keypoints`` is all 17 where keypoints were labelled (in the line or merged
  from ``keypoints_from``) and ``[]`` for box-only images, whose people carry ``0, 0, 0`` x 17.
- ``area`` is the polygon's area for segmentation lines, else ``0.53 x w x h`` (LSPET's rule: there
  is no segmentation); polygons are kept as ``segmentation``.
- People smaller than ``min_height`` pixels, degenerate boxes and other classes are dropped and
  counted in the returned report.

A malformed line raises :class:`~edgepose.errors.EdgeposeError` naming ``file:line``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import EdgeposeError, one_line
from ..keypoints import NUM_KEYPOINTS
from ..transforms import IMAGE_SUFFIXES
from .coco import OKS_AREA_FACTOR

SPLIT_NAMES = ("train", "valid", "val", "test")
MATCH_IOU = 0.5  # a merged keypoint person belongs to the tree's box it overlaps at least this much
_ROBOFLOW_SUFFIX = re.compile(r"_(jpe?g|png|bmp|webp)\.rf\.[0-9a-zA-Z]+$", re.IGNORECASE)
_COCO_NAME = re.compile(r"^(\d{12})$")


@dataclass
class ImportReport:
    """What :func:`import_yolo` read, kept and dropped."""

    images: int = 0
    people: int = 0
    people_with_keypoints: int = 0
    keypoint_people_added: int = 0  # merged people with no box of their own in the tree
    images_without_labels: int = 0
    sources: int = 0
    duplicate_sources: int = 0  # sources exported more than once
    duplicate_images: int = 0  # images beyond the first of their source
    dropped: dict[str, int] = field(default_factory=dict)
    splits: dict[str, int] = field(default_factory=dict)

    def drop(self, why: str, n: int = 1) -> None:
        self.dropped[why] = self.dropped.get(why, 0) + n

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def source_name(stem: str) -> str:
    """The source image's name of an exported file stem: ``abc_jpg.rf.123`` -> ``abc``."""
    return _ROBOFLOW_SUFFIX.sub("", stem)


def coco_id_of(name: str) -> int | None:
    """The COCO image id a 12-digit file name carries (``000000123456`` -> 123456), else None."""
    m = _COCO_NAME.match(name)
    return int(m.group(1)) if m else None


def class_names(root: Path) -> list[str] | None:
    """Class names from ``root/data.yaml`` (``names: [...]`` or a ``names:`` mapping), or None."""
    yaml_file = root / "data.yaml"
    if not yaml_file.is_file():
        return None
    text = yaml_file.read_text(errors="replace")
    m = re.search(r"^names:\s*\[(.*?)\]", text, re.MULTILINE | re.DOTALL)
    if m:
        return [s.strip().strip("'\"") for s in m.group(1).split(",") if s.strip()]
    m = re.search(r"^names:\s*\n((?:[ \t]+.*\n?)+)", text, re.MULTILINE)
    if m:
        names = {}
        for line in m.group(1).splitlines():
            kv = re.match(r"\s*(\d+)\s*:\s*(.+)", line)
            if kv:
                names[int(kv.group(1))] = kv.group(2).strip().strip("'\"")
            elif line.strip().startswith("-"):
                names[len(names)] = line.strip()[1:].strip().strip("'\"")
        return [names[k] for k in sorted(names)] if names else None
    return None


def person_class(root: Path) -> int:
    """The class index named ``person`` in ``data.yaml`` (0 when the tree has no names)."""
    names = class_names(root)
    if names is None:
        return 0
    for i, n in enumerate(names):
        if n.lower() in ("person", "people", "human", "pedestrian"):
            return i
    raise EdgeposeError(f"{root / 'data.yaml'}: no class named person among {names}")


def image_label_pairs(root: Path) -> list[tuple[str, Path, Path | None]]:
    """``(split, image, label file or None)`` for every image of the tree, sorted.

    Layouts: ``<split>/images`` + ``<split>/labels``; ``images/<split>`` + ``labels/<split>``;
    ``images`` + ``labels`` (split ``""``)."""
    if not root.is_dir():
        raise EdgeposeError(f"YOLO tree not found: {root}")
    layouts: list[tuple[str, Path, Path]] = []
    for s in SPLIT_NAMES:
        if (root / s / "images").is_dir():
            layouts.append((s, root / s / "images", root / s / "labels"))
        elif (root / "images" / s).is_dir():
            layouts.append((s, root / "images" / s, root / "labels" / s))
    if not layouts and (root / "images").is_dir():
        layouts.append(("", root / "images", root / "labels"))
    if not layouts:
        raise EdgeposeError(
            f"{root}: not a YOLO tree (expected <split>/images and <split>/labels, or images/ and labels/)"
        )
    pairs = []
    for split, img_dir, lab_dir in layouts:
        for img in sorted(p for p in img_dir.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
            lab = lab_dir / img.relative_to(img_dir).with_suffix(".txt")
            pairs.append((split, img, lab if lab.is_file() else None))
    if not pairs:
        raise EdgeposeError(f"{root}: no images ({', '.join(IMAGE_SUFFIXES)}) in its images folders")
    return pairs


_KPT_INLINE = re.compile(r"^kpt_shape:\s*\[\s*(\d+)\s*,\s*(\d+)\s*\]", re.MULTILINE)
_KPT_BLOCK = re.compile(r"^kpt_shape:\s*(?:#.*)?\n\s*-\s*(\d+)\s*(?:#.*)?\n\s*-\s*(\d+)", re.MULTILINE)


def declared_keypoint_dims(root: Path) -> int | None:
    """Values per keypoint that ``data.yaml`` declares (``kpt_shape: [17, D]``, inline or as a YAML block
    list), or None when it declares none."""
    yaml_file = root / "data.yaml"
    if not yaml_file.is_file():
        return None
    text = yaml_file.read_text(errors="replace")
    m = _KPT_INLINE.search(text) or _KPT_BLOCK.search(text)
    if not m:
        if re.search(r"^kpt_shape:", text, re.MULTILINE):
            raise EdgeposeError(f"{yaml_file}: kpt_shape is neither [17, D] nor a two-item list")
        return None
    if int(m.group(1)) != NUM_KEYPOINTS or int(m.group(2)) not in (2, 3):
        raise EdgeposeError(f"{yaml_file}: kpt_shape [{m.group(1)}, {m.group(2)}]; COCO-17 needs [17, 2] or [17, 3]")
    return int(m.group(2))


def orphan_label_files(root: Path, pairs: list[tuple[str, Path, Path | None]]) -> list[Path]:
    """Label files of the tree with no image beside them (their people cannot be imported)."""
    used = {lab.resolve() for _, _, lab in pairs if lab is not None}
    folders = {lab.parent for _, _, lab in pairs if lab is not None}
    for split in SPLIT_NAMES + ("",):
        for cand in (root / split / "labels", root / "labels" / split):
            if cand.is_dir():
                folders.add(cand)
    return sorted(p for d in folders for p in d.rglob("*.txt") if p.resolve() not in used and p.name != "classes.txt")


def keypoint_dims(root: Path) -> int:
    """Values per keypoint of a pose tree: ``kpt_shape: [17, D]`` in ``data.yaml`` (either YAML spelling), else 3."""
    return declared_keypoint_dims(root) or 3


@dataclass
class LabelLine:
    """One person line: box ``[cx, cy, w, h]``, keypoints ``[17, 3]`` or None, polygon ``[n, 2]`` or None
    (all fractions of the image)."""

    cls: int
    box: np.ndarray
    keypoints: np.ndarray | None = None
    polygon: np.ndarray | None = None


def parse_label_line(text: str, where: str, kpt_dims: int = 3, pose_tree: bool = False) -> LabelLine:
    """One YOLO line, in any of Ultralytics' three forms (fractions of the image):

    - detection ``cls cx cy w h``;
    - pose ``cls cx cy w h`` + 17 x ``kpt_dims`` values (``x y v``, v in 0, 1, 2; or ``x y``, labelled
      where not 0, 0);
    - segmentation ``cls x1 y1 x2 y2 ...`` (3 or more points; its box is the polygon's extent)."""
    parts = text.split()
    try:
        values = [float(v) for v in parts]
    except ValueError:
        raise EdgeposeError(one_line(f"{where}: not numbers: {text.strip()[:80]!r}")) from None
    n = len(values)
    pose_n = 5 + kpt_dims * NUM_KEYPOINTS
    if pose_tree and n not in (5, pose_n):  # data.yaml declares keypoints: another count is an error, not a polygon
        raise EdgeposeError(
            f"{where}: {n} values, but data.yaml's kpt_shape [17, {kpt_dims}] means {pose_n} (class cx cy w h + "
            f"17 x {kpt_dims}) or 5 (a box alone)"
        )
    is_polygon = n != pose_n and n >= 7 and (n - 1) % 2 == 0
    if n != 5 and n != pose_n and not is_polygon:
        raise EdgeposeError(
            f"{where}: {n} values; expected 5 (class cx cy w h), {pose_n} (YOLO-pose, 17 x {kpt_dims} keypoint values) "
            "or a segmentation polygon (class + 3 or more x y pairs)"
        )
    if not np.isfinite(values).all():
        raise EdgeposeError(f"{where}: values must be finite")
    cls = values[0]
    if cls != int(cls) or cls < 0:
        raise EdgeposeError(f"{where}: class {parts[0]!r} is not a class index")
    if is_polygon:
        poly = np.array(values[1:]).reshape(-1, 2)
        if (poly < -0.01).any() or (poly > 1.01).any():
            raise EdgeposeError(f"{where}: polygon points are not in fractions of the image (0..1)")
        poly = np.clip(poly, 0.0, 1.0)
        (x0, y0), (x1, y1) = poly.min(0), poly.max(0)
        return LabelLine(int(cls), np.array([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]), polygon=poly)
    box = np.array(values[1:5])
    if (box[:2] < -0.01).any() or (box[:2] > 1.01).any() or (box[2:] < 0).any() or (box[2:] > 1.01).any():
        raise EdgeposeError(f"{where}: box {parts[1:5]} is not in fractions of the image (0..1)")
    kps = None
    if n == pose_n:
        raw = np.array(values[5:]).reshape(NUM_KEYPOINTS, kpt_dims)
        kps = np.zeros((NUM_KEYPOINTS, 3))
        kps[:, :2] = raw[:, :2]
        if kpt_dims == 3:
            if not np.isin(raw[:, 2], (0, 1, 2)).all():
                raise EdgeposeError(f"{where}: keypoint visibility must be 0, 1 or 2")
            kps[:, 2] = raw[:, 2]
        else:
            kps[:, 2] = np.where((raw[:, :2] != 0).any(1), 2, 0)
        labelled = kps[:, 2] > 0
        if ((kps[labelled, :2] < -0.01) | (kps[labelled, :2] > 1.01)).any():
            raise EdgeposeError(f"{where}: keypoints are not in fractions of the image (0..1)")
        kps[~labelled] = 0
    return LabelLine(int(cls), box, keypoints=kps)


def read_labels(path: Path, person: int, report: ImportReport, kpt_dims: int = 3, pose_tree: bool = False) -> list[LabelLine]:
    """The person lines of a label file, read line by line (a large file is never held as one text)."""
    people = []
    try:
        with open(path, encoding="utf-8") as lines:
            for i, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                label = parse_label_line(line, f"{path}:{i}", kpt_dims, pose_tree)
                if label.cls != person:
                    report.drop("other class")
                    continue
                people.append(label)
    except UnicodeDecodeError:
        raise EdgeposeError(f"{path}: not a text label file") from None
    return people


def _corner_boxes(lines: list[LabelLine]) -> np.ndarray:
    """``[n, 4]`` ``[x, y, w, h]`` of the lines' centre boxes (fractions)."""
    boxes = np.array([line.box for line in lines], np.float64).reshape(-1, 4)
    return np.concatenate([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, 2:]], axis=1)


def merge_keypoints(people: list[LabelLine], extra: list[LabelLine]) -> tuple[list[LabelLine], int]:
    """The tree's people with keypoint people from another file merged in: each keypoint person
    goes to the unmatched tree box of highest IoU (>= :data:`MATCH_IOU`, greedy by IoU); the
    rest are added with their own boxes. Returns (people, number added)."""
    from ..runtime.detectors import box_iou

    people = list(people)
    extra = [e for e in extra if e.keypoints is not None]
    iou = box_iou(_corner_boxes(people), _corner_boxes(extra)) if people and extra else np.zeros((0, 0))
    pairs = sorted(((float(iou[i, j]), i, j) for i in range(len(people)) for j in range(len(extra))), reverse=True)
    used_p, used_e = set(), set()
    for overlap, i, j in pairs:
        if overlap < MATCH_IOU:
            break
        if i in used_p or j in used_e:
            continue
        used_p.add(i)
        used_e.add(j)
        people[i] = LabelLine(people[i].cls, people[i].box, extra[j].keypoints, people[i].polygon)
    added = [extra[j] for j in range(len(extra)) if j not in used_e]
    return people + added, len(added)


def import_yolo(
    root: str | Path,
    keypoints_from: str | Path | None = None,
    min_height: float = 0.0,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, Any], ImportReport]:
    """A YOLO / YOLO-pose tree at ``root`` -> (COCO person-keypoints dict, :class:`ImportReport`).

    ``keypoints_from``: a folder of per-image YOLO-pose files named by COCO id
    (``000000123456.txt``), merged into the images whose source is that COCO file name.
    ``min_height``: people whose box is under this many pixels tall are dropped."""
    from ..transforms import load_rgb
    from .coco import new_coco

    root = Path(root)
    if min_height < 0 or not np.isfinite(min_height):
        raise EdgeposeError(f"min_height must be a number >= 0, got {min_height}")
    kp_dir = Path(keypoints_from) if keypoints_from is not None else None
    if kp_dir is not None and not kp_dir.is_dir():
        raise EdgeposeError(f"keypoints_from folder not found: {kp_dir}")
    person = person_class(root)
    declared = declared_keypoint_dims(root)
    kpt_dims = declared or 3
    pairs = image_label_pairs(root)
    report = ImportReport()
    orphans = orphan_label_files(root, pairs)
    if orphans:
        report.drop("label file without its image", len(orphans))
    coco = new_coco(
        f"imported from the YOLO tree {root.name}",
        {"available_keypoints": [], "area_note": f"area = {OKS_AREA_FACTOR} x box area (no segmentation)"},
    )
    if on_start:
        on_start(len(pairs))
    groups: dict[str, int] = {}  # source -> group number
    copies: Counter[str] = Counter()  # source -> images exported from it
    ann_id = 1
    any_keypoints = False
    for image_id, (split, img, lab) in enumerate(pairs, start=1):
        image = load_rgb(img)  # one clear line for a corrupt or missing file
        h, w = image.shape[:2]
        src = source_name(img.stem)
        groups.setdefault(src, len(groups) + 1)
        copies[src] += 1
        people = read_labels(lab, person, report, kpt_dims, pose_tree=declared is not None) if lab is not None else []
        if lab is None:
            report.images_without_labels += 1
        cid = coco_id_of(src)
        if kp_dir is not None and cid is not None:
            kp_file = kp_dir / f"{src}.txt"
            if kp_file.is_file():
                people, added = merge_keypoints(people, read_labels(kp_file, person, report, 3))
                report.keypoint_people_added += added
        has_kps = any(p.keypoints is not None for p in people)
        entry: dict[str, Any] = {
            "id": image_id,
            "file_name": img.relative_to(root).as_posix(),
            "width": w,
            "height": h,
            "source": src,
            "group": groups[src],
            "available_keypoints": list(range(NUM_KEYPOINTS)) if has_kps else [],
        }
        if split:
            entry["split"] = split
        if cid is not None:
            entry["coco_id"] = cid
        coco["images"].append(entry)
        report.images += 1
        report.splits[split or "."] = report.splits.get(split or ".", 0) + 1
        for label in people:
            box, kps = label.box, label.keypoints
            bw, bh = box[2] * w, box[3] * h
            if bw < 1 or bh < 1:
                report.drop("degenerate box (under 1 px)")
                continue
            if bh < min_height:
                report.drop(f"under {min_height:g} px tall")
                continue
            x0, y0 = max(0.0, (box[0] - box[2] / 2) * w), max(0.0, (box[1] - box[3] / 2) * h)
            bw, bh = min(bw, w - x0), min(bh, h - y0)
            flat = [0.0] * (3 * NUM_KEYPOINTS)
            n_kps = 0
            if kps is not None:
                pts = kps.copy()
                pts[:, 0] *= w
                pts[:, 1] *= h
                pts[:, :2] = np.clip(pts[:, :2], 0, [w - 1e-3, h - 1e-3])
                pts[pts[:, 2] == 0] = 0
                flat = [round(float(v), 2) for v in pts.ravel()]
                flat[2::3] = [int(v) for v in pts[:, 2]]
                n_kps = int((pts[:, 2] > 0).sum())
                report.people_with_keypoints += n_kps > 0
                any_keypoints = any_keypoints or n_kps > 0
            ann: dict[str, Any] = {
                "id": ann_id,
                "image_id": image_id,
                "category_id": 1,
                "iscrowd": 0,
                "bbox": [round(x0, 2), round(y0, 2), round(bw, 2), round(bh, 2)],
                "area": round(OKS_AREA_FACTOR * bw * bh, 2),
                "num_keypoints": n_kps,
                "keypoints": flat,
            }
            if label.polygon is not None:
                poly = label.polygon * [w, h]
                ann["segmentation"] = [[round(float(v), 2) for v in poly.ravel()]]
                ann["area"] = round(_polygon_area(poly), 2)
            coco["annotations"].append(ann)
            ann_id += 1
            report.people += 1
        if on_progress:
            on_progress(1)
    report.sources = len(groups)
    report.duplicate_sources = sum(1 for n in copies.values() if n > 1)
    report.duplicate_images = report.images - report.sources
    if any_keypoints:
        coco["info"]["available_keypoints"] = list(range(NUM_KEYPOINTS))
    coco["info"]["import"] = report.as_dict()
    return coco, report


def _polygon_area(poly: np.ndarray) -> float:
    """Shoelace area of a polygon ``[n, 2]``."""
    x, y = poly[:, 0], poly[:, 1]
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)
