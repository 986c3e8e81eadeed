"""The distillation ablation table from ``benchmarks/distill/ablation.sh``'s run folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from edgepose.keypoints import COCO_KEYPOINTS, FACE
from edgepose.report import write_report

ARMS = [
    ("human", "human labels only (file boxes)"),
    ("teacher", "+ teacher labels"),
    ("boxes", "+ person-extent boxes, jitter"),
    ("soft", "+ soft targets (teacher heatmaps, online)"),
    ("photos", "+ unlabelled photos (teacher only)"),
]


def main() -> None:
    root = Path(sys.argv[1])
    rows, lines = (
        [],
        [
            "| arm | coco_val AP | AP50 | face AP | hip/ankle bias y | LSPET test PCK@0.2 | PCKh@0.5 | train s |",
            "|---|---|---|---|---|---|---|---|",
        ],
    )
    for arm, label in ARMS:
        if not (root / arm / "coco_val.json").is_file():
            continue
        coco = json.loads((root / arm / "coco_val.json").read_text())
        lsp = json.loads((root / arm / "lspet_test.json").read_text())
        log = json.loads((root / arm / "train_log.json").read_text())
        per = coco["per_keypoint"]
        face = [per[COCO_KEYPOINTS[k]]["AP"] for k in FACE if per[COCO_KEYPOINTS[k]].get("AP") is not None]
        low = [
            per[n]["bias_y"] for n in ("left_hip", "right_hip", "left_ankle", "right_ankle") if per[n].get("bias_y") is not None
        ]
        row = {
            "arm": arm,
            "AP": coco["AP"],
            "AP50": coco["AP50"],
            "face_AP": sum(face) / len(face),
            "hip_ankle_bias_y": sum(low) / len(low),
            "lspet_PCK": lsp["PCK_bbox"],
            "lspet_PCKh": lsp.get("PCK_head"),
            "seconds": log["seconds"],
        }
        rows.append(row)
        lines.append(
            f"| {label} | {row['AP']:.3f} | {row['AP50']:.3f} | {row['face_AP']:.3f} | {row['hip_ankle_bias_y']:+.3f} | "
            f"{row['lspet_PCK']:.3f} | {row['lspet_PCKh'] or float('nan'):.3f} | {row['seconds']:.0f} |"
        )
    text = "\n".join(lines)
    print(text)
    write_report(root, "ablation", rows, text)


if __name__ == "__main__":
    main()
