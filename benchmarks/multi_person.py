"""Multi-person images: a person detector's recall and keypoint AP with its boxes vs ground-truth boxes.

    python benchmarks/multi_person.py --detector DET.tflite --model POSE.tflite [--model ...]
        [--data ../shared/data] [--out DIR]

For ``coco_val`` and ``misc`` it keeps the images with 2+ scored people (non-crowd, at least one
labelled keypoint), writes that subset as COCO JSON, and runs ``bench_accuracy`` with ground-truth
boxes and with ``--detector`` boxes. Recall at IoU 0.5 is given for the detector's own boxes and
for the boxes around the predicted keypoints. Writes ``multi_person.md`` / ``.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from edgepose.bench.accuracy import bench_accuracy
from edgepose.data.coco import load_coco
from edgepose.evaluate import scored_people
from edgepose.report import write_report


def subset(doc: dict, min_people: int = 2) -> dict:
    people = scored_people(doc)
    keep = {im["id"] for im in doc["images"] if len(people.get(im["id"], [])) >= min_people}
    return {
        **doc,
        "images": [im for im in doc["images"] if im["id"] in keep],
        "annotations": [a for a in doc["annotations"] if a["image_id"] in keep],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--detector", required=True)
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("coco_val", "misc"):
            doc = subset(load_coco(args.data / name / "person_keypoints.json"))
            ann = Path(tmp) / f"{name}_2plus.json"
            ann.write_text(json.dumps(doc))
            n_people = sum(len(v) for v in scored_people(doc).values())
            for model in args.model:
                s = bench_accuracy(model, ann, args.data / name / "images", detector=args.detector, det_threshold=args.threshold)
                d = s["detected"]
                rows.append(
                    {
                        "set": name,
                        "images": len(doc["images"]),
                        "people": n_people,
                        "model": Path(model).name,
                        "recall_roi": d["recall_iou50"]["roi"],
                        "recall_keypoints": d["recall_iou50"]["keypoints"],
                        "AP_gt": s["AP"],
                        "AP_detected": d["AP"],
                        "AP50_gt": s["AP50"],
                        "AP50_detected": d["AP50"],
                    }
                )
    lines = [
        f"Images with 2+ people; detector {Path(args.detector).name}, score >= {args.threshold}.",
        "",
        "| set | images | people | pose model | recall@0.5 (detector box) | recall@0.5 (keypoint box) "
        "| AP, GT boxes | AP, detected | AP50, GT boxes | AP50, detected |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['images']} | {r['people']} | {r['model']} | {r['recall_roi']:.3f} | {r['recall_keypoints']:.3f} "
            f"| {r['AP_gt']:.3f} | {r['AP_detected']:.3f} | {r['AP50_gt']:.3f} | {r['AP50_detected']:.3f} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.out:
        write_report(args.out, "multi_person", rows, text)


if __name__ == "__main__":
    main()
