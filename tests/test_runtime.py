import subprocess
import sys
import textwrap

import numpy as np
import pytest

from edgepose.errors import EdgeposeError

pytestmark = pytest.mark.slow


def test_runtime_imports_and_runs_without_tensorflow(tiny_run, synth_set):
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["tensorflow"] = None  # any 'import tensorflow' now fails
        from edgepose.runtime import PoseEstimator, open_pose_model
        from edgepose.predict import predict
        from edgepose.edgetpu import edgetpu_check
        from edgepose.transforms import load_rgb
        from edgepose.data.coco import load_coco, person_records
        rec = person_records(load_coco({str(synth_set["json"])!r}), {str(synth_set["images"])!r})[0]
        est = PoseEstimator({str(tiny_run["int8"])!r})
        poses = est.predict(load_rgb(rec["file"]), [rec["bbox"]])
        assert poses[0].keypoints.shape == (17, 2)
        assert "tensorflow" not in sys.modules or sys.modules["tensorflow"] is None
        print("ok")
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().endswith("ok")


def test_int8_and_fp32_agree_on_heatmaps(tiny_run, synth_set):
    from edgepose.data.coco import load_coco, person_records
    from edgepose.runtime import PoseEstimator
    from edgepose.transforms import crop_person, load_rgb

    fp32, int8 = PoseEstimator(tiny_run["fp32"]), PoseEstimator(tiny_run["int8"])
    assert fp32.contract.input_size == int8.contract.input_size == (64, 64)
    assert int8.contract.heatmap_size == (16, 16) and int8.contract.stride == 4
    rec = person_records(load_coco(synth_set["json"]), synth_set["images"])[0]
    crop, _ = crop_person(load_rgb(rec["file"]), rec["bbox"], (64, 64))
    a, b = fp32.heatmaps(crop), int8.heatmaps(crop)
    assert a.shape == b.shape == (16, 16, 17)
    # quantization error is a small fraction of the heatmap range
    assert np.abs(a - b).max() < 0.1 * (np.abs(a).max() + 1e-6) + 2 * int8.contract.output_quant[0]


def test_predict_maps_back_to_image_coordinates(tiny_run):
    from edgepose.runtime import PoseEstimator

    est = PoseEstimator(tiny_run["int8"])
    img = np.zeros((300, 200, 3), np.uint8)
    box = [50.0, 100.0, 40.0, 80.0]
    pose = est.predict(img, [box])[0]
    # every decoded keypoint lies inside the padded crop region around the box
    cx, cy = 70.0, 140.0
    half = 80 * 1.25 / 2 + 1
    assert np.all(np.abs(pose.keypoints[:, 0] - cx) <= half) and np.all(np.abs(pose.keypoints[:, 1] - cy) <= half)
    whole = est.predict(img)  # no boxes: whole frame is one person
    assert len(whole) == 1 and whole[0].box == [0.0, 0.0, 200.0, 300.0]


def test_flip_test_changes_nothing_on_a_symmetric_image(tiny_run):
    from edgepose.runtime import PoseEstimator

    plain, flip = PoseEstimator(tiny_run["fp32"]), PoseEstimator(tiny_run["fp32"], flip_test=True)
    img = np.full((64, 64, 3), 128, np.uint8)
    assert plain.heatmaps(img).shape == flip.heatmaps(img).shape


def test_missing_model_is_one_clear_error(tmp_path):
    from edgepose.runtime import PoseEstimator

    with pytest.raises(EdgeposeError, match="not found"):
        PoseEstimator(tmp_path / "nope.tflite")
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(EdgeposeError, match="cannot load"):
        PoseEstimator(junk)


def test_latency_bench_reports_benchmark_model_figures(tiny_run):
    from edgepose.bench import bench_latency

    r = bench_latency(tiny_run["int8"], threads=1, warmup=2, runs=5)
    for key in ("load_ms", "first_ms", "mean_ms", "median_ms", "p90_ms", "p99_ms", "std_ms", "min_ms", "max_ms", "peak_rss_mib"):
        assert r[key] >= 0
    assert r["min_ms"] <= r["median_ms"] <= r["max_ms"]
