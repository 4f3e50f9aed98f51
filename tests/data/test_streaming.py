"""Data larger than memory: user files streamed from disk give the batches the in-memory set gives."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from netbuilder.data import DataError, Dataset, load_dataset, make_loaders
from netbuilder.data import loading as loading_module
from netbuilder.data import scratch
from netbuilder.data.checks import option_problems
from netbuilder.data.dataset import fit_normalization
from netbuilder.data.memory import choose_storage
from netbuilder.data.progress import BadSample, LoadProgress, TextProgress
from netbuilder.data.stream_stats import Moments, normalization_from, reduced_axes
from netbuilder.data.streaming import StreamingDataset
from netbuilder.graph import DatasetSettings, TensorShape


def image_folder(root, classes=("cat", "dog", "owl"), per_class=12, size=(9, 7)):
    rng = np.random.default_rng(1)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size[1], size[0], 3)).astype(np.uint8)
            Image.fromarray(pixels, "RGB").save(root / name / f"{i:03d}.png")
    return root


def load(name, path, options, shape=None, **kw):
    settings = DatasetSettings(name, path=str(path), options=options, seed=kw.pop("seed", 4))
    return load_dataset(settings, shape, **kw)


def both(name, path, options, shape=None):
    """The same data set held in memory and streamed from disk."""
    memory = load(name, path, {**options, "streaming": "memory"}, shape)
    disk = load(name, path, {**options, "streaming": "disk", "workers": 0}, shape)
    assert type(memory) is Dataset and isinstance(disk, StreamingDataset)
    return memory, disk


def assert_same_batches(memory, disk, batch_size=5, seed=11, epochs=2, exact=True):
    for mem_batches, disk_batches in zip(make_loaders(memory, batch_size, seed), make_loaders(disk, batch_size, seed)):
        for _ in range(epochs):
            expected, streamed = list(mem_batches), list(disk_batches)
            assert len(expected) == len(streamed) == len(disk_batches)
            for (xa, ya), (xb, yb) in zip(expected, streamed):
                assert xa.dtype == xb.dtype and xa.shape == xb.shape
                if exact:
                    assert torch.equal(xa, xb)
                else:
                    torch.testing.assert_close(xa, xb, rtol=1e-5, atol=1e-5)
                assert (ya is None and yb is None) or torch.equal(ya, yb)


# ---- the same batches ---------------------------------------------------------------------------------

def test_a_streamed_image_folder_gives_the_in_memory_batches_exactly(tmp_path):
    root = image_folder(tmp_path / "pictures")
    memory, disk = both("images", root, {"range": "unit"}, TensorShape((3, 6, 5)))
    assert disk.normalization == memory.normalization
    assert_same_batches(memory, disk)


def test_standardised_streamed_images_match_with_statistics_from_a_pass_over_the_training_split(tmp_path):
    root = image_folder(tmp_path / "pictures")
    memory, disk = both("images", root, {}, TensorShape((3, 6, 5)))
    assert disk.normalization.kind == "standardize" and disk.normalization.axis == "channel"
    np.testing.assert_allclose(disk.normalization.mean, memory.normalization.mean, rtol=1e-12)
    np.testing.assert_allclose(disk.normalization.std, memory.normalization.std, rtol=1e-12)
    assert_same_batches(memory, disk, exact=False)


def test_worker_processes_give_the_same_batches_as_reading_in_the_training_process(tmp_path):
    root = image_folder(tmp_path / "pictures")
    settings = {"range": "tanh", "streaming": "disk"}
    inline = load("images", root, {**settings, "workers": 0}, TensorShape((3, 6, 5)))
    workers = load("images", root, {**settings, "workers": 2}, TensorShape((3, 6, 5)))
    assert_same_batches(inline, workers, epochs=1)


def test_a_flattened_image_folder_streams_to_a_tabular_input(tmp_path):
    root = image_folder(tmp_path / "pictures")
    memory, disk = both("images", root, {"flatten": True, "range": "unit"}, TensorShape((189,)))
    assert disk.input_shape == memory.input_shape == (189,) and disk.input_kind == "tabular"
    assert_same_batches(memory, disk)


@pytest.mark.parametrize("compressed", [False, True], ids=["savez", "savez_compressed"])
def test_a_streamed_npz_gives_the_in_memory_batches(tmp_path, compressed):
    rng = np.random.default_rng(2)
    path = tmp_path / "data.npz"
    save = np.savez_compressed if compressed else np.savez
    save(path, x=rng.normal(3.0, 2.0, (53, 4, 6)).astype(np.float64), y=rng.integers(0, 3, 53))
    memory, disk = both("npz", path, {})
    assert disk.input_kind == "sequence" and disk.num_classes == 3
    assert_same_batches(memory, disk, exact=False)


@pytest.mark.parametrize("value_range", ["unit", "tanh"])
def test_a_value_range_without_a_pixel_scale_takes_the_streamed_minimum_and_maximum(tmp_path, value_range):
    rng = np.random.default_rng(3)
    path = tmp_path / "table.npz"
    np.savez(path, x=rng.uniform(-5, 9, (40, 3)).astype(np.float32), y=rng.normal(size=40))
    memory, disk = both("npz", path, {"range": value_range})
    assert disk.normalization == memory.normalization
    assert_same_batches(memory, disk)


def test_token_ids_stream_as_whole_numbers(tmp_path):
    path = tmp_path / "tokens.npz"
    np.savez(path, x=np.random.default_rng(4).integers(0, 50, (30, 8)), y=np.arange(30) % 2)
    memory, disk = both("npz", path, {}, TensorShape((8,), "int"))
    assert disk.input_kind == "tokens" and next(iter(make_loaders(disk, 4)[0]))[0].dtype == torch.int64
    assert_same_batches(memory, disk)


@pytest.mark.parametrize("compress", [False, True], ids=["idx", "idx.gz"])
def test_a_streamed_idx_file_gives_the_in_memory_batches(tmp_path, compress, idx_writer):
    rng = np.random.default_rng(5)
    images = idx_writer(tmp_path / "images.idx", rng.integers(0, 256, (40, 6, 6)), compress)
    labels = idx_writer(tmp_path / "labels.idx", np.arange(40) % 10)
    memory, disk = both("idx", images, {"labels": str(labels)})
    assert disk.input_shape == (1, 6, 6) and disk.class_names == memory.class_names
    assert_same_batches(memory, disk, exact=False)


def test_a_streamed_csv_table_gives_the_in_memory_batches(tmp_path):
    rng = np.random.default_rng(6)
    rows = ["width,height,kind"] + [f"{a:.3f},{b:.3f},{k}" for a, b, k in
                                     zip(rng.normal(size=45), rng.normal(5, 2, 45), rng.choice(["x", "y", "z"], 45))]
    path = tmp_path / "table.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    memory, disk = both("csv", path, {})
    assert disk.class_names == memory.class_names == ["x", "y", "z"]
    assert disk.feature_names == ["width", "height"]
    assert_same_batches(memory, disk, exact=False)


def test_a_streamed_csv_names_the_row_of_a_bad_value_as_the_in_memory_reader_does(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("a,b,label\n1,2,x\n3,oops,y\n", encoding="utf-8")
    for mode in ("memory", "disk"):
        with pytest.raises(DataError, match="row 3, column 'b': 'oops' is not a number"):
            load("csv", path, {"streaming": mode})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_batches_streamed_to_the_gpu_through_pinned_memory_equal_the_in_memory_ones(tmp_path):
    root = image_folder(tmp_path / "pictures")
    memory = load("images", root, {"streaming": "memory"}, TensorShape((3, 6, 5))).to("cuda")
    disk = load("images", root, {"streaming": "disk", "workers": 2}, TensorShape((3, 6, 5)))
    for (xa, ya), (xb, yb) in zip(make_loaders(memory, 5, 11, "cuda")[0], make_loaders(disk, 5, 11, "cuda")[0]):
        assert xb.is_cuda and yb.is_cuda
        torch.testing.assert_close(xa, xb, rtol=1e-5, atol=1e-5)
        assert torch.equal(ya, yb)


def test_an_npz_announcing_more_values_than_it_holds_is_refused_before_mapping(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (1000, 10)})
    path = tmp_path / "short.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("x.npy", header.getvalue() + bytes(400))
    with pytest.raises(DataError, match="announces 1000×10 values"):
        load("npz", path, {"streaming": "disk"})


def test_a_conversion_the_temporary_folder_cannot_hold_is_refused_first(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(50)), encoding="utf-8")
    monkeypatch.setattr(scratch.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**9, 10**9, 0))
    with pytest.raises(DataError, match="set TMPDIR"):
        load("csv", path, {"streaming": "disk"})


# ---- the dataset the Trainer reads ---------------------------------------------------------------------

def test_a_streamed_set_counts_its_whole_splits_and_keeps_a_normalised_preview(tmp_path):
    root = image_folder(tmp_path / "pictures", per_class=40)
    memory, disk = both("images", root, {"range": "unit"}, TensorShape((3, 6, 5)))
    assert (disk.train_size, disk.val_size) == (memory.train_size, memory.val_size) == (96, 24)
    assert torch.equal(disk.x_val[:16], memory.x_val[:16]) and torch.equal(disk.y_val[:16], memory.y_val[:16])
    assert len(disk.x_train) < disk.train_size
    moved = disk.to("cpu")
    assert isinstance(moved, StreamingDataset) and moved.train_size == 96
    assert "streamed from disk" in disk.describe() and "96 train / 24 validation" in disk.describe()


def test_validation_batches_can_grow_after_the_loaders_are_made(tmp_path):
    root = image_folder(tmp_path / "pictures")
    _, val = make_loaders(load("images", root, {"streaming": "disk", "workers": 0}, TensorShape((3, 4, 4))), 2)
    val.batch_size = 256  # the Trainer validates in bigger batches
    assert [len(x) for x, _ in val] == [8]


# ---- bad files -----------------------------------------------------------------------------------------

def corrupt(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 10)


def streamed_with_one_image_to_break(tmp_path, bad_files):
    """A streamed folder (28 training images, batches of 4), and an image of the epoch's last batch: with one
    worker reading 4 batches ahead, that one is still on disk, unread, after the first two batches."""
    root = image_folder(tmp_path / "pictures")
    events = []
    options = {"streaming": "disk", "workers": 1, "range": "unit", "bad_files": bad_files}
    ds = load("images", root, options, TensorShape((3, 4, 4)), report=events.append)
    train, _ = make_loaders(ds, 4, seed=0)
    victim = ds.stream.source.samples.files[int(train.requests(train.epoch)[-1][0])]
    return train, victim, events


def test_a_file_corrupted_half_way_through_an_epoch_is_skipped_and_reported_once(tmp_path):
    train, victim, events = streamed_with_one_image_to_break(tmp_path, "skip")
    batches = iter(train)
    seen = sum(len(y) for _, y in (next(batches), next(batches)))
    corrupt(victim)  # mid-epoch: the first two batches are already read
    seen += sum(len(y) for _, y in batches)
    assert seen == train.num_samples - 1 == 27
    assert sum(len(y) for _, y in train) == 27  # the next epoch skips it too
    bad = [e for e in events if isinstance(e, BadSample)]
    assert len(bad) == 1 and bad[0].path == str(victim) and bad[0].skipped
    assert "cannot be read as an image" in bad[0].reason and train.log.found == bad


def test_a_file_corrupted_half_way_through_an_epoch_stops_the_epoch_with_its_path(tmp_path):
    train, victim, events = streamed_with_one_image_to_break(tmp_path, "stop")
    batches = iter(train)
    next(batches)
    corrupt(victim)
    with pytest.raises(DataError, match="bad_files=skip") as stopped:
        list(batches)
    assert str(victim) in str(stopped.value)
    assert [e.skipped for e in events if isinstance(e, BadSample)] == [False]


def test_a_corrupt_file_found_by_the_statistics_pass_stops_loading_or_is_left_out(tmp_path):
    root = image_folder(tmp_path / "pictures")
    corrupt(root / "dog" / "003.png")
    options = {"streaming": "disk", "workers": 0}
    with pytest.raises(DataError, match="003.png"):
        load("images", root, options, TensorShape((3, 4, 4)))
    events = []
    ds = load("images", root, {**options, "bad_files": "skip"}, TensorShape((3, 4, 4)), report=events.append)
    bad = [str(root / "dog" / "003.png")]
    assert [e.path for e in events if isinstance(e, BadSample)] == [e.path for e in ds.bad_samples] == bad
    assert ds.normalization.kind == "standardize"


def test_a_training_run_on_a_streamed_folder_ends_with_the_bad_files_path_not_a_crash(tmp_path):
    from netbuilder.graph import load_project
    from netbuilder.train import Trainer

    project = load_project(Path(__file__).resolve().parents[2] / "resources" / "examples" / "cnn_digits.nbproj")
    root = image_folder(tmp_path / "digits", classes=[str(i) for i in range(10)], per_class=6, size=(8, 8))
    project.dataset = DatasetSettings("images", path=str(root), options={"streaming": "disk", "workers": 0,
                                                                         "range": "unit"})
    result = Trainer(project, epochs=1, out_dir=tmp_path / "run").run()
    assert result.reason == "completed", result.message
    corrupt(root / "7" / "002.png")
    result = Trainer(project, epochs=1, out_dir=tmp_path / "run2").run()
    assert result.reason == "data_error" and str(root / "7" / "002.png") in result.message


def test_a_run_that_skips_unreadable_files_says_so_and_hears_the_loading(tmp_path):
    from netbuilder.graph import load_project
    from netbuilder.train import FunctionCallback, Trainer

    project = load_project(Path(__file__).resolve().parents[2] / "resources" / "examples" / "cnn_digits.nbproj")
    root = image_folder(tmp_path / "digits", classes=[str(i) for i in range(10)], per_class=6, size=(8, 8))
    corrupt(root / "3" / "001.png")
    project.dataset = DatasetSettings("images", path=str(root), options={
        "streaming": "disk", "workers": 0, "range": "unit", "bad_files": "skip"})
    heard = []
    result = Trainer(project, epochs=1, out_dir=tmp_path / "run", callbacks=[FunctionCallback(
        on_data=heard.append)]).run()
    assert result.reason == "completed", result.message
    assert any("unreadable sample(s) skipped" in n and "001.png" in n for n in result.notes)
    assert any(isinstance(e, BadSample) for e in heard) and any(getattr(e, "stage", "") == "ready" for e in heard)


def test_a_sample_with_nan_in_a_streamed_npz_is_named_by_its_index(tmp_path):
    x = np.ones((20, 3), dtype=np.float32)
    x[13, 1] = np.nan
    path = tmp_path / "holes.npz"
    np.savez(path, x=x, y=np.arange(20) % 2)
    events = []
    ds = load("npz", path, {"streaming": "disk", "workers": 0, "bad_files": "skip", "range": "unit"},
              report=events.append)
    assert [e.path for e in events if isinstance(e, BadSample)] == ["holes.npz: sample 13 (counting from 0)"]
    assert sum(len(y) for loader in make_loaders(ds, 8) for _, y in loader) == 19


# ---- the choice ----------------------------------------------------------------------------------------

def test_auto_streams_a_set_that_would_not_fit_comfortably_in_the_memory_available(tmp_path, monkeypatch):
    root = image_folder(tmp_path / "pictures")  # 36 images of 3×6×5: about 13 KB in memory at the peak
    settings = {"workers": 0}
    monkeypatch.setattr(loading_module, "available_memory", lambda: 20_000)
    streamed = load("images", root, settings, TensorShape((3, 6, 5)))
    assert isinstance(streamed, StreamingDataset) and "more than half" in streamed.describe()
    monkeypatch.setattr(loading_module, "available_memory", lambda: 10**9)
    assert type(load("images", root, settings, TensorShape((3, 6, 5)))) is Dataset


def test_the_option_and_an_unknown_size_decide_without_estimating():
    assert choose_storage("disk", 10, 10**12).stream
    assert not choose_storage("memory", 10**15, 10).stream
    assert not choose_storage("auto", None, 10**9).stream and not choose_storage("auto", 10**15, None).stream
    assert choose_storage("auto", 600, 1000).stream and not choose_storage("auto", 400, 1000).stream


def test_the_callers_choice_overrides_the_option(tmp_path):
    root = image_folder(tmp_path / "pictures")
    settings = DatasetSettings("images", path=str(root), options={"streaming": "memory", "workers": 0})
    assert isinstance(load_dataset(settings, TensorShape((3, 4, 4)), streaming="disk"), StreamingDataset)


def test_built_in_sets_are_always_in_memory():
    assert type(load_dataset(DatasetSettings("iris"), streaming="disk")) is Dataset


def test_streaming_options_are_checked_with_the_others():
    problems = option_problems(DatasetSettings("images", options={"streaming": "cloud", "bad_files": "maybe",
                                                                  "workers": -1}))
    assert len(problems) == 3 and "auto, memory or disk" in problems[0] and "stop or skip" in problems[1]
    assert option_problems(DatasetSettings("csv", options={"streaming": "disk", "workers": 4})) == []
    assert "unknown option 'streaming'" in option_problems(DatasetSettings("iris", options={"streaming": "disk"}))[0]


# ---- progress ------------------------------------------------------------------------------------------

def test_loading_reports_progress_stage_by_stage(tmp_path):
    root = image_folder(tmp_path / "pictures")
    events = []
    load("images", root, {"streaming": "disk", "workers": 0}, TensorShape((3, 4, 4)), report=events.append)
    stages = [e.stage for e in events if isinstance(e, LoadProgress)]
    assert stages[0] == "listing" and stages[-1] == "ready" and "statistics" in stages
    statistics = [e for e in events if e.stage == "statistics"]
    assert statistics[-1].done == statistics[-1].total == 28  # the training split: 36 images less 8 kept out
    events.clear()
    load("images", root, {"streaming": "memory"}, TensorShape((3, 4, 4)), report=events.append)
    assert [e.stage for e in events] == ["reading", "ready"] and "held in memory" in events[-1].detail


def test_converting_a_csv_reports_the_bytes_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(100)), encoding="utf-8")
    events = []
    load("csv", path, {"streaming": "disk", "workers": 0}, report=events.append)
    converting = [e for e in events if isinstance(e, LoadProgress) and e.stage == "converting"]
    assert converting[-1].unit == "bytes" and converting[-1].done == converting[-1].total == path.stat().st_size


def test_text_progress_prints_finished_stages_and_bad_files_for_a_log():
    out = io.StringIO()
    report = TextProgress(out)
    report(LoadProgress("pets", "statistics", 10, 100))
    report(LoadProgress("pets", "statistics", 100, 100))
    report(BadSample("pets/cat/1.png", "cannot be read as an image", skipped=True))
    assert out.getvalue().splitlines() == ["pets: computing the normalisation 100/100 samples",
                                           "  bad data: pets/cat/1.png: cannot be read as an image — skipped"]


# ---- the statistics ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "shape", "value_range", "pixel_max"), [
    ("image", (50, 3, 4, 5), None, 255.0), ("tabular", (50, 7), None, None), ("sequence", (50, 6, 2), "unit", None),
    ("tabular", (50, 3), "tanh", None), ("image", (50, 1, 3, 3), "tanh", 255.0)])
def test_merged_chunk_moments_give_the_in_memory_normalisation(kind, shape, value_range, pixel_max):
    x = np.random.default_rng(7).uniform(0, 255, shape).astype(np.float32)
    expected = fit_normalization(x, "standardize", kind, value_range, pixel_max)
    axis = "channel" if len(shape) == 4 else "feature"
    scale = pixel_max if value_range is None and pixel_max else 1.0
    values = x.astype(np.float64) / scale
    reduce = reduced_axes(axis, len(shape))
    moments = Moments.of(values[:13], reduce).merge(Moments.of(values[13:31], reduce)).merge(
        Moments.of(values[31:], reduce))
    found = normalization_from(moments, "standardize", kind, len(shape) - 1, value_range, pixel_max)
    assert (found.kind, found.axis, found.scale) == (expected.kind, expected.axis, expected.scale)
    np.testing.assert_allclose(found.mean, expected.mean, rtol=1e-12)
    np.testing.assert_allclose(found.std, expected.std, rtol=1e-12)
