"""The data-mix ablation table from ``benchmarks/data_mix_ablation.sh``'s run folders.

    python benchmarks/data_mix_table.py runs/ablation [--baseline edgepose/pretrained/metrics_eval]

Each row folder holds ``eval_coco.json`` and ``eval_lsp.json`` (``edgepose bench accuracy --json``)
and ``train_log.json``. Prints a Markdown table: coco_val AP/AP50 and the face keypoints' AP
(GT boxes), LSPET test PCK@0.2 and PCKh@0.5, training seconds; then a per-keypoint AP table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from edgepose.keypoints import COCO_KEYPOINTS
from edgepose.keypoints import FACE as FACE_INDICES

ROWS = (("real", "real only"), ("pseudo", "+ pseudo-labels"), ("synth", "+ synthetic"), ("copy_paste", "+ copy-paste"))
FACE = tuple(COCO_KEYPOINTS[k] for k in FACE_INDICES)


def load(folder: Path) -> dict | None:
    try:
        coco = json.loads((folder / "eval_coco.json").read_text())
        lsp = json.loads((folder / "eval_lsp.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    log = json.loads((folder / "train_log.json").read_text()) if (folder / "train_log.json").is_file() else {}
    hist = log.get("history", [])
    return {"coco": coco, "lsp": lsp, "seconds": hist[-1].get("seconds") if hist else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--extra", action="append", default=[], help="NAME=FOLDER: more rows (e.g. the shipped model's eval)")
    args = ap.parse_args()
    rows = [(label, load(args.root / name)) for name, label in ROWS]
    rows += [(text.split("=", 1)[0], load(Path(text.split("=", 1)[1]))) for text in args.extra]
    rows = [(label, r) for label, r in rows if r is not None]
    print("| data | coco_val AP | AP50 | face AP (mean of 5) | LSPET test PCK@0.2 | PCKh@0.5 | train s |")
    print("|---|---|---|---|---|---|---|")
    for label, r in rows:
        per = r["coco"].get("per_keypoint", {})
        face = [per[k]["AP"] for k in FACE if per.get(k, {}).get("AP") is not None]
        face_ap = sum(face) / len(face) if face else float("nan")
        secs = f"{r['seconds']:.0f}" if r["seconds"] else "-"
        print(
            f"| {label} | {r['coco']['AP']:.4f} | {r['coco']['AP50']:.3f} | {face_ap:.4f} | {r['lsp']['PCK_bbox']:.3f} | "
            f"{r['lsp'].get('PCK_head', float('nan')):.3f} | {secs} |"
        )
    names = list(rows[0][1]["coco"].get("per_keypoint", {})) if rows else []
    print()
    print("| keypoint | " + " | ".join(label for label, _ in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for name in names:
        cells = []
        for _, r in rows:
            v = r["coco"]["per_keypoint"].get(name, {}).get("AP")
            cells.append("-" if v is None else f"{v:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
