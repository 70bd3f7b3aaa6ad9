"""Tests of cyclesim.data: IDX reading, md5 checks, lookup order, downloads and the datasets.

Tests that need the real MNIST/Fashion-MNIST files read them from $CYCLESIM_DATA and are skipped
when it is unset. Every test runs with a private cache, no Debian folder and downloads disabled
unless it sets them up itself, so nothing touches the network or the user's cache.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import http.server
import math
import os
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cyclesim import data, terms
from cyclesim.errors import DataError

REAL_DATA = os.environ.get("CYCLESIM_DATA", "")
"""The real data folder given to the test run (read before the tests clear the variable)."""

ENV_VARS = (
    "CYCLESIM_DATA",
    "CYCLESIM_CACHE",
    "CYCLESIM_DATA_URL",
    "CYCLESIM_NO_DOWNLOAD",
    "XDG_CACHE_HOME",
)


# ----------------------------------------------------------------------------------------------
# Helpers and fixtures


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array of 1 or 3 dims as IDX (magic 2049 for labels, 2051 for images)."""
    magic = {1: 0x801, 3: 0x803}[array.ndim]
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write(path: Path, payload: bytes, compress: bool) -> Path:
    """Write `payload` to `path` (+".gz", gzip-compressed, if `compress`); return the path."""
    if compress:
        path = path.with_name(path.name + ".gz")
        payload = gzip.compress(payload, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return path


def md5(payload: bytes) -> str:
    return hashlib.md5(payload).hexdigest()


def tiny_split(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` random 28x28 images and labels 0..9."""
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count, dtype=np.uint8)
    return images, labels


@pytest.fixture
def tiny(monkeypatch):
    """A tiny, valid 4-file dataset (5 train, 3 test) whose md5 sums replace the real table.

    Returns a function `put(folder, compress=True)` that writes the four files into `folder`, plus
    the arrays as attributes.
    """
    rng = np.random.default_rng(7)
    train = tiny_split(rng, 5)
    test = tiny_split(rng, 3)
    contents = {
        "train-images-idx3-ubyte": idx_bytes(train[0]),
        "train-labels-idx1-ubyte": idx_bytes(train[1]),
        "t10k-images-idx3-ubyte": idx_bytes(test[0]),
        "t10k-labels-idx1-ubyte": idx_bytes(test[1]),
    }
    table = {stem: (md5(gzip.compress(c, mtime=0)), md5(c)) for stem, c in contents.items()}
    monkeypatch.setattr(data, "MD5", {"mnist": table, "fashion-mnist": table})
    monkeypatch.setattr(data, "STANDARD_COUNTS", {"train": 5, "t10k": 3})

    def put(folder: Path, compress: bool = True, only: tuple[str, ...] = data.FILES) -> Path:
        for stem in only:
            write(folder / stem, contents[stem], compress)
        return folder

    put.contents = contents
    put.train = train
    put.test = test
    return put


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No data env vars, a private empty cache, no Debian folder, downloads disabled."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CYCLESIM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CYCLESIM_NO_DOWNLOAD", "1")
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", tmp_path / "no-debian")


@pytest.fixture
def real_data() -> Path:
    """The real data folder from $CYCLESIM_DATA; skip if unset or without the standard files."""
    if not REAL_DATA:
        pytest.skip("CYCLESIM_DATA is unset: set it to a folder with mnist/ and fashion-mnist/")
    root = Path(REAL_DATA)
    for name in ("mnist", "fashion-mnist"):
        if not data._has_all_files(root / name):
            pytest.skip(f"CYCLESIM_DATA={root} lacks the four {name} IDX files in {root / name}")
    return root


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging to stderr, recording the requested paths."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()


class TruncatingHandler(QuietHandler):
    """Announces 1000 bytes but sends 10 and closes: an interrupted transfer."""

    def do_GET(self):
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"\x1f\x8b" + b"x" * 8)
        self.wfile.flush()
        self.close_connection = True


@contextlib.contextmanager
def serve(folder: Path, handler=QuietHandler):
    """Serve `folder` over HTTP on 127.0.0.1; yields (base URL, list of requested paths)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def leftovers(folder: Path) -> list[str]:
    """Names of all files under `folder` (empty if it does not exist)."""
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ----------------------------------------------------------------------------------------------
# read_idx


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_images_and_labels(tmp_path, compress):
    images, labels = tiny_split(np.random.default_rng(1), 4)
    img = data.read_idx(write(tmp_path / "img", idx_bytes(images), compress))
    lab = data.read_idx(write(tmp_path / "lab", idx_bytes(labels), compress))
    assert img.dtype == np.uint8 and img.shape == (4, 28, 28)
    assert lab.dtype == np.uint8 and lab.shape == (4,)
    np.testing.assert_array_equal(img, images)
    np.testing.assert_array_equal(lab, labels)
    assert not img.flags.writeable


def test_read_idx_detects_gzip_by_content(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    path = tmp_path / "labels-no-suffix"
    path.write_bytes(gzip.compress(idx_bytes(labels)))
    np.testing.assert_array_equal(data.read_idx(path), labels)


def test_read_idx_bad_magic(tmp_path):
    path = write(tmp_path / "train-images-idx3-ubyte", b"\x00\x00\x08\x02" + bytes(20), compress=True)
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz is not an IDX .*magic 0x00000802"):
        data.read_idx(path)


def test_read_idx_truncated(tmp_path):
    payload = idx_bytes(np.zeros((2, 28, 28), np.uint8))[:-10]
    path = write(tmp_path / "train-images-idx3-ubyte", payload, compress=True)
    with pytest.raises(DataError) as caught:
        data.read_idx(path)
    message = str(caught.value)
    assert str(path) in message
    assert "is truncated (expected 1568 bytes of pixels, got 1558)" in message
    assert "delete it and re-download" in message


def test_read_idx_truncated_header(tmp_path):
    path = write(tmp_path / "t10k-labels-idx1-ubyte", b"\x00\x00\x08\x03\x00\x00", compress=False)
    with pytest.raises(DataError, match="truncated inside its IDX header"):
        data.read_idx(path)
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(DataError, match="too short"):
        data.read_idx(tmp_path / "empty")


def test_read_idx_extra_bytes(tmp_path):
    payload = idx_bytes(np.zeros(5, np.uint8)) + b"junk"
    path = write(tmp_path / "t10k-labels-idx1-ubyte", payload, compress=False)
    with pytest.raises(DataError, match=r"4 extra bytes \(expected 5 bytes of labels, got 9\)"):
        data.read_idx(path)


def test_read_idx_corrupt_gzip(tmp_path):
    payload = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8).reshape(200)), mtime=0)
    corrupt = bytearray(payload)
    corrupt[-6] ^= 0xFF  # inside the CRC32 trailer
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(bytes(corrupt))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte\.gz is a corrupt gzip file"):
        data.read_idx(path)
    path.write_bytes(payload[: len(payload) // 2])  # cut in the middle of the stream
    with pytest.raises(DataError, match="corrupt gzip"):
        data.read_idx(path)
    path.write_bytes(b"plain text, not gzip")
    with pytest.raises(DataError, match="is not a gzip file"):
        data.read_idx(path)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        data.read_idx(tmp_path / "nothing.gz")


# ----------------------------------------------------------------------------------------------
# md5 checks


def test_check_md5_accepts_gz_recompressed_and_raw(tmp_path):
    content = idx_bytes(np.arange(100, dtype=np.uint8))
    standard = gzip.compress(content, compresslevel=9, mtime=0)
    known = (md5(standard), md5(content))
    recompressed = gzip.compress(content, compresslevel=1, mtime=12345)  # as Debian ships it
    assert md5(recompressed) != known[0]
    for name, payload in (("std.gz", standard), ("deb.gz", recompressed), ("raw", content)):
        (tmp_path / name).write_bytes(payload)
        data.check_md5(tmp_path / name, known)


def test_check_md5_mismatch_names_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(10, dtype=np.uint8))))
    with pytest.raises(DataError) as caught:
        data.check_md5(path, ("0" * 32, "1" * 32), what="the standard MNIST file")
    assert str(path) in str(caught.value)
    assert "corrupt or not the standard MNIST file" in str(caught.value)


def test_find_rejects_file_with_wrong_md5(tmp_path, tiny):
    folder = tiny(tmp_path / "d" / "mnist")
    write(folder / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(3, np.uint8)), compress=True)
    with pytest.raises(DataError) as caught:
        data.find("mnist", tmp_path / "d")
    message = str(caught.value)
    assert "t10k-labels-idx1-ubyte.gz is corrupt or not the standard MNIST" in message
    assert "replace it" in message and "\n" not in message


def test_find_names_the_other_dataset(real_data):
    with pytest.raises(DataError, match=r"it is the MNIST file"):
        data.find("fashion-mnist", real_data / "mnist")


# ----------------------------------------------------------------------------------------------
# Lookup order


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("CYCLESIM_CACHE", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("CYCLESIM_CACHE")
    assert data.cache_dir() == tmp_path / "xdg" / "cyclesim"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "cyclesim"


def test_lookup_order(tmp_path, monkeypatch, tiny):
    explicit = tiny(tmp_path / "explicit" / "fashion-mnist")
    env = tiny(tmp_path / "env" / "fashion-mnist")
    cache = tiny(tmp_path / "cache" / "fashion-mnist")
    debian = tiny(tmp_path / "debian")
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", debian)
    monkeypatch.setenv("CYCLESIM_DATA", str(tmp_path / "env"))

    assert data.find("fashion-mnist", tmp_path / "explicit") == explicit
    assert data.find("fashion-mnist") == env
    monkeypatch.delenv("CYCLESIM_DATA")
    assert data.find("fashion-mnist") == cache
    for path in cache.iterdir():
        path.unlink()
    assert data.find("fashion-mnist") == debian
    assert data.load("fashion-mnist").source == str(debian)
    # Debian's folder is only for Fashion-MNIST.
    with pytest.raises(DataError, match="MNIST not found"):
        data.find("mnist")


def test_given_folder_without_files_does_not_fall_through(tmp_path, monkeypatch, tiny):
    tiny(tmp_path / "cache" / "mnist")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError) as caught:
        data.find("mnist", tmp_path / "empty")
    assert f"MNIST not found in {tmp_path / 'empty'} (from --data-dir" in str(caught.value)
    monkeypatch.setenv("CYCLESIM_DATA", str(tmp_path / "empty"))
    with pytest.raises(DataError, match=r"from CYCLESIM_DATA=.*empty"):
        data.find("mnist")
    with pytest.raises(DataError, match="does not exist"):
        data.find("mnist", tmp_path / "missing")


def test_given_folder_layouts(tmp_path, tiny):
    flat = tiny(tmp_path / "flat", compress=False)
    assert data.find("mnist", flat) == flat
    underscore = tiny(tmp_path / "root" / "fashion_mnist")
    assert data.find("fashion-mnist", tmp_path / "root") == underscore
    nested = tiny(tmp_path / "root" / "mnist")
    tiny(tmp_path / "root")  # the named subfolder wins over the folder itself
    assert data.find("mnist", tmp_path / "root") == nested


def test_given_folder_incomplete(tmp_path, tiny):
    tiny(tmp_path / "d", only=data.FILES[:3])
    with pytest.raises(DataError, match=r"incomplete in .*: missing t10k-labels-idx1-ubyte"):
        data.find("mnist", tmp_path / "d")


def test_no_download_gives_one_line(tmp_path):
    for name in ("mnist", "fashion-mnist"):
        with pytest.raises(DataError) as caught:
            data.load(name)
        message = str(caught.value)
        assert "\n" not in message
        assert "--data-dir DIR" in message and "CYCLESIM_DATA=DIR" in message
        assert "CYCLESIM_NO_DOWNLOAD" in message
    assert leftovers(tmp_path / "cache") == []


def test_find_rejects_synthetic_and_unknown():
    with pytest.raises(DataError, match="has no files"):
        data.find("synthetic")
    with pytest.raises(
        DataError, match="unknown dataset 'cifar100': choose one of mnist, fashion-mnist, cifar10, synth"
    ):
        data.load("cifar100")


# ----------------------------------------------------------------------------------------------
# Downloads (loopback HTTP server)


def test_download_real_files(tmp_path, monkeypatch, real_data):
    monkeypatch.delenv("CYCLESIM_NO_DOWNLOAD")
    with serve(real_data) as (base, requests):
        monkeypatch.setenv("CYCLESIM_DATA_URL", base)
        folder = data.find("mnist")
    cache = tmp_path / "cache" / "mnist"
    assert folder == cache
    assert leftovers(cache) == sorted(f"{stem}.gz" for stem in data.FILES)
    assert sorted(requests) == sorted(f"/mnist/{stem}.gz" for stem in data.FILES)
    for stem in data.FILES:
        assert md5((cache / f"{stem}.gz").read_bytes()) == data.MD5["mnist"][stem][0]
    dataset = data.load("mnist")  # now from the cache, without the server
    assert dataset.train_x.shape == (60000, 784) and dataset.test_x.shape == (10000, 784)
    assert dataset.source == str(cache)


def test_download_fallback_layout_and_partial_cache(tmp_path, monkeypatch, tiny):
    monkeypatch.delenv("CYCLESIM_NO_DOWNLOAD")
    served = tiny(tmp_path / "server")  # files at <base>/<file>.gz, not <base>/fashion-mnist/
    tiny(tmp_path / "cache" / "fashion-mnist", only=data.FILES[:1])
    with serve(served) as (base, requests):
        monkeypatch.setenv("CYCLESIM_DATA_URL", base + "/")
        dataset = data.load("fashion-mnist")
    np.testing.assert_array_equal(dataset.train_x, tiny.train[0].reshape(5, 784))
    np.testing.assert_array_equal(dataset.test_y, tiny.test[1])
    fetched = [r for r in requests if not r.startswith("/fashion-mnist/")]
    assert sorted(fetched) == sorted(f"/{stem}.gz" for stem in data.FILES[1:])


def test_download_corrupt_file_is_deleted(tmp_path, monkeypatch, tiny):
    monkeypatch.delenv("CYCLESIM_NO_DOWNLOAD")
    served = tiny(tmp_path / "server" / "mnist")
    (served / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"not the real file"))
    with serve(tmp_path / "server") as (base, _):
        monkeypatch.setenv("CYCLESIM_DATA_URL", base)
        with pytest.raises(DataError) as caught:
            data.find("mnist")
    message = str(caught.value)
    assert "downloaded train-images-idx3-ubyte.gz" in message and "deleted it" in message
    assert "\n" not in message
    assert leftovers(tmp_path / "cache") == []


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch, tiny):
    monkeypatch.delenv("CYCLESIM_NO_DOWNLOAD")
    with serve(tmp_path, TruncatingHandler) as (base, requests):
        monkeypatch.setenv("CYCLESIM_DATA_URL", base)
        with pytest.raises(DataError, match="corrupt or not the standard"):
            data.find("mnist")
    assert requests
    assert leftovers(tmp_path / "cache") == []


def test_unreachable_server_fails_fast_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("CYCLESIM_NO_DOWNLOAD")
    with serve(tmp_path) as (base, _):
        pass  # the port is closed again: connections are refused
    monkeypatch.setenv("CYCLESIM_DATA_URL", base)
    start = time.monotonic()
    with pytest.raises(DataError) as caught:
        data.load("mnist")
    assert time.monotonic() - start < 5
    message = str(caught.value)
    assert message.startswith("MNIST not found: put the four IDX files in a folder")
    assert "download failed" in message and "\n" not in message
    assert leftovers(tmp_path / "cache") == []


# ----------------------------------------------------------------------------------------------
# load() and Dataset


def test_load_tiny_files(tmp_path, tiny):
    folder = tiny(tmp_path / "d" / "mnist", compress=False)
    dataset = data.load("MNIST", tmp_path / "d")
    assert dataset.name == "mnist" and dataset.classes == 10 and dataset.source == str(folder)
    np.testing.assert_array_equal(dataset.train_x, tiny.train[0].reshape(5, 784))
    np.testing.assert_array_equal(dataset.train_y, tiny.train[1])
    np.testing.assert_array_equal(dataset.test_x, tiny.test[0].reshape(3, 784))
    assert dataset.test_x.dtype == np.uint8 and dataset.test_y.dtype == np.uint8


def test_load_checks_counts_and_labels(tmp_path, monkeypatch, tiny):
    folder = tiny(tmp_path / "d")
    table = dict(data.MD5["mnist"])

    def replace(stem, array):
        payload = idx_bytes(array)
        write(folder / stem, payload, compress=True)
        table[stem] = (md5(gzip.compress(payload, mtime=0)), md5(payload))
        monkeypatch.setattr(data, "MD5", {"mnist": table})

    replace("t10k-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(DataError, match="has 3 images but .* has 4 labels"):
        data.load("mnist", folder)
    replace("t10k-labels-idx1-ubyte", np.array([1, 2, 10], np.uint8))
    with pytest.raises(DataError, match="has label 10, expected 0..9"):
        data.load("mnist", folder)
    monkeypatch.setattr(data, "STANDARD_COUNTS", {"train": 60000, "t10k": 3})
    with pytest.raises(DataError, match="has 5 images, expected 60000"):
        data.load("mnist", folder)
    replace("train-images-idx3-ubyte", np.zeros((5, 14, 14), np.uint8))
    with pytest.raises(DataError, match="does not hold 28x28 images"):
        data.load("mnist", folder)


def test_dataset_checks_and_equality():
    x, y = np.zeros((2, 784), np.uint8), np.zeros(2, np.uint8)
    one = data.Dataset("x", x, y, x, y)
    assert one == data.Dataset("x", x.copy(), y.copy(), x, y)
    assert hash(one) == hash(data.Dataset("x", x.copy(), y.copy(), x, y))
    assert "shape=(2, 784)" in repr(one)
    with pytest.raises(ValueError):
        one.train_x[0, 0] = 1
    with pytest.raises(ValueError):
        data.Dataset("x", x.astype(np.float32), y, x, y)
    with pytest.raises(ValueError):
        data.Dataset("x", x, np.zeros(3, np.uint8), x, y)


def test_reusing_hands_out_loaded_datasets(tmp_path, monkeypatch, tiny):
    folder = tiny(tmp_path / "d" / "mnist")
    tiny(tmp_path / "d" / "fashion-mnist")
    monkeypatch.setenv("CYCLESIM_DATA", str(tmp_path / "d"))
    assert data.load("mnist") is not data.load("mnist")  # outside `reusing`: read every time
    with data.reusing():
        mnist = data.load("mnist")
        with data.reusing():  # nested: the same datasets
            assert data.load("MNIST", tmp_path / "d") is mnist and data.load("mnist") is mnist
        assert data.load("mnist") is mnist
        assert data.load("fashion-mnist") is not mnist
        assert data.load("synthetic", seed=1) is data.load("synthetic", seed=1) is not data.load("synthetic", seed=2)
        assert data.load("mnist") is not mnist  # REUSE_LIMIT: only the last two datasets are kept
        mnist = data.load("mnist")
        assert data.load("mnist", tmp_path / "d" / "mnist") is not mnist  # another data folder
        mnist = data.load("mnist")
        labels = folder / "t10k-labels-idx1-ubyte.gz"
        os.utime(labels, ns=(labels.stat().st_atime_ns, labels.stat().st_mtime_ns + 10**9))
        changed = data.load("mnist")  # a file changed since: read again
        assert changed is not mnist and changed == mnist and data.load("mnist") is changed
    assert not data._kept.datasets  # none kept once the outermost block ends
    assert data.load("mnist") is not changed


def test_synthetic_shape_and_determinism():
    dataset = data.synthetic(seed=3, n_train=300, n_test=100)
    assert dataset.name == "synthetic" and dataset.source == "synthetic" and dataset.classes == 10
    assert dataset.train_x.shape == (300, 784) and dataset.test_x.shape == (100, 784)
    for array in (dataset.train_x, dataset.train_y, dataset.test_x, dataset.test_y):
        assert array.dtype == np.uint8
    assert set(np.unique(dataset.train_y)) == set(range(10))
    assert dataset == data.synthetic(seed=3, n_train=300, n_test=100)
    assert not np.array_equal(dataset.train_x, data.synthetic(seed=4, n_train=300, n_test=100).train_x)
    assert data.load("synthetic", seed=3) == data.synthetic(3)
    with pytest.raises(DataError, match="n_train must be a positive integer"):
        data.synthetic(n_train=0)


@pytest.mark.parametrize("seed", [0, 1])
def test_synthetic_is_learnable(seed):
    dataset = data.synthetic(seed)
    x = dataset.train_x.astype(np.float64)
    centroids = np.stack([x[dataset.train_y == k].mean(axis=0) for k in range(10)])
    test = dataset.test_x.astype(np.float64)
    predicted = np.argmin(((test[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    assert (predicted == dataset.test_y).mean() > 0.85  # even a nearest-centroid rule does well


def test_product_code_names_no_shared_folder():
    source = Path(data.__file__).read_text()
    assert "/work/shared" not in source and "../shared" not in source


# ----------------------------------------------------------------------------------------------
# The real datasets


@pytest.mark.parametrize("name, first_label", [("mnist", 5), ("fashion-mnist", 9)])
def test_load_real(monkeypatch, real_data, name, first_label):
    monkeypatch.setenv("CYCLESIM_DATA", str(real_data))
    dataset = data.load(name)
    assert dataset.name == name and dataset.source == str(real_data / name)
    assert dataset.train_x.shape == (60000, 784) and dataset.train_y.shape == (60000,)
    assert dataset.test_x.shape == (10000, 784) and dataset.test_y.shape == (10000,)
    for array in (dataset.train_x, dataset.train_y, dataset.test_x, dataset.test_y):
        assert array.dtype == np.uint8
    assert dataset.train_y.max() == 9 and dataset.test_y.min() == 0
    assert int(dataset.train_y[0]) == first_label
    assert np.bincount(dataset.test_y, minlength=10).min() > 800


def test_dataset_labels_must_be_classes():
    """A Dataset built in code (not read from checked files) cannot carry a label the network has no
    output for: it would fail deep inside training."""
    x, y = np.zeros((2, 784), np.uint8), np.array([3, 10], np.uint8)
    with pytest.raises(ValueError, match="label 10 is not a class"):
        data.Dataset("x", x, y, x, np.zeros(2, np.uint8))
    assert data.Dataset("x", x, np.array([0, 9], np.uint8), x, np.zeros(2, np.uint8)).classes == 10


@pytest.mark.parametrize(
    "corrupt, needle",
    [
        (lambda b: b[: len(b) // 2], "truncated"),
        (lambda b: b + b"\x00" * 7, "extra bytes"),
        (lambda b: b"\x00\x00\x08\x04" + b[4:], "not an IDX"),
        (lambda b: b[:6], "truncated inside its IDX header"),
        (lambda b: b"", "too short"),
        (lambda b: gzip.compress(b)[:-9], "corrupt gzip"),
    ],
)
def test_every_kind_of_broken_file_is_one_data_error_line(tmp_path, corrupt, needle):
    """Files read without an md5 check (`read_idx` on a user's file) fail in one line each."""
    payload = idx_bytes(np.zeros((3, 28, 28), np.uint8))
    path = tmp_path / ("f.gz" if needle == "corrupt gzip" else "f")
    path.write_bytes(corrupt(payload))
    with pytest.raises(DataError) as info:
        data.read_idx(path)
    assert needle in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("mutate", ["truncate", "flip", "labels"])
def test_broken_files_in_a_data_folder_end_in_one_error_line(capsys, tmp_path, monkeypatch, tiny, mutate):
    """Through the CLI: whatever is wrong with a file of the folder, one `error:` line naming it."""
    from cyclesim import cli

    folder = tiny(tmp_path / "d" / "mnist")
    target = folder / "train-labels-idx1-ubyte.gz"
    raw = target.read_bytes()
    if mutate == "truncate":
        target.write_bytes(raw[: len(raw) // 2])
    elif mutate == "flip":
        target.write_bytes(raw[:20] + bytes([raw[20] ^ 0xFF]) + raw[21:])
    else:
        target.write_bytes(gzip.compress(idx_bytes(np.full(5, 11, np.uint8)), mtime=0))
    monkeypatch.chdir(tmp_path)
    workload = Path(__file__).resolve().parents[1] / "workloads" / "dfa_3layer.py"
    code = cli.main([str(workload), "--data-dir", str(tmp_path / "d"), "--set", "training.epochs=0", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in out + err
    assert "train-labels-idx1-ubyte" in err


# ----------------------------------------------------------------------------------------------
# CIFAR-10 (binary version), from small files in the real format


@pytest.fixture
def cifar(monkeypatch, tmp_path):
    """Six tiny CIFAR-10 batch files of 4 records each (the real record layout: a label byte, then
    1024 red, 1024 green and 1024 blue bytes), their md5 sums in place of the real ones, and the
    archive holding them (`cifar.archive`, its md5 in place of the published one)."""
    import io
    import tarfile

    rng = np.random.default_rng(11)
    monkeypatch.setattr(data, "CIFAR_RECORDS", 4)
    images = {n: rng.integers(0, 256, size=(4, 3, 32, 32), dtype=np.uint8) for n in data.CIFAR_FILES}
    labels = {n: rng.integers(0, 10, size=4, dtype=np.uint8) for n in data.CIFAR_FILES}
    blobs = {
        n: np.concatenate([labels[n][:, None], images[n].reshape(4, 3072)], axis=1).tobytes() for n in data.CIFAR_FILES
    }
    monkeypatch.setattr(data, "CIFAR_MD5", {n: md5(b) for n, b in blobs.items()})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for n, b in blobs.items():
            info = tarfile.TarInfo(f"{data.CIFAR_ARCHIVE_DIR}/{n}")
            info.size = len(b)
            tar.addfile(info, io.BytesIO(b))
    archive = buffer.getvalue()
    monkeypatch.setattr(data, "CIFAR_ARCHIVE_MD5", md5(archive))

    def put(folder: Path, form: str = "files") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if form == "archive":
            (folder / data.CIFAR_ARCHIVE).write_bytes(archive)
        else:
            for n, b in blobs.items():
                (folder / n).write_bytes(b)
        return folder

    put.images, put.labels, put.blobs, put.archive = images, labels, blobs, archive
    return put


@pytest.mark.parametrize("form", ["files", "archive"])
def test_cifar10_is_read_channel_major_from_its_batch_files_or_its_archive(cifar, tmp_path, form):
    folder = cifar(tmp_path / "d" / ("cifar10" if form == "archive" else data.CIFAR_ARCHIVE_DIR), form)
    ds = data.load("cifar10", tmp_path / "d")
    assert ds.shape == (3, 32, 32) and ds.values == 3072 == terms.input_values("cifar10")
    train = [n for n in data.CIFAR_FILES if n != "test_batch.bin"]
    np.testing.assert_array_equal(ds.train_x, np.concatenate([cifar.images[n].reshape(4, 3072) for n in train]))
    np.testing.assert_array_equal(ds.train_y, np.concatenate([cifar.labels[n] for n in train]))
    np.testing.assert_array_equal(ds.test_x.reshape(4, 3, 32, 32), cifar.images["test_batch.bin"])
    np.testing.assert_array_equal(ds.test_y, cifar.labels["test_batch.bin"])
    assert ds.test_x[0, 1024] == cifar.images["test_batch.bin"][0, 1, 0, 0]  # green plane after red
    expected = folder / data.CIFAR_ARCHIVE if form == "archive" else folder
    assert data.find("cifar10", tmp_path / "d") == expected and ds.source == str(expected)


def test_cifar10_archive_in_the_cache_is_used_and_downloads_are_verified(cifar, tmp_path, monkeypatch):
    served = cifar(tmp_path / "web", "archive")
    with serve(served) as (base, requests):
        monkeypatch.delenv("CYCLESIM_NO_DOWNLOAD")
        monkeypatch.setenv("CYCLESIM_DATA_URL", base)
        first = data.find("cifar10")
        assert first == tmp_path / "cache" / "cifar10" / data.CIFAR_ARCHIVE
        fetched = list(requests)
        assert data.find("cifar10") == first and requests == fetched  # the second call finds it in the cache
    monkeypatch.setattr(data, "CIFAR_ARCHIVE_MD5", "0" * 32)
    first.unlink()
    with serve(served) as (base, _requests):
        monkeypatch.setenv("CYCLESIM_DATA_URL", base)
        with pytest.raises(DataError, match="md5 mismatch; deleted it"):
            data.find("cifar10")
    assert not first.exists()


def test_bad_cifar10_files_are_one_line_errors(cifar, tmp_path, monkeypatch):
    cifar(tmp_path / "md5", "archive")
    monkeypatch.setattr(data, "CIFAR_ARCHIVE_MD5", "f" * 32)
    with pytest.raises(DataError, match="is corrupt or not the standard cifar-10-binary.tar.gz"):
        data.load("cifar10", tmp_path / "md5")
    truncated = tmp_path / "cut" / data.CIFAR_ARCHIVE
    truncated.parent.mkdir()
    truncated.write_bytes(cifar.archive[: len(cifar.archive) // 2])
    monkeypatch.setattr(data, "CIFAR_ARCHIVE_MD5", md5(truncated.read_bytes()))  # a copy cut short
    with pytest.raises(DataError, match="corrupt or truncated archive"):
        data.load("cifar10", tmp_path / "cut")
    folder = cifar(tmp_path / "short")
    (folder / "data_batch_3.bin").write_bytes(cifar.blobs["data_batch_3.bin"][:-5])
    monkeypatch.setitem(data.CIFAR_MD5, "data_batch_3.bin", md5(cifar.blobs["data_batch_3.bin"][:-5]))
    with pytest.raises(DataError, match="holds 12287 bytes, not 4 records of 3073 bytes"):
        data.load("cifar10", folder)
    (folder / "test_batch.bin").unlink()
    with pytest.raises(DataError, match="missing test_batch.bin"):
        data.load("cifar10", folder)
    with pytest.raises(DataError) as caught:
        data.load("cifar10")  # nowhere: no data folder, an empty cache, downloads disabled
    message = str(caught.value)
    assert "\n" not in message and data.CIFAR_ARCHIVE in message and "CYCLESIM_NO_DOWNLOAD" in message


def test_a_network_must_take_the_datasets_images():
    from cyclesim.config import Network, Workload

    with pytest.raises(ValueError, match=r"3072 inputs for cifar10 \(32x32x3 images\), got 784"):
        Workload(dataset="cifar10")
    assert Workload(dataset="cifar10", network=Network(sizes=(3072, 64, 10))).network.sizes[0] == 3072


# ----------------------------------------------------------------------------------------------
# The synthetic set in other image shapes


def arrays_sha256(dataset: data.Dataset) -> str:
    return hashlib.sha256(
        dataset.train_x.tobytes() + dataset.train_y.tobytes() + dataset.test_x.tobytes() + dataset.test_y.tobytes()
    ).hexdigest()


@pytest.mark.parametrize(
    "seed, digest",
    [
        # Computed with the 28x28-only generator before `shape` existed: the default set must not change.
        (0, "5296d354a575bf07817b48e69898eb82612142a7a49caf857ae50b52f1352381"),
        (3, "4e7c2a2e6ba98979dec79d70395aca122a50d388dd7e406e95c0b18c1a2176dd"),
    ],
)
def test_synthetic_28x28_is_unchanged_bit_for_bit(seed, digest):
    for dataset in (data.synthetic(seed), data.synthetic(seed, shape=(1, 28, 28)), data.load("synthetic", seed=seed)):
        assert dataset.shape == (1, 28, 28) and dataset.train_x.shape == (2000, 784)
        assert arrays_sha256(dataset) == digest


def test_synthetic_small_28x28_is_unchanged_bit_for_bit():
    """Other counts too (the examples are generated in chunks; the draws must not change)."""
    dataset = data.synthetic(5, n_train=37, n_test=11, shape=[1, np.int64(28), 28])
    assert arrays_sha256(dataset) == "eaa6e9b2d8bbca9c67cecebe28f84339efbc3667df4a92f82d9a87ee0af40f14"


def class_means(dataset: data.Dataset) -> np.ndarray:
    x = dataset.train_x.astype(np.float64)
    return np.stack([x[dataset.train_y == k].mean(axis=0) for k in range(dataset.classes)])


def test_synthetic_in_colour():
    dataset = data.synthetic(seed=2, n_train=400, n_test=100, shape=(3, 32, 32))
    assert dataset.shape == (3, 32, 32) and dataset.values == 3072
    assert dataset.train_x.shape == (400, 3072) and dataset.test_x.shape == (100, 3072)
    for array in (dataset.train_x, dataset.train_y, dataset.test_x, dataset.test_y):
        assert array.dtype == np.uint8
    assert set(np.unique(dataset.train_y)) == set(range(10))
    assert dataset == data.synthetic(seed=2, n_train=400, n_test=100, shape=(3, 32, 32))
    other = data.synthetic(seed=3, n_train=400, n_test=100, shape=(3, 32, 32))
    assert not np.array_equal(dataset.train_x, other.train_x)
    assert data.load("synthetic", seed=2, shape=(3, 32, 32)) == data.synthetic(2, shape=(3, 32, 32))
    means = class_means(dataset)
    distances = np.sqrt(((means[:, None] - means[None]) ** 2).sum(axis=2))
    assert distances[~np.eye(10, dtype=bool)].min() > 100  # every two classes' mean images differ clearly
    # Channel-major: each class's channels are the same strokes, weighted differently per class.
    planes = means.reshape(10, 3, 1024).sum(axis=2)
    shares = planes / planes.sum(axis=1, keepdims=True)
    assert np.ptp(shares, axis=0).max() > 0.1  # the colour of a class tells something about it


@pytest.mark.parametrize("shape", [(1, 4, 4), (2, 8, 8), (1, 16, 64), (3, 40, 24), (64, 4, 4), (1, 4, 512)])
def test_synthetic_shapes_are_learnable(shape):
    dataset = data.synthetic(seed=1, n_train=500, n_test=200, shape=shape)
    assert dataset.shape == shape and dataset.train_x.shape == (500, math.prod(shape))
    centroids = class_means(dataset)
    test = dataset.test_x.astype(np.float64)
    predicted = np.argmin(((test[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    assert (predicted == dataset.test_y).mean() > 0.85


@pytest.mark.parametrize(
    "shape, needle",
    [
        ((0, 28, 28), "shape channels must be an integer from 1 to 64, got 0"),
        ((65, 8, 8), "shape channels must be an integer from 1 to 64, got 65"),
        ((1, 3, 28), "shape height must be an integer from 4 to 512, got 3"),
        ((1, 28, 513), "shape width must be an integer from 4 to 512, got 513"),
        ((1, 28.0, 28), "shape height must be an integer from 4 to 512, got 28.0"),
        ((True, 8, 8), "shape channels must be an integer from 1 to 64, got True"),
        ((28, 28), "shape must be (channels, height, width), got (28, 28)"),
        (784, "shape must be (channels, height, width), got 784"),
    ],
)
def test_synthetic_bad_shapes_are_one_line_errors(shape, needle):
    for call in (lambda: data.synthetic(shape=shape), lambda: data.load("synthetic", shape=shape)):
        with pytest.raises(DataError) as caught:
            call()
        message = str(caught.value)
        assert needle in message and "\n" not in message


def test_load_ignores_shape_for_datasets_in_files(tmp_path, tiny):
    tiny(tmp_path / "d" / "mnist")
    dataset = data.load("mnist", tmp_path / "d", shape=(3, 32, 32))
    assert dataset.shape == (1, 28, 28) and dataset == data.load("mnist", tmp_path / "d")


def test_reusing_keys_the_synthetic_set_by_shape():
    with data.reusing():
        default = data.load("synthetic", seed=1)
        assert data.load("synthetic", seed=1, shape=(1, 28, 28)) is default
        colour = data.load("synthetic", seed=1, shape=(3, 32, 32))
        assert colour is not default and colour.shape == (3, 32, 32) and default.shape == (1, 28, 28)
        assert data.load("synthetic", seed=1, shape=[3, 32, 32]) is colour
        assert data.load("synthetic", seed=1) is default
        assert len(data._kept.datasets) == 2
    assert data._reuse_key("synthetic", None, 1) == data._reuse_key("synthetic", None, 1, (1, 28, 28))
    assert data._reuse_key("synthetic", None, 1) != data._reuse_key("synthetic", None, 1, (3, 32, 32))
