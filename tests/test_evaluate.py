import json

import numpy as np
import pytest

pytest.importorskip("pycocotools")

from edgepose.evaluate import evaluate  # noqa: E402


def _gt_as_predictions(path, noise=0.0, seed=0):
    coco = json.loads(path.read_text())
    rng = np.random.default_rng(seed)
    preds = []
    for ann in coco["annotations"]:
        if ann["num_keypoints"] == 0:
            continue
        kps = np.array(ann["keypoints"], dtype=float).reshape(17, 3)
        kps[:, :2] += rng.normal(0, noise, (17, 2))
        kps[:, 2] = 1.0
        preds.append({"image_id": ann["image_id"], "category_id": 1, "keypoints": kps.ravel().tolist(), "score": 1.0})
    return preds


def test_ground_truth_as_predictions_scores_ap_one(synth_set):
    stats = evaluate(_gt_as_predictions(synth_set["json"]), synth_set["json"])
    assert stats["AP"] == pytest.approx(1.0) and stats["AR"] == pytest.approx(1.0)


def test_noisy_predictions_score_lower(synth_set):
    exact = evaluate(_gt_as_predictions(synth_set["json"]), synth_set["json"])["AP"]
    noisy = evaluate(_gt_as_predictions(synth_set["json"], noise=6.0), synth_set["json"])["AP"]
    assert noisy < exact - 0.1
