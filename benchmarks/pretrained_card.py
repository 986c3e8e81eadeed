"""Assemble the model card (Markdown + JSON) of a trained model from ``benchmarks/pretrained.sh`` outputs.

    python benchmarks/pretrained_card.py RUN_DIR FIGURES_DIR OUT_DIR [--before DIR --previous TEXT]

RUN_DIR: the ``edgepose train`` folder (train_log.json, train_config.json, curves.png);
FIGURES_DIR: what ``benchmarks/pretrained.sh`` wrote; OUT_DIR gets MODEL_CARD.md, metrics.json,
curves.png. ``--before DIR`` (``eval_coco.json`` + ``eval_lsp.json`` of the model this one was
fine-tuned from, ``edgepose bench accuracy --json``) adds a before/after section; ``--previous``
describes that model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from edgepose.keypoints import COCO_KEYPOINTS
from edgepose.keypoints import FACE as FACE_INDICES

FORMATS = ("fp32", "fp16", "dynamic", "int8", "int16x8")


def load(path: Path):
    return json.loads(path.read_text())


FACE = tuple(COCO_KEYPOINTS[k] for k in FACE_INDICES)
DEFAULT_LIMITATIONS = """- Small: trained for a few CPU hours on ~5,000 real people, most of them athletes (LSPET) with no
  face labels; only 86 COCO people teach the nose, eyes and ears, which carry the smallest OKS
  sigmas, so COCO AP is far below published models (MoveNet Lightning: 57 AP on full COCO val)."""
DEFAULT_REPRODUCE = "`bash benchmarks/pretrained.sh MODEL.keras OUT && python benchmarks/pretrained_card.py RUN OUT CARD_DIR`"


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("figs", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--before", type=Path)
    ap.add_argument("--previous", default="the previous shipped model")
    ap.add_argument("--note", default="", help="Markdown paragraph added to the Training section")
    ap.add_argument("--reproduce", default="", help="Markdown: how to reproduce these weights")
    ap.add_argument("--limitations", default="", help="Markdown bullets: what the model cannot do")
    ap.add_argument("--origin", default="", help="Markdown: where the training started (default: from the run's init)")
    ap.add_argument(
        "--selection",
        default="The shipped weights are the last finished epoch's (`last.keras`), not a checkpoint selected on the "
        "evaluation set.",
        help="Markdown: which checkpoint ships and how it was chosen",
    )
    args = ap.parse_args()
    run, figs, out = args.run, args.figs, args.out
    out.mkdir(parents=True, exist_ok=True)
    log, cfg = load(run / "train_log.json"), load(run / "train_config.json")
    tflite_dirs = [f"acc_model_{f}" for f in FORMATS]
    keras_name = next(p.name for p in figs.iterdir() if p.name.startswith("acc_") and p.name not in tflite_dirs)
    keras_acc = load(figs / keras_name / "accuracy.json")
    acc = {f: load(figs / f"acc_model_{f}" / "accuracy.json") for f in FORMATS}
    lat = [r for name in ("latency.json", "latency_int16x8.json") if (figs / name).is_file() for r in load(figs / name)]
    lsp = {p.name[4:]: load(p / "accuracy.json") for p in sorted(figs.glob("lsp_*"))}
    gate = load(figs / "model_int8.gate.json") if (figs / "model_int8.gate.json").is_file() else None

    def latency(fmt: str, threads: int):
        rows = [r for r in lat if Path(r["model"]).name == f"model_{fmt}.tflite" and r["threads"] == threads]
        return rows[0]["median_ms"] if rows else None

    epochs = len(log["history"])
    seen = log["people"] * epochs
    h, w = cfg["input_size"][1], cfg["input_size"][0]
    metrics = {
        "model": cfg["model"],
        "input_hxw": [h, w],
        "params": log["params"],
        "epochs": epochs,
        "steps": log["steps"],
        "train_seconds": log["seconds"],
        "train_images_per_second": round(seen / log["seconds"], 1),
        "datasets": cfg["datasets"],
        "coco_val": {"keras": {k: keras_acc[k] for k in ("AP", "AP50", "AP75", "AR", "PCK_bbox", "PCK_torso")}},
        "formats": {},
        "lsp_test": {k: {m: v.get(m) for m in ("PCK_bbox", "PCK_torso", "PCK_head", "people")} for k, v in lsp.items()},
        "per_keypoint_coco_val_keras": {k: v.get("PCK_bbox") for k, v in keras_acc["per_keypoint"].items()},
        "per_keypoint_AP_coco_val_keras": {k: v.get("AP") for k, v in keras_acc["per_keypoint"].items()},
        "init": cfg.get("init") or None,
        "pseudo_weight": cfg.get("pseudo_weight"),
    }
    fp32_ap = acc["fp32"]["AP"]
    for f in FORMATS:
        metrics["formats"][f] = {
            "size_bytes": acc[f]["size_bytes"],
            "AP": acc[f]["AP"],
            "AP50": acc[f]["AP50"],
            "PCK_bbox": acc[f]["PCK_bbox"],
            "ap_drop_vs_fp32": round(fp32_ap - acc[f]["AP"], 4),
            "median_ms_1_thread": latency(f, 1),
            "median_ms_2_threads": latency(f, 2),
        }
    if gate:
        metrics["int8_gate"] = {k: gate[k] for k in ("ap_drop", "keypoint_shift_px", "output_levels", "passed")}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    if (run / "curves.png").is_file():
        shutil.copyfile(run / "curves.png", out / "curves.png")

    def f3(v):
        return "–" if v is None else f"{v:.3f}"

    def ms(v):
        return "–" if v is None else f"{v:.2f}"

    rows = "\n".join(
        f"| {f} | {m['size_bytes'] / 1024:.0f} | {f3(m['AP'])} | {m['ap_drop_vs_fp32']:+.4f} | {f3(m['AP50'])} | "
        f"{f3(m['PCK_bbox'])} | {ms(m['median_ms_1_thread'])} | {ms(m['median_ms_2_threads'])} |"
        for f, m in metrics["formats"].items()
    )
    lsp_rows = "\n".join(
        f"| {k} | {f3(v['PCK_bbox'])} | {f3(v['PCK_torso'])} | {f3(v['PCK_head'])} | {v['people']} |"
        for k, v in metrics["lsp_test"].items()
    )
    kp_rows = "\n".join(
        f"| {k} | {f3(metrics['per_keypoint_AP_coco_val_keras'].get(k))} | {f3(v)} |"
        for k, v in metrics["per_keypoint_coco_val_keras"].items()
    )
    before_section = ""
    if args.before:
        b_coco, b_lsp = load(args.before / "eval_coco.json"), load(args.before / "eval_lsp.json")

        def face_ap(stats):
            vals = [stats["per_keypoint"][k].get("AP") for k in FACE if stats["per_keypoint"].get(k, {}).get("AP") is not None]
            return sum(vals) / len(vals) if vals else None

        lsp_dir = figs / ("lsp_" + keras_name[len("acc_") :])
        lsp_now = load(lsp_dir / "accuracy.json") if (lsp_dir / "accuracy.json").is_file() else None
        lsp_after = lsp_now["PCK_bbox"] if lsp_now else None
        cmp_rows = "\n".join(
            f"| {k} | {f3(b_coco['per_keypoint'][k].get('AP'))} | {f3(keras_acc['per_keypoint'][k].get('AP'))} |"
            for k in keras_acc["per_keypoint"]
        )
        metrics["before"] = {
            "model": args.previous,
            "coco_val_AP": b_coco["AP"],
            "face_AP": face_ap(b_coco),
            "lsp_test_PCK_bbox": b_lsp["PCK_bbox"],
            "per_keypoint_AP": {k: v.get("AP") for k, v in b_coco["per_keypoint"].items()},
        }
        (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
        before_section = f"""
## Before and after this training (Keras, coco_val, ground-truth boxes)

Before: {args.previous}.

| | before | after |
|---|---|---|
| COCO AP | {f3(b_coco["AP"])} | {f3(keras_acc["AP"])} |
| face AP (mean of nose, eyes, ears) | {f3(face_ap(b_coco))} | {f3(face_ap(keras_acc))} |
| LSPET test PCK@0.2 (box) | {f3(b_lsp["PCK_bbox"])} | {f3(lsp_after)} |

Per keypoint, AP of that keypoint alone (its own OKS sigma):

| keypoint | before | after |
|---|---|---|
{cmp_rows}
"""
    datasets = "\n".join(f"- `{d}`" for d in cfg["datasets"])
    data_file = Path(str(keras_acc.get("data", "")))
    coco_images = len(load(data_file)["images"]) if data_file.is_file() else "?"
    interim = (
        f" **Interim weights:** epoch {epochs} of a {cfg['epochs']}-epoch cosine schedule (learning rate not yet"
        " annealed); the run continues with `--resume` and these files will be replaced."
        if epochs < cfg["epochs"]
        else ""
    )
    origin = args.origin or (f"Fine-tuned from {args.previous}" if cfg.get("init") else "Trained from scratch")
    pseudo = (
        f" Keypoints filled by teacher models (`edgepose data pseudo-label`) have loss weight {cfg.get('pseudo_weight')}."
        if any("pseudo" in str(d) for d in cfg["datasets"])
        else ""
    )
    card = f"""# Model card: `{cfg["model"]}` COCO-17, {h}x{w}

Top-down 2D pose model (17 COCO keypoints as heatmaps at stride 4) of the Edge-TPU-clean HRNet
family in `edgepose.models`: {metrics["params"]:,} parameters. Input: one RGB person crop,
{h}x{w} (HxW), pixels 0..255 (normalisation is inside the model); crops come from
`edgepose.transforms.crop_person` (box x1.25, aspect {w}:{h}). Output: 17 heatmaps
{h // 4}x{w // 4}, decoded with DARK sub-pixel refinement (`edgepose.codec`).

Files: `{cfg["model"]}_coco17.keras` (fine-tune with `edgepose train ... --init pretrained`),
`{cfg["model"]}_coco17_int8.tflite` (full-integer int8, int8 input/output; runs with `edgepose.runtime`).

## Training

{origin} on this repository's 2-core CPU machine: {epochs} epochs, {log["steps"]} steps of batch
{cfg["batch_size"]}, AdamW (lr {cfg["lr"]}, weight decay {cfg["weight_decay"]}) with warm-up and cosine decay,
`{cfg["augment"]}` augmentation, seed {cfg["seed"]}; {log["seconds"] / 3600:.2f} h,
**{metrics["train_images_per_second"]} training images/s** (people per second including the input pipeline).
Data (COCO-17 files, absent keypoints masked):

{datasets}
{pseudo}
{args.selection}{interim}

{args.note}

![training loss and validation AP](curves.png)

## Accuracy and latency

COCO keypoint AP on `shared/data/coco_val` ({coco_images} images, {keras_acc["people"]} people, ground-truth boxes,
pycocotools OKS). Keras model: AP {f3(keras_acc["AP"])}, AP50 {f3(keras_acc["AP50"])}, PCK@0.2 {f3(keras_acc["PCK_bbox"])}.
Latency: median `invoke()` of LiteRT on this machine (x86-64, 2 cores), 200 runs after 20 warm-ups
(int16x8: 20 runs).

| format | size (KiB) | AP | AP drop vs fp32 | AP50 | PCK@0.2 | ms, 1 thread | ms, 2 threads |
|---|---|---|---|---|---|---|---|
{rows}

LSP test half (`lspet` test, 1,000 people, 12 body keypoints): PCK@0.2 of the box, of the torso, PCKh@0.5.

| model | PCK@0.2 bbox | PCK@0.2 torso | PCKh@0.5 | people |
|---|---|---|---|---|
{lsp_rows}

Per keypoint (Keras, coco_val): AP of that keypoint alone (its own OKS sigma) and PCK@0.2 of the box:

| keypoint | AP | PCK@0.2 |
|---|---|---|
{kp_rows}
{before_section}
## Limitations

{args.limitations or DEFAULT_LIMITATIONS}
- `coco_val` has {keras_acc["people"]} people: AP moves by about +-0.01 between runs.
- Single person per crop (top-down): it needs person boxes.

Reproduce: {args.reproduce or DEFAULT_REPRODUCE}.
"""
    (out / "MODEL_CARD.md").write_text(card)
    snippet = f"""| format | size (KiB) | COCO AP | AP drop vs fp32 | AP50 | PCK@0.2 | ms, 1 thread | ms, 2 threads |
|---|---|---|---|---|---|---|---|
{rows}
"""
    (figs / "README_snippet.md").write_text(snippet)
    print(f"wrote {out / 'MODEL_CARD.md'}")


if __name__ == "__main__":
    main()
