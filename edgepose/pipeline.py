"""The main job: synthetic data -> train -> int8 with calibration -> float vs int8 AP -> latency -> report.

Everything runs on a freshly generated synthetic set, so it works on a fresh clone with no data.
Output folder layout::

    OUT/data/{train,val}/            synthetic COCO sets (images/ + person_keypoints.json)
    OUT/train/last.keras             trained model, train_log.json
    OUT/calibration/                 calibration crops (calibration.npz + .json)
    OUT/models/model_fp32.tflite, model_int8.tflite
    OUT/predictions_{fp32,int8}.json COCO results on the validation split
    OUT/report.json, report.md, predictions_int8.png
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .data.coco import load_coco
from .data.synth_writer import write_synth
from .defaults import THREADS
from .errors import EdgeposeError
from .evaluate import evaluate, predict_coco
from .fsutil import atomic_write, atomic_write_json, atomic_write_text, prepare_output_dir
from .models import check_input_size, model_spec
from .pipeline_config import PipelineConfig
from .progress import Reporter, SilentReporter
from .report import pipeline_markdown
from .transforms import load_rgb
from .viz import draw_pose, encode_png, tile


class _Timer:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    def __call__(self, name: str):
        timer = self

        class _Ctx:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                timer.stages[name] = round(time.perf_counter() - self.t0, 1)

        return _Ctx()


def pipeline(
    out_dir: str | Path, config: PipelineConfig | None = None, force: bool = False, reporter: Reporter | None = None
) -> dict[str, Any]:
    """Run the whole job into ``out_dir`` (refused if it exists and is not empty, unless ``force``).

    Returns the report dict that is also written as ``report.json`` / ``report.md``.
    """
    cfg = config or PipelineConfig()
    rep = reporter or SilentReporter()
    if cfg.n_train < 10 or cfg.n_val < 2:
        raise EdgeposeError(f"pipeline needs at least 10 training and 2 validation images (got {cfg.n_train} and {cfg.n_val})")
    if cfg.epochs < 1:
        raise EdgeposeError(f"epochs must be at least 1, got {cfg.epochs}")
    model_spec(cfg.model)
    check_input_size(cfg.input_size)
    out = prepare_output_dir(out_dir, force=force)
    t_start = time.perf_counter()
    timer = _Timer()

    from .quantize import build_calibration, load_calibration, quantize
    from .runtime import PoseEstimator
    from .train import TrainConfig, train

    with timer("synth"):
        rep.start("synthesise data", cfg.n_train + cfg.n_val)
        train_json = write_synth(out / "data/train", cfg.n_train, seed=cfg.seed, on_progress=rep.advance)
        val_json = write_synth(out / "data/val", cfg.n_val, seed=cfg.seed + 10_000, on_progress=rep.advance)
        rep.finish(f"{cfg.n_train} train + {cfg.n_val} val images")

    with timer("train"):
        tcfg = TrainConfig(
            model=cfg.model, input_size=cfg.input_size, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed
        )
        train_summary = train(train_json, out / "data/train/images", out / "train", tcfg, reporter=rep)

    from .train import load_model

    with timer("quantize"):
        rep.start("calibrate + convert (fp32, int8)", 2)
        calib_meta = build_calibration(
            train_json, out / "data/train/images", out / "calibration", cfg.input_size, cfg.calib_size, cfg.seed
        )
        calib = load_calibration(out / "calibration", cfg.input_size)
        model = load_model(train_summary["checkpoint"])
        fp32 = quantize(model, out / "models/model_fp32.tflite", "fp32")
        rep.advance(1)
        int8 = quantize(model, out / "models/model_int8.tflite", "int8", calib=calib, io="int8")
        rep.advance(1)
        rep.finish(f"int8 {int8['size_bytes'] / 1024:.0f} KiB, fp32 {fp32['size_bytes'] / 1024:.0f} KiB")

    val = load_coco(val_json)
    n_val_images = len(val["images"])
    accuracy: dict[str, dict[str, float]] = {}
    estimators = {}
    with timer("evaluate"):
        for name in ("fp32", "int8"):
            est = PoseEstimator(out / f"models/model_{name}.tflite", threads=THREADS)
            estimators[name] = est
            rep.start(f"evaluate {name} on {n_val_images} val images", n_val_images)
            preds = predict_coco(est, val, out / "data/val/images", on_progress=rep.advance)
            atomic_write_json(out / f"predictions_{name}.json", preds)
            accuracy[name] = evaluate(preds, val_json)
            rep.finish(f"{name} AP {accuracy[name]['AP']:.3f}")

    from .bench import bench_latency

    with timer("bench"):
        rep.start("benchmark latency (1 thread)", 2)
        latency = {}
        for name in ("fp32", "int8"):
            latency[name] = bench_latency(out / f"models/model_{name}.tflite", threads=1, warmup=10, runs=cfg.bench_runs)
            rep.advance(1)
        rep.finish(f"int8 median {latency['int8']['median_ms']:.2f} ms")

    with timer("draw"):
        _draw_predictions(estimators["int8"], val, out / "data/val/images", out / "predictions_int8.png")

    report = {
        "edgepose_pipeline": 1,
        "config": {**asdict(cfg), "input_size": list(cfg.input_size)},
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "python": platform.python_version()},
        "data": {
            "train_images": cfg.n_train,
            "train_people": train_summary["people"],
            "val_images": n_val_images,
            "val_people": sum(1 for a in val["annotations"] if a.get("num_keypoints", 0) > 0),
        },
        "training": {k: train_summary[k] for k in ("params", "steps", "loss", "seconds")},
        "calibration": calib_meta,
        "models": {
            name: {
                "file": f"models/model_{name}.tflite",
                "size_bytes": rep_["size_bytes"],
                "ops": rep_["ops"],
                "inputs": rep_["inputs"],
                "outputs": rep_["outputs"],
            }
            for name, rep_ in (("fp32", fp32), ("int8", int8))
        },
        "accuracy": accuracy,
        "ap_drop_int8": round(accuracy["fp32"]["AP"] - accuracy["int8"]["AP"], 4),
        "latency": latency,
        "stages_seconds": timer.stages,
        "wall_seconds": round(time.perf_counter() - t_start, 1),
    }
    atomic_write_json(out / "report.json", report)
    atomic_write_text(out / "report.md", pipeline_markdown(report))
    return report


def _draw_predictions(estimator, coco: dict, images_dir: Path, path: Path, n: int = 12) -> None:
    by_image: dict[int, list] = {}
    for a in coco["annotations"]:
        if a.get("num_keypoints", 0) > 0:
            by_image.setdefault(a["image_id"], []).append(a["bbox"])
    drawn = []
    for im in coco["images"][:n]:
        img = load_rgb(images_dir / im["file_name"])
        for pose in estimator.predict(img, by_image.get(im["id"], [])) if im["id"] in by_image else []:
            img = draw_pose(img, pose.keypoints, pose.scores)
        drawn.append(img)
    png = encode_png(tile(drawn, cols=4))
    atomic_write(path, lambda p: p.write_bytes(png))
