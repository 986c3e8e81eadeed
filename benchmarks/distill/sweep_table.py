"""The student sweep table: accuracy at the fixed short budget (``sweep.sh``) beside int8 latency
and Edge TPU mapping (``student_latency.py``), and the pick: the most accurate candidate on the
carved LSPET validation split (PCK@0.2 of the last epoch: at a budget this short AP is still near
zero and ranks by noise) at <= 0.8 x MoveNet's 1-thread latency, 100 % on the TPU in one
partition. coco_val figures are shown, never used to choose.

    python benchmarks/distill/sweep_table.py runs/distill/sweep runs/distill/student_latency/student_latency.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from edgepose.report import write_report

MAX_LATENCY_RATIO = 0.8


def main() -> None:
    root, latency_file = Path(sys.argv[1]), Path(sys.argv[2])
    latency = json.loads(latency_file.read_text())
    by_key = {(r["model"], f"{r['input_hw'][0]}x{r['input_hw'][1]}"): r for r in latency["rows"]}
    rows = []
    for run in sorted(p for p in root.iterdir() if (p / "coco_val.json").is_file()):
        model, size = run.name.rsplit("_", 1)
        log = json.loads((run / "train_log.json").read_text())
        vals = [h["val"] for h in log["history"] if h.get("val")]
        coco = json.loads((run / "coco_val.json").read_text())
        lat = by_key.get((model, size), {})
        rows.append(
            {
                "model": model,
                "input": size,
                "val_AP": vals[-1]["AP"] if vals else None,
                "val_PCK": vals[-1]["PCK_bbox"] if vals else None,
                "coco_AP": coco["AP"],
                "coco_PCK": coco.get("PCK_bbox"),
                "train_s": log["seconds"],
                "ms_1": lat.get("ms_1"),
                "ratio": lat.get("ratio_movenet_1"),
                "tpu": lat.get("tpu_mapped"),
                "partitions": lat.get("tpu_partitions"),
            }
        )
    ok = [
        r for r in rows
        if r["ratio"] is not None and r["ratio"] <= MAX_LATENCY_RATIO and r["tpu"] == 1.0 and r["partitions"] == 1
    ]  # fmt: skip
    pick = max(ok, key=lambda r: r["val_PCK"] or 0.0) if ok else None
    lines = [
        f"MoveNet Lightning int8, same latency run: {latency['movenet_ms']['1']:.2f} ms at 1 thread. Budget per candidate: "
        "6 epochs x 4,000 people.",
        "",
        "| student | input | LSPET val PCK@0.2 (select) | val AP | coco_val AP | coco_val PCK@0.2 | train s | int8 ms, 1 thr "
        "| / MoveNet | Edge TPU | pick |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['input']} | {r['val_PCK']:.3f} | {r['val_AP']:.3f} | {r['coco_AP']:.3f} | "
            f"{r['coco_PCK']:.3f} | {r['train_s']:.0f} | "
            f"{r['ms_1']:.2f} | {r['ratio']:.2f} | {r['tpu']:.0%}, {r['partitions']} part. | {'**yes**' if r is pick else ''} |"
        )
    text = "\n".join(lines)
    print(text)
    write_report(root, "sweep", rows, text)


if __name__ == "__main__":
    main()
