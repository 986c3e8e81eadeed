"""Hostile and careless use, round 2 (issue 27): each case ends in one line and a non-zero exit, or in
a correct result, and changes no input. The CLI runs in-process (see tests/test_hostile.py)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_hostile import _checksums, _doc, _person, _run

from edgepose.pretrained import pretrained_keras, pretrained_tflite


@pytest.fixture(scope="module")
def box(tmp_path_factory) -> Path:
    """inputs/: the shipped models, a one-person image stored upright and the same photo stored
    rotated with EXIF orientation 6, hostile annotation files and predictions."""
    import cv2

    root = tmp_path_factory.mktemp("hostile2")
    inp = root / "inputs"
    (inp / "upright").mkdir(parents=True)
    (inp / "rotated").mkdir()
    (root / "out").mkdir()
    rng = np.random.default_rng(3)
    img = cv2.GaussianBlur(rng.integers(0, 255, (140, 100, 3), dtype=np.uint8), (0, 0), 3)
    cv2.rectangle(img, (40, 20), (60, 120), (250, 250, 250), -1)  # something to find
    cv2.imwrite(str(inp / "upright" / "1.png"), img)  # PNG (with an eXIf chunk below): lossless, same pixels
    pil = pytest.importorskip("PIL.Image")
    # stored rotated 90 degrees counter-clockwise; orientation 6 tells readers to turn it clockwise
    exif = pil.Exif()
    exif[0x0112] = 6
    stored = np.ascontiguousarray(np.rot90(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), 1))
    pil.fromarray(stored).save(inp / "rotated" / "1.png", exif=exif.tobytes())
    images = [{"id": 1, "file_name": "1.png", "width": 100, "height": 140}]
    good = _doc(images, [_person(1, 1)])
    perfect = [{"image_id": 1, "category_id": 1, "keypoints": _person(1, 1)["keypoints"], "score": 1.0}]
    files = {
        "good.json": good,
        "id0.json": _doc(images, [_person(0, 1)]),
        "crowd_yes.json": _doc(images, [_person(1, 1, iscrowd="yes")]),
        "str_kps.json": _doc(images, [_person(1, 1, keypoints=[str(v) for v in _person(1, 1)["keypoints"]])]),
        "outside.json": _doc(images, [{**_person(1, 1), "keypoints": [5000.0, 5000.0, 2] * 17}]),
        "text_image.json": _doc([{**images[0], "file_name": "notes.jpg"}], [_person(1, 1)]),
        "preds_perfect.json": perfect,
        "preds_cat7.json": [{**p, "category_id": 7} for p in perfect],
    }
    for name, doc in files.items():
        (inp / name).write_text(json.dumps(doc))
    (inp / "upright" / "notes.jpg").write_text("these are my notes, not a photo\n")
    shutil.copy(pretrained_tflite(), inp / "model.tflite")
    shutil.copy(pretrained_keras(), inp / "model.keras")
    data = pretrained_keras().read_bytes()
    (inp / "truncated.keras").write_bytes(data[: len(data) // 3])
    (inp / "empty.onnx").write_bytes(b"")
    os.symlink(inp / "loop_b.tflite", inp / "loop_a.tflite")
    os.symlink(inp / "loop_a.tflite", inp / "loop_b.tflite")
    return root


def _args(box: Path, argv: list[str], case: str) -> list[str]:
    return [a.format(**{"in": box / "inputs", "out": box / "out" / case}) for a in argv]


ONE_LINE_CASES = [
    ("max-ap-drop-nan", ["quantize", "{in}/model.keras", "--format", "fp32", "--out", "{out}.tflite",
                         "--val", "{in}/good.json", "--val-images", "{in}/upright", "--max-ap-drop", "nan"], "max-ap-drop"),
    ("max-ap-drop-negative", ["quantize", "{in}/model.keras", "--format", "fp32", "--out", "{out}.tflite",
                              "--val", "{in}/good.json", "--val-images", "{in}/upright", "--max-ap-drop", "-1"], "from 0 to 1"),
    ("eval-category-7", ["eval", "{in}/preds_cat7.json", "--gt", "{in}/good.json"], "category_id 7"),
    ("check-iscrowd-yes", ["data", "check", "{in}/crowd_yes.json", "--images", "{in}/upright"], "iscrowd"),
    ("check-string-keypoints", ["data", "check", "{in}/str_kps.json", "--images", "{in}/upright"], "not finite numbers"),
    ("eval-keypoints-outside", ["eval", "{in}/preds_perfect.json", "--gt", "{in}/outside.json"], "outside its image"),
    ("accuracy-keypoints-outside", ["bench", "accuracy", "{in}/model.tflite", "--data", "{in}/outside.json",
                                    "--images", "{in}/upright"], "outside its image"),
    ("train-text-file-image", ["train", "{in}/text_image.json", "--images", "{in}/upright", "--out", "{out}",
                               "--epochs", "1", "--batch", "1"], "notes.jpg"),
    ("convert-empty-onnx", ["convert", "{in}/empty.onnx", "--out", "{out}.tflite", "--format", "fp32"], "empty (0 bytes)"),
    ("quantize-truncated-keras", ["quantize", "{in}/truncated.keras", "--format", "fp32", "--out", "{out}.tflite"],
     "not a .keras zip archive"),
    ("predict-symlink-loop", ["predict", "{in}/loop_a.tflite", "{in}/upright", "--out", "{out}"], "symbolic link"),
    ("latency-symlink-loop", ["bench", "latency", "{in}/loop_a.tflite"], "symbolic link"),
    ("quantize-symlink-loop", ["quantize", "{in}/loop_a.tflite", "--format", "fp32", "--out", "{out}.tflite"], "symbolic link"),
]  # fmt: skip


@pytest.mark.parametrize("case, argv, expected", ONE_LINE_CASES, ids=[c[0] for c in ONE_LINE_CASES])
def test_one_line_and_nonzero_exit(box, capsys, case, argv, expected):
    before = _checksums(box / "inputs")
    code, out, err = _run(_args(box, argv, case), capsys)
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("✓")]
    assert "Traceback" not in err
    assert code != 0 and len(lines) == 1, err
    assert expected in lines[0], lines[0]
    assert _checksums(box / "inputs") == before


def _results(folder: Path) -> list[dict]:
    return json.loads((folder / "results.json").read_text())


def test_exif_orientation_is_applied_so_predict_coco_scores_as_upright(box, capsys):
    """A photo stored rotated (EXIF orientation 6, as phones write it) with its JSON's width/height upright: predict
    --coco gives the same keypoints as the same photo stored upright (it gave AP 0.000)."""
    for name in ("upright", "rotated"):
        code, _, err = _run(_args(box, ["predict", "{in}/model.tflite", "{in}/" + name, "--coco", "{in}/good.json",
                                        "--out", "{out}"], f"exif-{name}"), capsys)  # fmt: skip
        assert code == 0, err
    up, rot = _results(box / "out" / "exif-upright"), _results(box / "out" / "exif-rotated")
    a = np.array(up[0]["keypoints"]).reshape(17, 3)[:, :2]
    b = np.array(rot[0]["keypoints"]).reshape(17, 3)[:, :2]
    np.testing.assert_array_equal(a, b)  # the same pixels once turned upright
    # whole-frame predict sees the upright frame too: its box is the 100x140 image, not 140x100
    code, _, err = _run(_args(box, ["predict", "{in}/model.tflite", "{in}/rotated/1.png", "--detector", "none", "--out", "{out}"],
                              "exif-frame"), capsys)  # fmt: skip
    assert code == 0, err
    frame = json.loads((box / "out" / "exif-frame" / "results.json").read_text())[0]
    assert frame["bbox"][2:] == pytest.approx([100, 140], abs=1)


def test_annotation_id_zero_scores_a_perfect_prediction_as_one(box, capsys):
    code, out, err = _run(_args(box, ["eval", "{in}/preds_perfect.json", "--gt", "{in}/id0.json", "--json"], "id0"), capsys)
    assert code == 0, err
    assert json.loads(out)["AP"] == pytest.approx(1.0)  # pycocotools read id 0 as unmatched: 0.909-0.961


def test_out_on_an_empty_folder_or_mount_point_is_written_in_place(box, capsys, monkeypatch):
    """A Docker volume or USB stick: the folder itself cannot be removed or renamed (EBUSY). The
    report goes into it (it was a traceback from rmdir)."""
    target = box / "out" / "volume"
    target.mkdir()
    real_ismount, real_rmdir, real_replace = os.path.ismount, os.rmdir, os.replace

    def busy(path, *args):
        if Path(path) == target:
            raise OSError(errno.EBUSY, "Device or resource busy", str(path))

    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == target or real_ismount(p))
    monkeypatch.setattr(os, "rmdir", lambda p, *a, **k: busy(p) or real_rmdir(p, *a, **k))
    monkeypatch.setattr(os, "replace", lambda s, d, *a, **k: busy(s) or busy(d) or real_replace(s, d, *a, **k))
    argv = ["bench", "accuracy", "{in}/model.tflite", "--data", "{in}/good.json", "--images", "{in}/upright",
            "--out", str(target)]  # fmt: skip
    code, _, err = _run(_args(box, argv, "volume"), capsys)
    assert code == 0, err
    assert (target / "accuracy.json").is_file() and not [p for p in target.iterdir() if ".partial-" in p.name]
    code, _, err = _run(_args(box, argv + ["--force"], "volume"), capsys)  # again, over its own output
    assert code == 0, err
    assert (target / "accuracy.json").is_file()


@pytest.mark.parametrize(
    "argv",
    [
        ["quantize", "{in}/model.keras", "--format", "fp32", "--out", "{out}.tflite"],
        ["predict", "{in}/model.tflite", "{in}/upright", "--out", "{out}"],
        ["bundle", "{in}/model.tflite", "--out", "{out}"],
        ["calib", "build", "--synthetic", "--out", "{out}", "-n", "4"],
    ],
    ids=["quantize", "predict", "bundle", "calib-build"],
)
def test_disk_full_is_one_line_and_leaves_nothing(box, capsys, monkeypatch, argv):
    """ENOSPC while writing the output: one line that says so, no traceback, no partial file."""
    import edgepose.fsutil as fsutil

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "output")

    monkeypatch.setattr(fsutil.os, "replace", full)
    case = "full-" + argv[0]
    before = set((box / "out").iterdir())
    code, _, err = _run(_args(box, argv, case), capsys)
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("✓")]
    assert code != 0 and "Traceback" not in err and len(lines) == 1, err
    assert "No space left on device" in lines[0]
    assert set((box / "out").iterdir()) == before  # no partial output, no temporary leftovers


def test_a_killed_writers_temporary_file_is_swept(box, capsys):
    """quantize killed mid-way leaves ``.<name>.<pid>.*`` beside the output; the next write removes it
    (the pid is dead), while a live writer's file is kept."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = box / "out" / "swept.tflite"
    stale = out.parent / f".{out.name}.{dead.pid}.abc123.tflite"
    stale.write_bytes(b"")
    live = out.parent / f".{out.name}.{os.getpid()}.zzz.tflite"
    live.write_bytes(b"")
    code, _, err = _run(_args(box, ["quantize", "{in}/model.keras", "--format", "fp32", "--out", str(out)], "swept"), capsys)
    assert code == 0, err
    assert out.is_file() and not stale.exists() and live.exists()
    live.unlink()


def test_read_only_out_is_refused_before_the_work(box, capsys, monkeypatch):
    """A read-only mount as --out: one line, before any model runs (root ignores permission bits, so
    the file system's EROFS is simulated)."""
    import tempfile

    import edgepose.bench.accuracy as accuracy

    target = box / "out" / "readonly"
    target.mkdir()
    real = tempfile.NamedTemporaryFile

    def erofs(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == target:
            raise OSError(errno.EROFS, "Read-only file system", str(dir))
        return real(*args, dir=dir, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("the model ran before the output folder was checked")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", erofs)
    monkeypatch.setattr(accuracy, "predict_coco", never)
    argv = ["bench", "accuracy", "{in}/model.tflite", "--data", "{in}/good.json", "--images", "{in}/upright",
            "--out", str(target)]  # fmt: skip
    code, _, err = _run(_args(box, argv, "readonly"), capsys)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0 and len(lines) == 1 and "Read-only file system" in lines[0], err


MOVENET = Path(__file__).resolve().parents[1].parent / "shared" / "peers" / "movenet_single_pose_lightning_ptq.tflite"


@pytest.mark.skipif(not MOVENET.is_file(), reason=f"MoveNet not found at {MOVENET}")
def test_flip_on_a_model_that_cannot_flip_is_refused(box, capsys):
    """``bench accuracy --flip`` on MoveNet reported flip_test true and applied nothing."""
    argv = ["bench", "accuracy", str(MOVENET), "--data", "{in}/good.json", "--images", "{in}/upright", "--flip"]
    code, _, err = _run(_args(box, argv, "flip"), capsys)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0 and len(lines) == 1 and "flip" in lines[0] and "movenet" in lines[0], err
