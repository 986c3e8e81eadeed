"""A partly-seen-people twin of the carved LSPET validation split (training-side data only): each
person's image is blanked below a line 40-70 % down their box (seeded), the points below become
unlabelled and the box ends at the line, as a person cut off by the bottom of a photo. Used with
the plain split to choose between checkpoints; coco_val is never used to choose.

    python benchmarks/distill/val_truncated.py runs/distill/data/val_lspet300.json ../shared/data/lspet/images OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from edgepose.data.coco import load_coco, write_coco


def main() -> None:
    src, images, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    coco = load_coco(src)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    by_image = {}
    for ann in coco["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    new_images, new_anns = [], []
    for im in coco["images"]:
        anns = [a for a in by_image.get(im["id"], []) if a.get("keypoints") and not a.get("iscrowd", 0)]
        if len(anns) != 1:
            continue  # one person per LSPET image
        ann = anns[0]
        x, y, w, h = ann["bbox"]
        cut = y + h * rng.uniform(0.4, 0.7)
        img = cv2.imread(str(images / im["file_name"]), cv2.IMREAD_COLOR)
        img[int(np.ceil(cut)) :] = 0
        name = Path(im["file_name"]).with_suffix(".png").name
        cv2.imwrite(str(out / "images" / name), img)
        kps = np.asarray(ann["keypoints"], float).reshape(17, 3)
        kps[kps[:, 1] >= cut] = 0
        if (kps[:, 2] > 0).sum() < 2:
            continue
        new_images.append({**im, "file_name": name})
        keep = {k: v for k, v in ann.items() if k not in ("teacher_keypoints", "pseudo_keypoints")}
        new_anns.append({**keep, "bbox": [x, y, w, cut - y], "keypoints": kps.ravel().tolist(),
                         "num_keypoints": int((kps[:, 2] > 0).sum()), "area": w * (cut - y)})  # fmt: skip
    write_coco(out / "val_truncated.json", {**coco, "images": new_images, "annotations": new_anns})
    print(f"{len(new_anns)} partly seen people -> {out / 'val_truncated.json'}")


if __name__ == "__main__":
    main()
