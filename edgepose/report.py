"""Human-readable Markdown from the report dicts (the JSON and the Markdown come from one dict)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable


def pipeline_markdown(r: dict[str, Any]) -> str:
    acc, lat, cfg = r["accuracy"], r["latency"], r["config"]
    w, h = cfg["input_size"]
    lines = [
        "# edgepose pipeline report",
        "",
        f"Model `{cfg['model']}` at {h}x{w} (HxW), {r['training']['params']:,} parameters, trained "
        f"{cfg['epochs']} epochs ({r['training']['steps']} steps, {r['training']['seconds']} s) on "
        f"{r['data']['train_people']} synthetic people in {r['data']['train_images']} images.",
        f"Validation: {r['data']['val_people']} people in {r['data']['val_images']} held-out synthetic images, "
        "ground-truth boxes, COCO keypoint OKS (pycocotools).",
        "",
        "| model | size (KiB) | AP | AP50 | AP75 | AR | PCK@0.2 bbox | median ms (1 thread) | p90 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("fp32", "int8"):
        a, l_ = acc[name], lat[name]
        lines.append(
            f"| {name} | {r['models'][name]['size_bytes'] / 1024:.0f} | {a['AP']:.3f} | {a['AP50']:.3f} | {a['AP75']:.3f} | "
            f"{a['AR']:.3f} | {_fmt(a.get('PCK_bbox'))} | {l_['median_ms']:.2f} | {l_['p90_ms']:.2f} |"
        )
    out_q = r["models"]["int8"]["outputs"][0]
    lines += [
        "",
        f"int8 AP drop: **{r['ap_drop_int8']:+.4f}** (fp32 AP - int8 AP). int8 output quantization: "
        f"scale {out_q['scale']:.4g}, zero point {out_q['zero_point']}.",
        f"Calibration: {r['calibration']['count']} crops from the synthetic training split.",
        "",
        "Stage times (s): " + ", ".join(f"{k} {v}" for k, v in r["stages_seconds"].items()) + f"; total {r['wall_seconds']} s.",
        f"Machine: {r['machine']['platform']} ({r['machine']['processor']}), Python {r['machine']['python']}.",
        "",
        "![int8 predictions](predictions_int8.png)",
        "",
    ]
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and v != v) else f"{v:.3f}"


def _signed(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and v != v) else f"{v:+.3f}"


def evaluation_markdown(stats: dict[str, Any], title: str = "Keypoint evaluation") -> str:
    """COCO AP/AR line, PCK, and the per-keypoint table of :func:`edgepose.evaluate.evaluate`."""
    lines = [
        f"# {title}",
        "",
        f"{stats.get('people', 0)} people. COCO keypoint OKS (pycocotools), PCK at 0.2 of the box's longer side "
        "and of the torso (left shoulder to right hip). Bias: mean signed error (prediction - label) / sqrt(area), "
        "image axes (bias y < 0: placed too high).",
        "",
        "| AP | AP50 | AP75 | APM | APL | AR | PCK@0.2 bbox | PCK@0.2 torso |",
        "|---|---|---|---|---|---|---|---|",
        "| " + " | ".join(_fmt(stats.get(k)) for k in ("AP", "AP50", "AP75", "APM", "APL", "AR", "PCK_bbox", "PCK_torso")) + " |",
        "",
    ]
    has_head = "PCK_head" in stats
    if has_head:
        lines += [f"PCKh@0.5 (head size): {_fmt(stats['PCK_head'])}", ""]
    lines += [
        "| keypoint | labelled | AP (this keypoint's OKS) | PCK@0.2 bbox | PCK@0.2 torso | bias x | bias y |"
        + (" PCKh@0.5 |" if has_head else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if has_head else ""),
    ]
    for name, row in stats.get("per_keypoint", {}).items():
        line = (
            f"| {name} | {row.get('n', 0)} | {_fmt(row.get('AP'))} | {_fmt(row.get('PCK_bbox'))} | {_fmt(row.get('PCK_torso'))} "
            f"| {_signed(row.get('bias_x'))} | {_signed(row.get('bias_y'))} |"
        )
        lines.append(line + (f" {_fmt(row.get('PCK_head'))} |" if has_head else ""))
    det = stats.get("detected")
    if det:
        rec = det["recall_iou50"]
        lines += [
            "",
            f"## Ground-truth boxes vs detected boxes ({Path(det['detector']).name}, score >= {det['threshold']})",
            "",
            "| boxes | AP | AP50 | AR | detector recall@IoU0.5 (its boxes) | (keypoint boxes) |",
            "|---|---|---|---|---|---|",
            f"| ground truth | {_fmt(stats.get('AP'))} | {_fmt(stats.get('AP50'))} | {_fmt(stats.get('AR'))} | - | - |",
            f"| detected | {_fmt(det.get('AP'))} | {_fmt(det.get('AP50'))} | {_fmt(det.get('AR'))} | "
            f"{_fmt(rec['roi'])} | {_fmt(rec['keypoints'])} |",
        ]
    return "\n".join(lines) + "\n"


def write_report(out_dir: str | Path, stem: str, data: Any, markdown: str) -> tuple[Path, Path]:
    """``out_dir/stem.json`` (machine-readable) and ``out_dir/stem.md`` (the same figures for people),
    both written atomically; the folder is created."""
    from .fsutil import atomic_write_json, atomic_write_text

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    return atomic_write_json(out / f"{stem}.json", data), atomic_write_text(out / f"{stem}.md", text)


def write_report_folder(
    out_dir: str | Path,
    stem: str,
    data: Any,
    markdown: str,
    force: bool = False,
    inputs: Iterable[Any] = (),
    extra: dict[str, bytes] | None = None,
) -> Path:
    """:func:`write_report` into a new output folder under the output policy
    (:func:`edgepose.fsutil.output_folder`: apart from ``inputs``, replaced only with ``force``,
    built aside and renamed into place); ``extra``: more files by name (e.g. a PNG)."""
    from .fsutil import output_folder

    with output_folder(out_dir, force=force, inputs=inputs) as folder:
        write_report(folder, stem, data, markdown)
        for name, blob in (extra or {}).items():
            (folder / name).write_bytes(blob)
    return Path(out_dir)
