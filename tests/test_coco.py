import json

import pytest

from edgepose.data.coco import load_coco, new_coco, person_records
from edgepose.errors import EdgeposeError


def _write(tmp_path, coco):
    p = tmp_path / "ann.json"
    p.write_text(json.dumps(coco))
    return p


def _valid():
    coco = new_coco("t")
    coco["images"].append({"id": 1, "file_name": "a.jpg", "width": 10, "height": 10})
    coco["annotations"].append({"id": 1, "image_id": 1, "bbox": [1, 1, 5, 5], "keypoints": [1, 1, 2] * 17, "iscrowd": 0})
    return coco


def test_valid_file_loads_and_flattens(tmp_path):
    records = person_records(load_coco(_write(tmp_path, _valid())), tmp_path)
    assert len(records) == 1 and records[0]["keypoints"].shape == (17, 3)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda c: c["annotations"][0].update(keypoints=[1, 1, 2] * 16), "expected 51"),
        (lambda c: c["annotations"][0].update(keypoints=[1, 1, 3] * 17), "visibility"),
        (lambda c: c["annotations"].append(dict(c["annotations"][0])), "duplicate annotation id"),
        (lambda c: c["images"].append(dict(c["images"][0])), "duplicate image id"),
        (lambda c: c["annotations"][0].update(image_id=9), "unknown image id"),
        (lambda c: c.pop("images"), "not a COCO"),
    ],
)
def test_problems_are_named(tmp_path, mutate, message):
    coco = _valid()
    mutate(coco)
    with pytest.raises(EdgeposeError, match=message):
        load_coco(_write(tmp_path, coco))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(EdgeposeError, match="not found"):
        load_coco(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("[1,")
    with pytest.raises(EdgeposeError, match="not valid JSON"):
        load_coco(tmp_path / "bad.json")


# ---- property tests: whatever is thrown at the reader, it answers with EdgeposeError or a valid document

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
ann_keys = st.sampled_from(["id", "image_id", "keypoints", "bbox", "iscrowd", "num_keypoints", "area"])
img_keys = st.sampled_from(["id", "file_name", "width", "height"])


@st.composite
def mutated_documents(draw):
    coco = _valid()
    coco["images"].append({"id": 2, "file_name": "b.jpg", "width": 20, "height": 30})
    coco["annotations"].append({"id": 2, "image_id": 2, "bbox": [0, 0, 4, 4], "keypoints": [2, 3, 1] * 17, "iscrowd": 0})
    for _ in range(draw(st.integers(1, 4))):
        value = draw(json_values)
        if draw(st.booleans()):
            coco["annotations"][draw(st.integers(0, 1))][draw(ann_keys)] = value
        else:
            coco["images"][draw(st.integers(0, 1))][draw(img_keys)] = value
    if draw(st.integers(0, 4)) == 0:  # sometimes break the top level too
        coco[draw(st.sampled_from(["images", "annotations", "categories"]))] = draw(json_values)
    return coco


def _assert_clean_answer(tmp_path, document):
    from edgepose.errors import EdgeposeError

    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document))
    try:
        coco = load_coco(path)
    except EdgeposeError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    person_records(coco, tmp_path)  # a document that loads must also flatten without error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated_documents())
def test_mutated_documents_never_crash_the_reader(tmp_path, document):
    _assert_clean_answer(tmp_path, document)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_values)
def test_arbitrary_json_never_crashes_the_reader(tmp_path, document):
    _assert_clean_answer(tmp_path, document)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=64))
def test_arbitrary_bytes_never_crash_the_reader(tmp_path, blob):
    from edgepose.errors import EdgeposeError

    path = tmp_path / "blob.json"
    path.write_bytes(blob)
    try:
        load_coco(path)
    except EdgeposeError:
        pass


@pytest.mark.parametrize(
    "file_name, why",
    [("../../victim/x.jpg", "leaves the images folder"), ("/etc/passwd", "absolute path"), ("C:\\\\x.jpg", "absolute path"),
     ("a/../../b.jpg", "leaves the images folder"), ("", "is empty")],
)  # fmt: skip
def test_file_names_that_leave_the_images_folder_are_refused(tmp_path, file_name, why):
    import json

    from edgepose.data.coco import load_coco
    from edgepose.errors import EdgeposeError

    doc = {"images": [{"id": 1, "file_name": file_name}], "annotations": [], "categories": [{"id": 1}]}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    with pytest.raises(EdgeposeError, match=why):
        load_coco(tmp_path / "a.json")


@pytest.mark.parametrize(
    "patch, message",
    [({"info": {"available_keypoints": ["x"]}}, "available_keypoints must be keypoint indices"),
     ({"pseudo": ["nose"]}, "pseudo_keypoints must be keypoint indices"),
     ({"huge": True}, "number out of range")],
)  # fmt: skip
def test_odd_fields_are_one_clear_error(tmp_path, patch, message):
    from edgepose.data.coco import load_coco
    from edgepose.errors import EdgeposeError

    kps = ", ".join(["10, 10, 2"] * 17)
    if patch.get("huge"):
        kps = "1" + "0" * 400 + ", 10, 2, " + ", ".join(["10, 10, 2"] * 16)
    pseudo = ', "pseudo_keypoints": ["nose"]' if "pseudo" in patch else ""
    info = '"info": {"available_keypoints": ["x"]}, ' if "info" in patch else ""
    text = (
        "{" + info + '"images": [{"id": 1, "file_name": "a.jpg"}], "categories": [{"id": 1}], '
        '"annotations": [{"id": 1, "image_id": 1, "bbox": [0, 0, 5, 5], "keypoints": [' + kps + "]" + pseudo + "}]}"
    )
    (tmp_path / "a.json").write_text(text)
    with pytest.raises(EdgeposeError, match=message):
        load_coco(tmp_path / "a.json")
