"""``bench compare``: several pose models (ours and peers) side by side in one run: accuracy with
ground-truth boxes, latency per thread count, size; one Markdown/JSON table and an
accuracy-vs-latency PNG."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable

from .accuracy import bench_accuracy
from .latency import bench_latency


def bench_compare(
    models: list[str | Path],
    annotations: str | Path,
    images: str | Path,
    threads: tuple[int, ...] = (1, 2),
    warmup: int = 10,
    runs: int = 50,
    on_progress: Callable[[int], None] | None = None,
    normalization: str | None = None,
    codec: str | None = None,
) -> dict[str, Any]:
    """``{"rows": [{"model", "kind", "size_bytes", "AP", "AP50", "PCK_bbox", "latency_ms": {threads: median}}],
    "data", "threads"}``. Latency is the median ``invoke()`` time after ``warmup`` runs."""
    from ..engine.model import backend_for, display_name, model_size, open_model
    from ..runtime.kinds import kind_of

    rows = []
    for model in models:
        kind = kind_of(open_model(model, threads=1), role="pose").name
        acc = bench_accuracy(
            model, annotations, images, threads=max(threads), on_progress=on_progress, normalization=normalization, codec=codec
        )
        lat = {t: bench_latency(model, threads=t, warmup=warmup, runs=runs) for t in threads}
        rows.append(
            {
                "model": display_name(model),
                "backend": backend_for(model),
                "kind": kind,
                "size_bytes": model_size(Path(model)),
                "AP": acc["AP"],
                "AP50": acc["AP50"],
                "PCK_bbox": acc["PCK_bbox"],
                "face_AP": face_ap(acc),
                "people": acc["people"],
                "latency_ms": {str(t): lat[t]["median_ms"] for t in threads},
                "p90_ms": {str(t): lat[t]["p90_ms"] for t in threads},
            }
        )
    return {"rows": rows, "data": str(annotations), "threads": list(threads), "runs": runs}


def face_ap(stats: dict[str, Any]) -> float | None:
    """Mean per-keypoint AP of the five face keypoints (None where none was scored)."""
    from ..keypoints import COCO_KEYPOINTS, FACE

    per = stats.get("per_keypoint", {})
    aps = [per[COCO_KEYPOINTS[k]]["AP"] for k in FACE if per.get(COCO_KEYPOINTS[k], {}).get("AP") is not None]
    return float(sum(aps) / len(aps)) if aps else None


def compare_markdown(report: dict[str, Any]) -> str:
    ts = report["threads"]
    head = "| model | kind | backend | size (KiB) | AP | AP50 | PCK@0.2 | face AP | "
    head += " | ".join(f"ms, {t} thr" for t in ts) + " |"
    lines = [head, "|" + "---|" * (8 + len(ts))]
    for r in report["rows"]:
        lat = " | ".join(f"{r['latency_ms'][str(t)]:.2f}" for t in ts)
        face = "–" if r.get("face_AP") is None else f"{r['face_AP']:.3f}"
        acc = f"{r['AP']:.3f} | {r['AP50']:.3f} | {r['PCK_bbox']:.3f} | {face}"
        backend = r.get("backend", "litert")
        lines.append(f"| {r['model']} | {r['kind']} | {backend} | {r['size_bytes'] / 1024:.0f} | {acc} | {lat} |")
    people = report["rows"][0]["people"] if report["rows"] else 0
    lines += [
        "",
        f"{people} people of `{report['data']}`, ground-truth boxes; median of {report['runs']} runs (LiteRT, this machine).",
    ]
    return "\n".join(lines) + "\n"


def compare_png(report: dict[str, Any]) -> bytes:
    """AP vs median latency (first thread count), one labelled point per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = str(report["threads"][0])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for r in report["rows"]:
        ax.scatter(r["latency_ms"][t], r["AP"], s=40)
        ax.annotate(
            Path(r["model"]).stem if "/" not in r["model"] else r["model"].rsplit(".", 1)[0],
            (r["latency_ms"][t], r["AP"]),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xscale("log")
    ax.set_xlabel(f"median latency, {t} thread(s) (ms, log)")
    ax.set_ylabel("COCO AP (ground-truth boxes)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
