"""COCO-domain validation split of an imported pool (issue 24): ``val_images`` sources with human
COCO keypoints, chosen by COCO image id (the smallest ids after a fixed hash, so the choice does not
depend on file order), every exported copy of a chosen source kept out of training.

    python benchmarks/everyday/split.py runs/everyday/data/pool.json runs/everyday/data --val-images 200

Writes ``pool_train.json`` (the rest of the pool) and ``val_coco.json`` (the chosen images' first
export, human keypoints only). coco_val is never touched: it is the test set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from edgepose.data.coco import load_coco, write_coco


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pool", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--val-images", type=int, default=200)
    args = ap.parse_args()
    coco = load_coco(args.pool)
    labelled = {a["image_id"] for a in coco["annotations"] if a.get("num_keypoints", 0) > 0}
    by_group: dict[int, list[dict]] = {}
    for im in coco["images"]:
        by_group.setdefault(im["group"], []).append(im)
    candidates = sorted(
        {im["group"] for im in coco["images"] if im["id"] in labelled and "coco_id" in im},
        key=lambda g: hashlib.sha256(str(by_group[g][0]["coco_id"]).encode()).hexdigest(),
    )
    val_groups = set(candidates[: args.val_images])
    val_ids = {by_group[g][0]["id"] for g in val_groups}  # one export per source
    out_ids = {im["id"] for g in val_groups for im in by_group[g]}

    def part(keep) -> dict:
        return {
            **coco,
            "images": [im for im in coco["images"] if keep(im["id"])],
            "annotations": [a for a in coco["annotations"] if keep(a["image_id"])],
        }

    train, val = part(lambda i: i not in out_ids), part(lambda i: i in val_ids)
    write_coco(args.out / "pool_train.json", train)
    write_coco(args.out / "val_coco.json", val)
    people = sum(a["num_keypoints"] > 0 for a in val["annotations"])
    print(
        f"validation: {len(val['images'])} COCO images ({people} people with keypoints); "
        f"{len(out_ids) - len(val_ids)} other exports of them left out; "
        f"train: {len(train['images'])} images, {len(train['annotations'])} people"
    )
    print("validation coco ids:", json.dumps(sorted(by_group[g][0]["coco_id"] for g in val_groups))[:200], "...")


if __name__ == "__main__":
    main()
