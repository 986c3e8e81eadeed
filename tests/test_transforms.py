import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.errors import EdgeposeError
from edgepose.transforms import apply_affine, box_to_center_size, crop_person, get_affine, invert_affine, load_rgb

boxes = st.tuples(st.floats(0, 300), st.floats(0, 300), st.floats(5, 300), st.floats(5, 300))


@settings(max_examples=80, deadline=None)
@given(boxes, st.floats(-45, 45), st.lists(st.tuples(st.floats(-50, 600), st.floats(-50, 600)), min_size=1, max_size=10))
def test_affine_and_its_inverse_round_trip(box, rot, points):
    center, size = box_to_center_size(box, 96 / 128)
    m = get_affine(center, size, (96, 128), rot)
    pts = np.array(points)
    back = apply_affine(apply_affine(pts, m), invert_affine(m))
    np.testing.assert_allclose(back, pts, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(boxes)
def test_box_aspect_is_fixed_and_padded(box):
    center, size = box_to_center_size(box, 0.75)
    assert size[0] / size[1] == pytest.approx(0.75)
    assert size[0] >= box[2] * 1.25 - 1e-6 and size[1] >= box[3] * 1.25 - 1e-6
    m = get_affine(center, size, (96, 128))
    np.testing.assert_allclose(apply_affine(center[None], m)[0], [47.5, 63.5], atol=1e-6)


def test_crop_puts_an_image_point_where_the_affine_says():
    img = np.zeros((200, 300, 3), np.uint8)
    img[120, 170] = 255  # a single bright pixel at (x=170, y=120)
    crop, m = crop_person(img, [100, 60, 120, 110], (96, 128))
    expected = apply_affine(np.array([[170.0, 120.0]]), m)[0]
    ys, xs = np.nonzero(crop[..., 0])
    weights = crop[ys, xs, 0].astype(float)
    centroid = np.array([np.average(xs, weights=weights), np.average(ys, weights=weights)])
    np.testing.assert_allclose(centroid, expected, atol=0.35)
    assert crop.shape == (128, 96, 3) and crop.dtype == np.uint8


def test_load_rgb_names_the_problem(tmp_path):
    with pytest.raises(EdgeposeError, match="not found"):
        load_rgb(tmp_path / "missing.jpg")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(EdgeposeError, match="cannot decode"):
        load_rgb(bad)


def test_truncated_images_are_an_error_and_exif_orientation_is_applied(tmp_path):
    """One decode rule everywhere: a cut-short JPEG/PNG is refused (OpenCV only warns), and the
    EXIF orientation is applied on read, pixel for pixel as PIL's ``exif_transpose`` applies it."""
    import cv2
    import pytest

    from edgepose.errors import EdgeposeError

    img = (np.random.default_rng(0).random((60, 40, 3)) * 255).astype(np.uint8)
    jpg = cv2.imencode(".jpg", img)[1].tobytes()
    png = cv2.imencode(".png", img)[1].tobytes()
    (tmp_path / "cut.jpg").write_bytes(jpg[: len(jpg) * 2 // 3])
    (tmp_path / "cut.png").write_bytes(png[:-20])
    (tmp_path / "trailer.jpg").write_bytes(jpg + b"SEFT trailer bytes after the end-of-image marker")
    for name, why in (("cut.jpg", "truncated JPEG"), ("cut.png", "truncated PNG")):
        with pytest.raises(EdgeposeError, match=why):
            load_rgb(tmp_path / name)
    assert load_rgb(tmp_path / "trailer.jpg").shape == (60, 40, 3)
    pil = pytest.importorskip("PIL.Image")
    ops = pytest.importorskip("PIL.ImageOps")
    for orientation in range(1, 9):
        exif = pil.Exif()
        exif[0x0112] = orientation  # 6: rotate 90 degrees when displayed
        pil.fromarray(img).save(tmp_path / "rotated.png", exif=exif.tobytes())
        want = np.asarray(ops.exif_transpose(pil.open(tmp_path / "rotated.png")).convert("RGB"))
        got = load_rgb(tmp_path / "rotated.png")
        assert got.shape == want.shape and (orientation < 5) == (got.shape == (60, 40, 3))
        np.testing.assert_array_equal(got, want)
