import pytest

from edgepose.errors import EdgeposeError
from edgepose.fsutil import atomic_write, prepare_output_dir, read_json


def test_existing_output_folder_needs_force(tmp_path):
    out = prepare_output_dir(tmp_path / "out")
    (out / "keep.txt").write_text("precious")
    with pytest.raises(EdgeposeError, match="pass `force`"):  # the library names its parameter
        prepare_output_dir(out)
    assert (out / "keep.txt").read_text() == "precious"
    prepare_output_dir(out, force=True)
    assert [p.name for p in out.iterdir()] == [".edgepose-output"]


def test_empty_existing_folder_is_fine(tmp_path):
    assert prepare_output_dir(tmp_path) == tmp_path


def test_failed_atomic_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")

    def boom(p):
        p.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_read_json_names_corrupt_files(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{nope")
    with pytest.raises(EdgeposeError, match="not valid JSON"):
        read_json(bad)


def test_force_only_replaces_edgepose_outputs(tmp_path):
    out = tmp_path / "mine"
    prepare_output_dir(out)
    (out / "result.txt").write_text("old run")
    prepare_output_dir(out, force=True)  # ours (it carries the marker): emptied
    assert not (out / "result.txt").exists()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "photo.jpg").write_bytes(b"precious")
    with pytest.raises(EdgeposeError, match="did not write"):
        prepare_output_dir(theirs, force=True)
    assert (theirs / "photo.jpg").read_bytes() == b"precious"


@pytest.mark.parametrize(
    "relation, expected",
    [("same", "is the input"), ("parent", "contains the input"), ("inside", "lies inside the input folder")],
)
def test_out_must_lie_apart_from_inputs(tmp_path, relation, expected):
    from edgepose.fsutil import check_apart

    images = tmp_path / "data" / "images"
    images.mkdir(parents=True)
    out = {"same": images, "parent": tmp_path / "data", "inside": images / "out"}[relation]
    with pytest.raises(EdgeposeError, match=expected):
        check_apart(out, [None, images])
    assert check_apart(tmp_path / "elsewhere", [images]) == (tmp_path / "elsewhere").resolve()


def test_output_folder_is_all_or_nothing(tmp_path):
    from edgepose.fsutil import OUTPUT_MARKER, output_folder

    out = tmp_path / "out"
    with output_folder(out) as folder:
        (folder / "a.txt").write_text("first")
        assert not out.exists()  # built aside
    assert (out / "a.txt").read_text() == "first" and (out / OUTPUT_MARKER).is_file()
    with pytest.raises(RuntimeError):
        with output_folder(out, force=True) as folder:
            (folder / "a.txt").write_text("half")
            raise RuntimeError("crash midway")
    assert (out / "a.txt").read_text() == "first"  # the old result stays whole
    with pytest.raises(EdgeposeError, match="pass `force`"):
        with output_folder(out):
            pass
    with output_folder(out, force=True) as folder:
        (folder / "b.txt").write_text("second")
    assert sorted(p.name for p in out.iterdir()) == sorted([OUTPUT_MARKER, "b.txt"])
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary or lock files left


def test_second_writer_to_one_out_gets_one_line(tmp_path):
    from edgepose.fsutil import output_file, output_folder

    out = tmp_path / "out"
    with output_folder(out) as _:
        with pytest.raises(EdgeposeError, match="another edgepose run is writing"):
            with output_folder(out):
                pass
    target = tmp_path / "m.tflite"
    with output_file(target) as tmp:
        tmp.write_bytes(b"x")
        with pytest.raises(EdgeposeError, match="another edgepose run"):
            with output_file(target, force=True):
                pass
    assert target.read_bytes() == b"x"


@pytest.mark.parametrize(
    "text, expected",
    [("[" * 100_000 + "]" * 100_000, "nests too deeply"), ('{"a": 1e400}', "out of range"), ('{"a": ' + "9" * 400 + "}", "out of range"),  # noqa: E501
     ('{"a": NaN}', "not a number"), ('{"a": Infinity}', "not a number")],
)  # fmt: skip
def test_read_json_is_bounded_and_strict(tmp_path, text, expected):
    bad = tmp_path / "x.json"
    bad.write_text(text)
    with pytest.raises(EdgeposeError, match=expected):
        read_json(bad)
    bad.write_text('{"name": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "v": 1.5e-07}')
    assert read_json(bad) == {"name": "[" * 71, "v": 1.5e-07}
    bad.write_text('{"loss": 0.0055939675718545915, "tiny": 1e-120, "n": -123456789012345678}')  # long fractions are fine
    assert read_json(bad)["loss"] == 0.0055939675718545915


def test_check_output_folder_refuses_before_the_work(tmp_path):
    from edgepose.fsutil import OUTPUT_MARKER, check_output_folder

    fresh = tmp_path / "new"
    check_output_folder(fresh, force=False)
    assert not fresh.exists()  # a check only: nothing is created
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "result.json").write_text("{}")
    with pytest.raises(EdgeposeError, match="`force`"):
        check_output_folder(taken, force=False)
    with pytest.raises(EdgeposeError, match="did not write"):
        check_output_folder(taken, force=True)  # not edgepose's own folder
    (taken / OUTPUT_MARKER).write_text("")
    check_output_folder(taken, force=True)
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(EdgeposeError):
        check_output_folder(data / "report", force=False, inputs=[data])
