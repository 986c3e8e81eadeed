import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.codec import GaussianHeatmapCodec, UDPHeatmapCodec, flip_heatmaps_back
from edgepose.keypoints import flip_index

CODEC = GaussianHeatmapCodec(input_size=(96, 128), heatmap_size=(24, 32), sigma=1.5, refine="quarter")
DARK = GaussianHeatmapCodec(input_size=(96, 128), heatmap_size=(24, 32), sigma=2.0, refine="dark")
UDP = UDPHeatmapCodec(input_size=(96, 128), heatmap_size=(24, 32), sigma=2.0, refine="dark")
coords = st.tuples(st.floats(0, 95), st.floats(0, 127))


@settings(max_examples=60, deadline=None)
@given(st.lists(coords, min_size=17, max_size=17))
def test_encode_decode_round_trip_within_a_quarter_heatmap_pixel(points):
    kps = np.array(points)
    heatmaps, weights = CODEC.encode(kps, np.ones(17))
    assert heatmaps.shape == (32, 24, 17) and heatmaps.dtype == np.float32
    assert np.all(weights == 1)
    decoded, scores = CODEC.decode(heatmaps)
    # argmax is within half a heatmap pixel, the quarter step keeps the error under 0.5 px (x stride)
    assert np.abs(decoded - kps).max() <= 0.5 * CODEC.stride + 1e-6
    assert np.all(scores > 0.7)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(26, 69), st.floats(26, 101)), min_size=17, max_size=17))
def test_dark_decoding_recovers_interior_keypoints_almost_exactly(points):
    # interior: at least 3 sigma (6 heatmap px = 24 input px) from the heatmap border
    kps = np.array(points)
    heatmaps, _ = DARK.encode(kps, np.ones(17))
    decoded, _ = DARK.decode(heatmaps)
    assert np.abs(decoded - kps).max() < 0.1  # input pixels; argmax alone is off by up to 2


@settings(max_examples=40, deadline=None)
@given(st.lists(coords, min_size=17, max_size=17))
def test_dark_is_never_worse_than_half_a_heatmap_pixel(points):
    kps = np.array(points)
    decoded, _ = DARK.decode(DARK.encode(kps, np.ones(17))[0])
    assert np.abs(decoded - kps).max() <= 0.5 * DARK.stride + 1e-6


def test_unlabelled_and_far_outside_keypoints_get_zero_weight():
    kps = np.tile([[40.0, 60.0]], (17, 1))
    kps[3] = [-100, 50]
    weights = np.ones(17)
    weights[5] = 0
    heatmaps, tw = CODEC.encode(kps, weights)
    assert tw[3] == 0 and tw[5] == 0 and tw[0] == 1
    assert heatmaps[..., 3].max() == 0 and heatmaps[..., 5].max() == 0


@pytest.mark.parametrize("codec", [CODEC, UDP])
@settings(max_examples=30, deadline=None)
@given(points=st.lists(coords, min_size=17, max_size=17))
def test_flipping_the_input_is_flipping_the_heatmaps(codec, points):
    kps = np.array(points)
    flipped = kps[flip_index()].copy()
    flipped[:, 0] = codec.input_size[0] - 1 - flipped[:, 0]
    hm, _ = codec.encode(kps, np.ones(17))
    hm_flipped, _ = codec.encode(flipped, np.ones(17))
    np.testing.assert_allclose(flip_heatmaps_back(hm_flipped), hm, atol=1e-6)


@pytest.mark.parametrize("codec", [CODEC, DARK])
def test_batched_decode_matches_single(codec):
    rng = np.random.default_rng(0)
    hms = rng.random((3, 32, 24, 17)).astype(np.float32)
    kb, sb = codec.decode(hms)
    for i in range(3):
        k1, s1 = codec.decode(hms[i])
        np.testing.assert_allclose(kb[i], k1)
        np.testing.assert_allclose(sb[i], s1)


def test_refinement_is_what_makes_decoding_sub_pixel():
    """At heatmap resolution: DARK recovers random sub-pixel locations within 0.05 px; the bare
    argmax is off by 0.2 px or more on average (so the refinement does the work)."""
    rng = np.random.default_rng(0)
    hm_xy = rng.uniform([7, 7], [16, 24], size=(200, 2))  # heatmap px, >= 3 sigma from the border
    errors = {}
    for refine in ("dark", "none"):
        codec = GaussianHeatmapCodec((96, 128), (24, 32), sigma=2.0, refine=refine)
        err = []
        for chunk in hm_xy.reshape(-1, 10, 2):
            kps = np.repeat(codec.to_input(chunk), 2, axis=0)[:17]
            decoded, _ = codec.decode(codec.encode(kps, np.ones(17))[0])
            err.append(np.linalg.norm(codec.to_heatmap(decoded) - codec.to_heatmap(kps), axis=1))
        errors[refine] = np.concatenate(err)
    assert errors["dark"].max() < 0.05
    assert errors["none"].mean() >= 0.2


def test_flip_of_a_flip_is_identity():
    rng = np.random.default_rng(1)
    hm = rng.random((2, 32, 24, 17)).astype(np.float32)
    np.testing.assert_array_equal(flip_heatmaps_back(flip_heatmaps_back(hm)), hm)


def test_flipped_sample_decodes_to_the_mirrored_ground_truth():
    """Through the real sample path: crop, flip with left/right swap, encode, decode."""
    from edgepose.data.samples import Augment, make_sample

    rng = np.random.default_rng(2)
    image = rng.integers(0, 255, (240, 200, 3), dtype=np.uint8)
    kps = np.zeros((17, 3))
    kps[:, 0] = rng.uniform(70, 130, 17)
    kps[:, 1] = rng.uniform(60, 180, 17)
    kps[:, 2] = 2
    record = {"bbox": [60.0, 50.0, 80.0, 140.0], "keypoints": kps}
    plain = Augment(flip_prob=0.0, scale=(1, 1), rotation_deg=0, rotation_prob=0)
    flipped = Augment(flip_prob=1.0, scale=(1, 1), rotation_deg=0, rotation_prob=0)
    crop, hm, _ = make_sample(image, record, DARK, np.random.default_rng(3), plain)
    crop_f, hm_f, _ = make_sample(image, record, DARK, np.random.default_rng(3), flipped)
    np.testing.assert_array_equal(crop_f, crop[:, ::-1])
    truth, _ = DARK.decode(hm)
    mirrored = truth[flip_index()].copy()
    mirrored[:, 0] = DARK.input_size[0] - 1 - mirrored[:, 0]
    decoded_f, _ = DARK.decode(hm_f)
    np.testing.assert_allclose(decoded_f, mirrored, atol=1e-3)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(26, 69), st.floats(26, 101)), min_size=17, max_size=17))
def test_udp_round_trip(points):
    kps = np.array(points)
    decoded, _ = UDP.decode(UDP.encode(kps, np.ones(17))[0])
    assert np.abs(decoded - kps).max() < 0.1
    # corners coincide: input pixel 0 is heatmap pixel 0, the last input pixel the last heatmap pixel
    np.testing.assert_allclose(UDP.to_heatmap(np.array([[0.0, 0.0], [95.0, 127.0]])), [[0, 0], [23, 31]])


def test_keras_estimator_decodes_with_the_codec_it_is_given():
    """load_estimator(model.keras, codec="udp") used to decode Gaussian silently."""
    pytest.importorskip("tensorflow")
    from edgepose.codec import codec_name
    from edgepose.errors import EdgeposeError
    from edgepose.estimators import load_estimator
    from edgepose.models.saved import load_model
    from edgepose.pretrained import pretrained_keras

    model = load_model(pretrained_keras())  # a Keras model object carries no contract: the caller's codec rules
    for name in ("gaussian", "udp", "msra"):
        est = load_estimator(model, codec=name)
        assert codec_name(est.codec) == name
    assert codec_name(load_estimator(pretrained_keras()).codec) == "gaussian"  # the file's own contract
    with pytest.raises(EdgeposeError, match="contradicts the contract"):
        load_estimator(pretrained_keras(), codec="udp")


def test_a_registered_codec_is_known_everywhere_by_its_name():
    """A new convention is one class with ``@register_codec``: codec_for, the one name check and the
    contract formulas know it; a duplicate name and an unknown one are refused."""
    import numpy as np
    import pytest

    from edgepose.codec import codec_class, codec_for, codec_name
    from edgepose.codecs import CODECS, HeatmapCodec, check_codec_name, codec_choices, register_codec
    from edgepose.contract import check_codec

    @register_codec("test-shifted")
    class Shifted(HeatmapCodec):
        formula = "x_in = x_hm * stride + 1"

        def to_heatmap(self, xy):
            return (np.asarray(xy, np.float64) - 1) / self.stride

        def to_input(self, xy_hm):
            return np.asarray(xy_hm, np.float64) * self.stride + 1

    try:
        codec = codec_for((64, 64), name="test-shifted", refine="none")
        assert codec_name(codec) == "test-shifted" and codec_class("test-shifted") is Shifted
        assert check_codec("test-shifted") == "test-shifted" and "test-shifted" in codec_choices()
        hm, _ = codec.encode(np.array([[21.0, 33.0]]), np.ones(1))
        assert codec.decode(hm)[0][0] == pytest.approx([21.0, 33.0])
        with pytest.raises(ValueError, match="registered twice"):
            register_codec("test-shifted")(Shifted)
    finally:
        CODECS.pop("test-shifted", None)
    with pytest.raises(ValueError, match="unknown codec 'nope'; choose one of: gaussian, udp, msra"):
        check_codec_name("nope")


def test_refinements_are_registered_functions():
    import numpy as np
    import pytest

    from edgepose.codec import codec_for
    from edgepose.codecs import REFINEMENTS, register_refinement

    assert {"dark", "quarter", "none"} <= set(REFINEMENTS)

    @register_refinement("test-half")
    def half(planes, xs, ys, sigma):
        return np.full(xs.shape + (2,), 0.5)

    try:
        hm = np.zeros((16, 16, 1), np.float32)
        hm[5, 7, 0] = 1.0
        kps, _ = codec_for((64, 64), name="msra", refine="test-half").decode(hm)
        assert kps[0] == pytest.approx([(7 + 0.5) * 4, (5 + 0.5) * 4])
    finally:
        REFINEMENTS.pop("test-half")
    with pytest.raises(ValueError, match="unknown refine 'test-half'"):
        codec_for((64, 64), refine="test-half").decode(hm)
