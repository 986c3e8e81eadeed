import numpy as np

from edgepose.keypoints import COCO_KEYPOINTS, FLIP_PAIRS, NUM_KEYPOINTS, OKS_SIGMAS, PERSON_CATEGORY, SKELETON, flip_index


def test_seventeen_named_keypoints_with_sigmas():
    assert NUM_KEYPOINTS == 17 == len(set(COCO_KEYPOINTS)) == OKS_SIGMAS.shape[0]
    assert COCO_KEYPOINTS[0] == "nose" and COCO_KEYPOINTS[-1] == "right_ankle"
    # pycocotools' default sigmas
    assert np.isclose(OKS_SIGMAS[0], 0.026) and np.isclose(OKS_SIGMAS[11], 0.107)


def test_flip_pairs_swap_left_and_right_names():
    perm = flip_index()
    assert np.array_equal(perm[perm], np.arange(NUM_KEYPOINTS))  # an involution
    for a, b in FLIP_PAIRS:
        assert COCO_KEYPOINTS[a].replace("left_", "right_") == COCO_KEYPOINTS[b]
    unpaired = {i for i in range(NUM_KEYPOINTS) if perm[i] == i}
    assert unpaired == {0}


def test_skeleton_is_valid_and_symmetric_under_flip():
    perm = flip_index()
    limbs = {frozenset(limb) for limb in SKELETON}
    assert all(0 <= a < NUM_KEYPOINTS and 0 <= b < NUM_KEYPOINTS and a != b for a, b in SKELETON)
    assert {frozenset((perm[a], perm[b])) for a, b in SKELETON} == limbs
    assert PERSON_CATEGORY["skeleton"][0] == [SKELETON[0][0] + 1, SKELETON[0][1] + 1]
