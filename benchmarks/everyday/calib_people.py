"""Calibration people for the everyday ships: the human-labelled everyday training people (>= 5 keypoints) of
``pool_train_teacher.json``, written as ``calib_people.json`` beside it (never validation people).

    python benchmarks/everyday/calib_people.py runs/everyday/data
"""

import json
import sys
from pathlib import Path

from edgepose.data.coco import write_coco

q = Path(sys.argv[1])
pool = json.loads((q / "pool_train_teacher.json").read_text())
anns = [a for a in pool["annotations"] if a["num_keypoints"] >= 5]
ids = {a["image_id"] for a in anns}
write_coco(q / "calib_people.json", {**pool, "images": [i for i in pool["images"] if i["id"] in ids], "annotations": anns})
print(f"calibration pool: {len(anns)} human-labelled everyday people in {len(ids)} images")
