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


def test_pck_is_one_for_ground_truth_and_drops_with_noise(synth_set):
    exact = evaluate(_gt_as_predictions(synth_set["json"]), synth_set["json"])
    noisy = evaluate(_gt_as_predictions(synth_set["json"], noise=25.0), synth_set["json"])
    assert exact["PCK_bbox"] == pytest.approx(1.0) and exact["PCK_torso"] == pytest.approx(1.0)
    assert noisy["PCK_bbox"] < 0.9
    assert exact["per_keypoint"]["nose"]["PCK_bbox"] == pytest.approx(1.0)
    assert exact["people"] == noisy["people"] > 0


def test_absent_keypoints_are_left_out_of_pck(synth_set, tmp_path):
    coco = json.loads(synth_set["json"].read_text())
    coco["info"]["available_keypoints"] = list(range(5, 17))  # pretend: no face points in this dataset
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps(coco))
    preds = _gt_as_predictions(synth_set["json"])
    for p in preds:
        p["keypoints"][:15] = [0.0] * 15  # face predictions far off
    stats = evaluate(preds, gt)
    assert stats["PCK_bbox"] == pytest.approx(1.0)
    assert stats["per_keypoint"]["nose"]["PCK_bbox"] is None and stats["per_keypoint"]["nose"]["n"] == 0


def test_predictions_for_unknown_images_are_refused(synth_set):
    from edgepose.errors import EdgeposeError

    preds = _gt_as_predictions(synth_set["json"])
    preds[0]["image_id"] = 987654
    with pytest.raises(EdgeposeError, match="not in the ground truth"):
        evaluate(preds, synth_set["json"])


def test_per_keypoint_ap_is_one_for_ground_truth_and_drops_only_for_the_moved_keypoint(synth_set):
    coco = json.loads(synth_set["json"].read_text())
    ids = [a["id"] for a in coco["annotations"] if a["num_keypoints"] > 0]
    preds = [{**p, "ann_id": i} for p, i in zip(_gt_as_predictions(synth_set["json"]), ids)]
    exact = evaluate(preds, synth_set["json"])["per_keypoint"]
    assert all(row["AP"] == pytest.approx(1.0) for row in exact.values())
    for p in preds:  # move every nose by 8 px: only the nose's own AP falls
        p["keypoints"][0] += 8.0
    moved = evaluate(preds, synth_set["json"])["per_keypoint"]
    assert moved["nose"]["AP"] < 0.5
    assert moved["left_ankle"]["AP"] == pytest.approx(1.0)


def test_per_keypoint_ap_of_perfect_predictions_is_one_with_or_without_ann_ids(tmp_path):
    """Several people per image, some keypoints unlabelled: the ground truth fed back as predictions
    scores 1.000 on every keypoint (it scored 0.66-0.93 when predictions without ann_id of people
    lacking a keypoint counted as false positives for it)."""
    import json

    import numpy as np

    from edgepose.evaluate import evaluate

    rng = np.random.default_rng(0)
    images, anns = [], []
    for i in range(1, 7):
        images.append({"id": i, "file_name": f"{i}.jpg", "width": 400, "height": 400})
        for j in range(3):
            k = np.zeros((17, 3))
            x0, y0 = 20 + 120 * j, 40 + 10 * i
            k[:, 0], k[:, 1], k[:, 2] = x0 + rng.uniform(0, 80, 17), y0 + rng.uniform(0, 200, 17), 2
            k[rng.random(17) < 0.3] = 0  # unlabelled keypoints, different per person
            anns.append({"id": 10 * i + j, "image_id": i, "category_id": 1, "iscrowd": 0, "bbox": [x0, y0, 80, 200],
                         "area": 16000.0, "num_keypoints": int((k[:, 2] > 0).sum()), "keypoints": k.ravel().tolist()})  # fmt: skip  # noqa: E501
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps({"images": images, "annotations": anns, "categories": [{"id": 1, "name": "person"}]}))
    for with_ids in (False, True):
        preds = [{"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0,
                  **({"ann_id": a["id"]} if with_ids else {})} for a in anns]  # fmt: skip
        stats = evaluate(preds, gt)
        assert stats["AP"] == pytest.approx(1.0)
        assert all(row["AP"] == pytest.approx(1.0) for row in stats["per_keypoint"].values()), stats["per_keypoint"]


@pytest.mark.parametrize(
    "patch, message",
    [("nan", "not finite numbers"), ("noscore", "has no score"), ("strscore", "score that is not a finite number"),
     ("strkps", "not finite numbers"), ("empty", "no predictions to evaluate")],
)  # fmt: skip
def test_evaluation_refuses_nonsense(tmp_path, patch, message):
    from edgepose.errors import EdgeposeError

    images = [{"id": 1, "file_name": "1.jpg", "width": 100, "height": 100}]
    k = [10.0, 10.0, 2] * 17
    gt_doc = {"images": images, "categories": [{"id": 1, "name": "person"}],
              "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "bbox": [0, 0, 50, 50], "area": 2500,
                               "num_keypoints": 17, "keypoints": k}]}  # fmt: skip
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps(gt_doc))
    pred = {"image_id": 1, "category_id": 1, "keypoints": list(k), "score": 0.9}
    if patch == "nan":
        pred["keypoints"][0] = float("nan")
    elif patch == "noscore":
        del pred["score"]
    elif patch == "strscore":
        pred["score"] = "high"
    elif patch == "strkps":
        pred["keypoints"][3] = "x"
    preds = [] if patch == "empty" else [pred]
    with pytest.raises(EdgeposeError, match=message):
        evaluate(preds, gt)
