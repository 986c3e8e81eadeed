"""Pseudo-label quality where the truth exists: hide COCO's face keypoints, fill them with the
teachers, compare with the human labels.

    python benchmarks/pseudo_quality.py --teacher movenet.tflite --teacher pose_landmark_lite.tflite \
        [--data ../shared/data] [--out DIR]

For ``coco_train`` + ``coco_val`` (every person with a box) the face points (nose, eyes, ears)
are marked absent, the teachers run through the runtime's peer adapters, and
``edgepose.data.pseudo.fill_keypoints`` fills them with its rules (score, agreement between
teachers, consistency with the shoulders). Per face keypoint and for each teacher alone and the
ensemble: how many labelled points got a pseudo-label (coverage), the mean error in % of the box
size (sqrt(w*h)) and the mean per-keypoint OKS (COCO sigma, area) of the filled points.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import numpy as np

from edgepose.data.coco import load_coco
from edgepose.data.pseudo import fill_keypoints, teacher_predictions
from edgepose.keypoints import COCO_KEYPOINTS, FACE, keypoint_oks
from edgepose.report import write_report
from edgepose.runtime.peers import open_pose_model


def hide_face(coco: dict) -> dict:
    out = copy.deepcopy(coco)
    out["info"] = {**(out.get("info") or {}), "available_keypoints": [k for k in range(17) if k not in FACE]}
    for im in out["images"]:
        im.pop("available_keypoints", None)
    for ann in out["annotations"]:
        if isinstance(ann.get("keypoints"), list):
            kps = np.asarray(ann["keypoints"], float).reshape(17, 3)
            kps[list(FACE)] = 0
            ann["keypoints"] = kps.ravel().tolist()
    return out


def score(truth: dict, filled: dict) -> dict:
    by_id = {a["id"]: a for a in filled["annotations"]}
    rows = {}
    for k in FACE:
        n, errs, oks = 0, [], []
        for ann in truth["annotations"]:
            if ann.get("iscrowd") or not isinstance(ann.get("keypoints"), list):
                continue
            t = np.asarray(ann["keypoints"], float).reshape(17, 3)
            if t[k, 2] <= 0:
                continue
            n += 1
            f = by_id.get(ann["id"])
            if f is None or k not in f.get("pseudo_keypoints", []):
                continue
            p = np.asarray(f["keypoints"], float).reshape(17, 3)
            d = float(np.linalg.norm(p[k, :2] - t[k, :2]))
            x, y, w, h = ann["bbox"]
            errs.append(d / np.sqrt(max(w * h, 1.0)))
            area = max(float(ann.get("area", w * h)), 1.0)
            oks.append(float(keypoint_oks(np.array([d]), area, [k])[0]))
        rows[COCO_KEYPOINTS[k]] = {
            "labelled": n,
            "filled": len(errs),
            "coverage": len(errs) / max(n, 1),
            "error_pct_box": 100 * float(np.mean(errs)) if errs else float("nan"),
            "oks": float(np.mean(oks)) if oks else float("nan"),
        }
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teacher", action="append", required=True)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--min-score", type=float, default=0.3)
    ap.add_argument("--agree", type=float, default=0.1)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    teachers = [open_pose_model(t, threads=2) for t in args.teacher]
    names = [Path(t).stem for t in args.teacher]
    results: dict[str, dict] = {}
    for split in ("coco_train", "coco_val"):
        truth = load_coco(args.data / split / "person_keypoints.json")
        hidden = hide_face(truth)
        preds = teacher_predictions(teachers, hidden, args.data / split / "images")
        subsets = {n: [i] for i, n in enumerate(names)}
        runs = [(n, idx, "mean") for n, idx in subsets.items()]
        if len(names) > 1:
            runs += [("ensemble, mean position", list(range(len(names))), "mean")]
            runs += [(f"ensemble, {names[0]}'s position", list(range(len(names))), "first")]
        for label, idx, position in runs:
            filled, _ = fill_keypoints(
                hidden, {a: p[idx] for a, p in preds.items()}, fill=FACE, min_score=args.min_score, agree=args.agree,
                position=position,
            )  # fmt: skip
            for name, row in score(truth, filled).items():
                agg = results.setdefault(label, {}).setdefault(name, {"labelled": 0, "filled": 0, "err": [], "oks": []})
                agg["labelled"] += row["labelled"]
                agg["filled"] += row["filled"]
                if row["filled"]:
                    agg["err"].append((row["error_pct_box"], row["filled"]))
                    agg["oks"].append((row["oks"], row["filled"]))
    lines = [
        f"coco_train + coco_val, face keypoints hidden then pseudo-labelled; min score {args.min_score}, "
        f"agreement {args.agree} x box size.",
        "",
        "| teachers | keypoint | labelled | filled | coverage | error, % of box | OKS |",
        "|---|---|---|---|---|---|---|",
    ]
    table = {}
    for label, per_kp in results.items():
        for name, a in per_kp.items():
            w = sum(n for _, n in a["err"])
            err = sum(e * n for e, n in a["err"]) / w if w else float("nan")
            oks = sum(o * n for o, n in a["oks"]) / w if w else float("nan")
            cov = a["filled"] / max(a["labelled"], 1)
            table.setdefault(label, {})[name] = {
                "labelled": a["labelled"],
                "filled": a["filled"],
                "coverage": cov,
                "error_pct_box": err,
                "oks": oks,
            }
            lines.append(f"| {label} | {name} | {a['labelled']} | {a['filled']} | {100 * cov:.0f} % | {err:.2f} | {oks:.3f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        write_report(args.out, "pseudo_quality", table, text)


if __name__ == "__main__":
    main()
