"""Datasets for on-chip training: MNIST, Fashion-MNIST, CIFAR-10 and a tiny synthetic set.

MNIST and Fashion-MNIST are read from the standard IDX files (gzip-compressed or raw), CIFAR-10 from
its binary version (the six batch files, or the archive they come in, read without extracting it);
each is found in a user folder, the user cache or (Fashion-MNIST) Debian's package folder, or
downloaded into the cache, and every file is checked against its published md5 sum. Images are kept
flattened, channel-major (`Dataset.shape` is channels x height x width). The synthetic set is
generated from a seed, in any image shape (28x28 by default), without files.
Inside `reusing()` (a sweep's worker) `load` hands out the datasets it already loaded.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import math
import os
import shutil
import struct
import tarfile
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import attrs
import numpy as np

from cyclesim.errors import DataError, one_line
from cyclesim.terms import DATASETS, SHAPES, input_values

IMAGE_SIDE = 28
"""Images are IMAGE_SIDE x IMAGE_SIDE pixels."""

PIXELS = IMAGE_SIDE * IMAGE_SIDE
"""Pixels per image (784): the width of `Dataset.train_x` and `Dataset.test_x`."""

CLASSES = 10
"""Number of classes (labels 0..9) of every dataset here."""

SYNTHETIC_SHAPE = (1, IMAGE_SIDE, IMAGE_SIDE)
"""The synthetic set's image shape unless another is asked for: (channels, height, width)."""

SYNTHETIC_CHANNELS = (1, 64)
"""Fewest and most channels of a synthetic image."""

SYNTHETIC_SIDES = (4, 512)
"""Smallest and largest height (and width) of a synthetic image, in pixels."""

FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
"""The four IDX files of a dataset, without the optional `.gz` suffix."""

MD5: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "mnist": MappingProxyType(
            {
                "train-images-idx3-ubyte": (
                    "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                    "6bbc9ace898e44ae57da46a324031adb",
                ),
                "train-labels-idx1-ubyte": (
                    "d53e105ee54ea40749a09fcbcd1e9432",
                    "a25bea736e30d166cdddb491f175f624",
                ),
                "t10k-images-idx3-ubyte": (
                    "9fb629c4189551a2d022fa330f9573f3",
                    "2646ac647ad5339dbf082846283269ea",
                ),
                "t10k-labels-idx1-ubyte": (
                    "ec29112dd5afa0611ce80d1b7f02629c",
                    "27ae3e4e09519cfbb04c329615203637",
                ),
            }
        ),
        "fashion-mnist": MappingProxyType(
            {
                "train-images-idx3-ubyte": (
                    "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                    "f4a8712d7a061bf5bd6d2ca38dc4d50a",
                ),
                "train-labels-idx1-ubyte": (
                    "25c81989df183df01b3e8a0aad5dffbe",
                    "9018921c3c673c538a1fc5bad174d6f9",
                ),
                "t10k-images-idx3-ubyte": (
                    "bef4ecab320f06d8554ea6380940ec79",
                    "8181f5470baa50b63fa0f6fddb340f0a",
                ),
                "t10k-labels-idx1-ubyte": (
                    "bb300cfdad3c16e7a12a480ee83cd310",
                    "15d484375f8d13e6eb1aabb0c3f46965",
                ),
            }
        ),
    }
)
"""Known md5 sums per dataset and file: (md5 of the standard `.gz` file, md5 of its content)."""

STANDARD_COUNTS: Mapping[str, int] = MappingProxyType({"train": 60000, "t10k": 10000})
"""Number of examples in each split of the standard IDX files."""

CIFAR_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6)) + ("test_batch.bin",)
"""CIFAR-10's binary version: five training batches and the test batch, in this order."""

CIFAR_MD5: Mapping[str, str] = MappingProxyType(
    {
        "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
        "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
        "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
        "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
        "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
        "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d",
    }
)
"""md5 of each extracted CIFAR-10 batch file."""

CIFAR_ARCHIVE = "cifar-10-binary.tar.gz"
"""The archive of CIFAR-10's binary version (its batch files under `CIFAR_ARCHIVE_DIR/`)."""

CIFAR_ARCHIVE_DIR = "cifar-10-batches-bin"
"""The folder the archive's batch files are in (and the folder it extracts to)."""

CIFAR_ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
"""md5 of `CIFAR_ARCHIVE` as published on the dataset's page (170,052,171 bytes)."""

CIFAR_RECORDS = 10000
"""Images per CIFAR-10 batch file: records of one label byte and 3072 pixel bytes (1024 red, 1024
green, 1024 blue, each row-major), so a batch file is 10000 x 3073 bytes."""

MIRRORS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "mnist": (
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        "cifar10": ("https://www.cs.toronto.edu/~kriz/",),
    }
)
"""Base URLs the standard `.gz` files (CIFAR-10: `CIFAR_ARCHIVE`) are downloaded from, tried in order."""

DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's `dataset-fashion-mnist` package installs the Fashion-MNIST files."""

DOWNLOAD_TIMEOUT_S = 10.0
"""Connect and read timeout of one download request, in seconds."""

REUSE_LIMIT = 2
"""Datasets `load` keeps inside `reusing()`, the most recently used: a sweep's points use one or two
(MNIST and Fashion-MNIST), and each MNIST-sized set holds about 55 MB."""

_CHUNK_BYTES = 1 << 20
_TITLES = MappingProxyType({"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"})
_IMAGES_MAGIC = 0x00000803
_LABELS_MAGIC = 0x00000801
_GZIP_MAGIC = b"\x1f\x8b"


def _frozen_array(value) -> np.ndarray:
    """A read-only view of `value` as an array, so a Dataset's arrays cannot be changed in place."""
    view = np.asarray(value).view()
    view.flags.writeable = False
    return view


def _array_repr(array: np.ndarray) -> str:
    """Short repr of an array: shape and dtype only."""
    return f"array(shape={array.shape}, dtype={array.dtype})"


def _array_field():
    """An attrs field for a read-only numpy array, compared by value and left out of the hash."""
    return attrs.field(
        converter=_frozen_array,
        eq=attrs.cmp_using(eq=np.array_equal),
        hash=False,
        repr=_array_repr,
    )


@attrs.frozen
class Dataset:
    """A 10-class image dataset: uint8 images of `shape` (channels, height, width), each flattened
    channel-major and row-major, and uint8 labels.

    The arrays are read-only views; copy them (e.g. `x.astype(np.float32)`) before changing them.
    """

    name: str
    train_x: np.ndarray = _array_field()
    train_y: np.ndarray = _array_field()
    test_x: np.ndarray = _array_field()
    test_y: np.ndarray = _array_field()
    classes: int = CLASSES
    source: str = ""
    shape: tuple = (1, IMAGE_SIDE, IMAGE_SIDE)

    @property
    def values(self) -> int:
        """Values per image: channels x height x width."""
        return math.prod(self.shape)

    def __attrs_post_init__(self) -> None:
        """Check dtypes and shapes: (N, values) uint8 images with N uint8 labels per split."""
        for split, x, y in (
            ("train", self.train_x, self.train_y),
            ("test", self.test_x, self.test_y),
        ):
            if x.dtype != np.uint8 or y.dtype != np.uint8:
                raise ValueError(f"{self.name} {split}: images and labels must be uint8")
            if x.ndim != 2 or x.shape[1] != self.values or y.ndim != 1 or len(x) != len(y):
                raise ValueError(
                    f"{self.name} {split}: expected images (N, {self.values}) and labels (N,), got {x.shape} and "
                    f"{y.shape}"
                )
            if len(y) and int(y.max()) >= self.classes:
                raise ValueError(
                    f"{self.name} {split}: label {int(y.max())} is not a class (expected 0..{self.classes - 1})"
                )


# ----------------------------------------------------------------------------------------------
# Public entry points


def load(
    name: str,
    data_dir: str | os.PathLike | None = None,
    *,
    seed: int = 0,
    shape: tuple[int, int, int] | None = None,
) -> Dataset:
    """Load dataset `name` ("mnist", "fashion-mnist", "cifar10" or "synthetic").

    MNIST, Fashion-MNIST and CIFAR-10 are located with `find(name, data_dir)` (which may download
    them) and read from their files; their image shape is fixed, so `shape` is ignored for them.
    "synthetic" is generated by `synthetic(seed, shape=shape)` (`shape` None: `SYNTHETIC_SHAPE`,
    1 x 28 x 28) and `data_dir` is ignored. Inside `reusing()` a dataset loaded before is returned
    again (see there). Raises DataError for an unknown name, a synthetic shape out of range or
    missing, corrupt or inconsistent files.
    """
    key = _canonical_name(name)
    # Only a synthetic shape other than the default is passed on: every other load still calls
    # `_load(key, data_dir, seed)` as before.
    extra = ()
    if key == "synthetic":
        shape = _synthetic_shape(shape)
        extra = () if shape == SYNTHETIC_SHAPE else (shape,)
    if not _kept.depth:
        return _load(key, data_dir, seed, *extra)
    reuse = _reuse_key(key, data_dir, seed, *extra)
    with _kept.lock:
        signature, dataset = _kept.datasets.pop(reuse, (None, None))
        if dataset is None or _signature(dataset) != signature:
            dataset = _load(key, data_dir, seed, *extra)
            signature = _signature(dataset)
        _kept.datasets[reuse] = (signature, dataset)
        while len(_kept.datasets) > REUSE_LIMIT:
            _kept.datasets.popitem(last=False)
        return dataset


class _Kept:
    """The datasets `load` keeps inside `reusing()`: reuse key -> (files' signature, Dataset), most
    recently used last; `depth` counts the open `reusing()` blocks."""

    def __init__(self) -> None:
        self.depth = 0
        self.datasets: OrderedDict[tuple, tuple[tuple, Dataset]] = OrderedDict()
        self.lock = threading.Lock()


_kept = _Kept()


@contextlib.contextmanager
def reusing() -> Iterator[None]:
    """Inside this block (blocks may nest, in any thread) `load` returns the dataset it loaded before
    for the same name, data folder (`data_dir`, else $CYCLESIM_DATA) and user cache, or for the
    synthetic set the same seed and shape, instead of reading it again, while the files it was read from keep
    their size and modification time. The `REUSE_LIMIT` most recently used datasets are kept; none
    once the outermost block ends. A sweep's worker process runs its points inside one block."""
    with _kept.lock:
        _kept.depth += 1
    try:
        yield
    finally:
        with _kept.lock:
            _kept.depth -= 1
            if not _kept.depth:
                _kept.datasets.clear()


def _reuse_key(key: str, data_dir, seed: int, shape: tuple[int, int, int] | None = None) -> tuple:
    """What `load(key, data_dir, seed=seed, shape=shape)` depends on besides the files' contents: the
    seed and image shape of the synthetic set (None: `SYNTHETIC_SHAPE`); for a dataset in files, the
    folders `find` looks in (given, else the user cache)."""
    if key == "synthetic":
        return key, seed, _synthetic_shape(shape)
    given = _given_data_dir(data_dir)[0]
    return key, None if given is None else given.absolute(), cache_dir().absolute()


def _signature(dataset: Dataset) -> tuple:
    """(name, size, mtime) of every file `dataset` was read from (none for the synthetic set)."""
    if dataset.name == "synthetic":
        return ()
    source = Path(dataset.source)
    files = _cifar_files(source).values() if dataset.name == "cifar10" else _present_files(source).values()
    out = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            return ("unreadable",)
        out.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _load(
    key: str, data_dir: str | os.PathLike | None, seed: int, shape: tuple[int, int, int] | None = None
) -> Dataset:
    """`load` without reuse, for the canonical name `key` (`shape`: only for the synthetic set)."""
    if key == "synthetic":
        return synthetic(seed, shape=_synthetic_shape(shape))
    if key == "cifar10":
        return _load_cifar(data_dir)
    folder = find(key, data_dir)
    paths = _present_files(folder)
    train_x, train_y = _read_split(paths, "train", key)
    test_x, test_y = _read_split(paths, "t10k", key)
    return Dataset(
        name=key,
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        source=str(folder),
    )


def synthetic(
    seed: int = 0, n_train: int = 2000, n_test: int = 500, shape: tuple[int, int, int] = SYNTHETIC_SHAPE
) -> Dataset:
    """A tiny, easily learnable 10-class set of uint8 images of `shape` = (C, H, W), from `seed`.

    C is 1..64 and H, W are 4..512 (`SYNTHETIC_CHANNELS`, `SYNTHETIC_SIDES`); images are flattened
    channel-major, (count, C*H*W). With s_h = H/28, s_w = W/28 the geometry scales from the 28x28
    set: largest shift d = (floor(2 s_h), floor(2 s_w)) pixels, margin m = d + (floor(3 s_h),
    floor(3 s_w)), blur sigma = max(1.1 min(s_h, s_w), 0.7) pixels, P = max(16, ceil(16 max(s_h,
    s_w))) points per stroke. All draws come from one `np.random.default_rng(seed)`, in this order:

    1. Per class y: 3 straight strokes with end points uniform in rows [m_h, H-1-m_h] and columns
       [m_w, W-1-m_w], each sampled at P evenly spaced points q; the pattern is
       p_y(i, j) = exp(-min_q |(i, j) - q|^2 / (2 sigma^2)), in [0, 1].
    2. Only if C > 1: per class and channel a weight u ~ U(0.2, 1), divided by the class's largest,
       w[y, c] = u[y, c] / max_c u[y, c] (so colour carries information too); for C = 1, w = 1.
    3. Per split (train, then test): class-balanced labels y (count % 10, permuted), shifts
       (dy, dx) uniform integers in [-d, d], brightness b ~ U(160, 255), then Gaussian noise
       e ~ N(0, 24^2) per value, and
       x[c, i, j] = clip(rint(p_y(i - dy, j - dx) * (w[y, c] * b) + e), 0, 255)
       (p_y is 0 outside the image).

    For (1, 28, 28) this is exactly the original 28x28 set (the same arrays for every seed). The
    same arguments always give identical arrays. An MLP reaches well above 90 % test accuracy in a
    few epochs on the 28x28 set. Raises DataError (one line) for counts or a shape out of range.
    """
    for label, count in (("n_train", n_train), ("n_test", n_test)):
        if int(count) != count or count < 1:
            raise DataError(f"synthetic dataset: {label} must be a positive integer, got {count!r}")
    shape = _synthetic_shape(shape)
    rng = np.random.default_rng(seed)
    patterns, shift = _stroke_prototypes(rng, shape[1:])
    weights = _channel_weights(rng, shape[0])
    train_x, train_y = _synthetic_examples(rng, patterns, weights, shift, int(n_train))
    test_x, test_y = _synthetic_examples(rng, patterns, weights, shift, int(n_test))
    return Dataset(
        name="synthetic",
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        source="synthetic",
        shape=shape,
    )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX image (magic 2051) or label (magic 2049) file, gzip-compressed or raw.

    Returns a read-only uint8 array shaped by the header: (N, rows, cols) for images, (N,) for
    labels. Raises DataError if the file is missing, not gzip/IDX, or shorter or longer than its
    header says.
    """
    path = Path(path)
    content = _idx_bytes(path)
    if len(content) < 4:
        raise DataError(f"{path} is too short to be an IDX file ({len(content)} bytes); {_REFETCH}")
    magic = int.from_bytes(content[:4], "big")
    if magic not in (_IMAGES_MAGIC, _LABELS_MAGIC):
        raise DataError(
            f"{path} is not an IDX image or label file (magic 0x{magic:08x}, expected 0x00000803 "
            f"or 0x00000801); {_REFETCH}"
        )
    ndim = content[3]
    header_bytes = 4 + 4 * ndim
    if len(content) < header_bytes:
        raise DataError(f"{path} is truncated inside its IDX header; {_REFETCH}")
    dims = struct.unpack(f">{ndim}I", content[4:header_bytes])
    expected = math.prod(dims)
    got = len(content) - header_bytes
    kind = "pixels" if magic == _IMAGES_MAGIC else "labels"
    if got < expected:
        raise DataError(f"{path} is truncated (expected {expected} bytes of {kind}, got {got}); {_REFETCH}")
    if got > expected:
        raise DataError(
            f"{path} has {got - expected} extra bytes (expected {expected} bytes of {kind}, got {got}); {_REFETCH}"
        )
    array = np.frombuffer(content, dtype=np.uint8, offset=header_bytes).reshape(dims)
    return _frozen_array(array)


def find(name: str, data_dir: str | os.PathLike | None = None) -> Path:
    """The folder holding the four verified IDX files of "mnist" or "fashion-mnist"; for "cifar10"
    the folder of its six verified batch files or its verified archive (`find_cifar`).

    Looks, in order, in: `data_dir`, else $CYCLESIM_DATA (if either is given, only there); the user
    cache `cache_dir()/<name>`; for Fashion-MNIST, `DEBIAN_FASHION_DIR`; then downloads the files
    into the cache unless $CYCLESIM_NO_DOWNLOAD is set. In a given data folder DIR the files may be
    in `DIR/<name>/` or in DIR itself. Every file is checked against its known md5 sum.
    Raises DataError with a one-line message saying how to get the files.
    """
    key = _file_dataset_name(name)
    if key == "cifar10":
        return find_cifar(data_dir)
    given, origin = _given_data_dir(data_dir)
    if given is not None:
        return _find_in_given_dir(key, given, origin)
    tried = []
    cache = cache_dir() / key
    if _has_all_files(cache):
        return _verified(cache, key, fix="delete it (it will be downloaded again)")
    tried.append(f"cache {cache}")
    if key == "fashion-mnist":
        if _has_all_files(DEBIAN_FASHION_DIR):
            return _verified(DEBIAN_FASHION_DIR, key, fix="reinstall dataset-fashion-mnist")
        tried.append(str(DEBIAN_FASHION_DIR))
    if _downloads_disabled():
        tried.append("download disabled by CYCLESIM_NO_DOWNLOAD")
        raise DataError(_not_found_message(key, "or unset CYCLESIM_NO_DOWNLOAD", tried))
    problem = _download(key, cache)
    if problem:
        tried.append(f"download failed: {problem}")
        raise DataError(_not_found_message(key, "or allow network access", tried))
    return _verified(cache, key, fix="delete it (it will be downloaded again)")


def cache_dir() -> Path:
    """The user cache: $CYCLESIM_CACHE, else $XDG_CACHE_HOME/cyclesim, else ~/.cache/cyclesim."""
    explicit = os.environ.get("CYCLESIM_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "cyclesim"


def check_md5(path: str | os.PathLike, known: tuple[str, str], what: str = "the standard file") -> None:
    """Check that `path` is the standard file: its md5, or the md5 of its gzip content, is known.

    `known` is (md5 of the standard .gz file, md5 of its decompressed content), so the standard
    `.gz`, a re-compressed copy of it (as Debian ships) and the raw file are all accepted.
    Raises DataError naming the file otherwise; the caller adds how to fix it.
    """
    path = Path(path)
    gz_md5, raw_md5 = known
    file_md5 = _md5_of_file(path)
    if file_md5 in (gz_md5, raw_md5):
        return
    content_md5 = _md5_of_gzip_content(path)
    if content_md5 == raw_md5:
        return
    expected = gz_md5 if gz_md5 == raw_md5 else f"{gz_md5} or content md5 {raw_md5}"
    raise DataError(f"{path} is corrupt or not {what} (md5 {file_md5}, expected {expected})")


# ----------------------------------------------------------------------------------------------
# Names and locations

_REFETCH = "delete it and re-download or re-copy the original file"


def _canonical_name(name: str) -> str:
    """Normalise a dataset name ("Fashion_MNIST" -> "fashion-mnist"); DataError if unknown."""
    key = str(name).strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise DataError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    return key


def _file_dataset_name(name: str) -> str:
    """Canonical name of a dataset kept in files; DataError for "synthetic" or unknown names."""
    key = _canonical_name(name)
    if key not in _TITLES:
        raise DataError(f"dataset {key!r} is generated and has no files: load it with load({key!r})")
    return key


def _given_data_dir(data_dir) -> tuple[Path | None, str]:
    """The data folder given by argument or $CYCLESIM_DATA, and where it came from."""
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser(), "--data-dir"
    from_env = os.environ.get("CYCLESIM_DATA")
    if from_env:
        return Path(from_env).expanduser(), "CYCLESIM_DATA"
    return None, ""


def _candidate_folders(root: Path, key: str) -> list[Path]:
    """Folders of a user data folder that may hold dataset `key`, most specific first."""
    names = [key] + (["fashion_mnist"] if key == "fashion-mnist" else [])
    return [root / n for n in names] + [root]


def _present_files(folder: Path) -> dict[str, Path]:
    """The dataset files in `folder`, by name without suffix (the `.gz` one if both exist)."""
    found = {}
    for stem in FILES:
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.is_file():
                found[stem] = candidate
                break
    return found


def _has_all_files(folder: Path) -> bool:
    """Whether `folder` holds all four files (each `.gz` or raw)."""
    return len(_present_files(folder)) == len(FILES)


def _find_in_given_dir(key: str, root: Path, origin: str) -> Path:
    """Find the files in a folder the user named; never falls back to other places."""
    title = _TITLES[key]
    hint = f"{origin}={root}" if origin == "CYCLESIM_DATA" else f"{origin} {root}"
    if not root.is_dir():
        raise DataError(
            f"{title} data folder {root} does not exist or is not a folder (from {hint}): "
            f"fix the path or create it with the four IDX files"
        )
    candidates = _candidate_folders(root, key)
    for folder in candidates:
        if _has_all_files(folder):
            return _verified(folder, key, fix="replace it with the original file")
    for folder in candidates:
        present = _present_files(folder)
        if present:
            missing = ", ".join(s for s in FILES if s not in present)
            raise DataError(
                f"{title} files incomplete in {folder} (from {hint}): missing {missing} (.gz or raw); add them there"
            )
    looked = " and ".join(str(f) for f in candidates)
    raise DataError(
        f"{title} not found in {root} (from {hint}; looked in {looked}): put the four IDX files "
        f"({', '.join(FILES)}, .gz or raw) in {root / key} or point {origin} at their folder"
    )


def _verified(folder: Path, key: str, fix: str) -> Path:
    """Check every file in `folder` against the md5 table of `key`; return the folder."""
    for stem, path in _present_files(folder).items():
        try:
            check_md5(path, MD5[key][stem], what=f"the standard {_TITLES[key]} {stem} file")
        except DataError as error:
            raise DataError(f"{error}{_identify(path, stem)}: {fix}") from None
    return folder


def _identify(path: Path, stem: str) -> str:
    """A remark naming the other dataset if `path` is that dataset's file, else ""."""
    digest = _md5_of_file(path)
    for other, table in MD5.items():
        if digest in table.get(stem, ()):
            return f" (it is the {_TITLES.get(other, other)} file)"
    return ""


def _downloads_disabled() -> bool:
    """Whether $CYCLESIM_NO_DOWNLOAD asks not to download."""
    value = os.environ.get("CYCLESIM_NO_DOWNLOAD", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def _not_found_message(key: str, download_hint: str, tried: list[str]) -> str:
    """The one-line message for a dataset found nowhere."""
    title = _TITLES[key]
    debian = "; or apt-get install dataset-fashion-mnist" if key == "fashion-mnist" else ""
    return one_line(
        f"{title} not found: put the four IDX files in a folder and pass --data-dir DIR or set "
        f"CYCLESIM_DATA=DIR ({download_hint}{debian}; tried: {', '.join(tried)})"
    )


# ----------------------------------------------------------------------------------------------
# Reading and checking files


def _idx_bytes(path: Path) -> bytes:
    """The IDX content of `path`, decompressed if it is gzip; DataError if unreadable or corrupt."""
    raw = _read_bytes(path)
    if raw[:2] != _GZIP_MAGIC:
        if path.suffix == ".gz":
            raise DataError(f"{path} is not a gzip file; {_REFETCH}")
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path} is a corrupt gzip file ({one_line(str(error))}); {_REFETCH}") from None


def _md5_of_file(path: Path) -> str:
    """md5 hex digest of a file, read in chunks."""
    digest = hashlib.md5()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as error:
        raise DataError(f"cannot read {path} ({error.strerror or error}): check its permissions") from None
    return digest.hexdigest()


def _md5_of_gzip_content(path: Path) -> str | None:
    """md5 hex digest of the decompressed content of a gzip file; None if it is not valid gzip."""
    digest = hashlib.md5()
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def _read_split(paths: Mapping[str, Path], split: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and cross-check the images (as (N, 784)) and labels of split "train" or "t10k"."""
    images_path = paths[f"{split}-images-idx3-ubyte"]
    labels_path = paths[f"{split}-labels-idx1-ubyte"]
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(
            f"{images_path} does not hold {IMAGE_SIDE}x{IMAGE_SIDE} images (shape {images.shape}); "
            f"replace it with the standard {_TITLES[key]} file"
        )
    if labels.ndim != 1:
        raise DataError(
            f"{labels_path} does not hold labels (shape {labels.shape}); "
            f"replace it with the standard {_TITLES[key]} file"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels; "
            f"use files of the same split"
        )
    expected = STANDARD_COUNTS[split]
    if len(images) != expected:
        raise DataError(
            f"{images_path} has {len(images)} images, expected {expected}; "
            f"replace it with the standard {_TITLES[key]} file"
        )
    if len(labels) and int(labels.max()) >= CLASSES:
        raise DataError(
            f"{labels_path} has label {int(labels.max())}, expected 0..{CLASSES - 1}; "
            f"replace it with the standard {_TITLES[key]} file"
        )
    return images.reshape(len(images), PIXELS), labels


# ----------------------------------------------------------------------------------------------
# Downloading


def _mirror_bases(key: str) -> list[str]:
    """Base URLs to fetch `<base>/<file>.gz` from: $CYCLESIM_DATA_URL (two layouts) or MIRRORS."""
    base = os.environ.get("CYCLESIM_DATA_URL", "").strip()
    if base:
        base = base.rstrip("/")
        return [f"{base}/{key}", base]
    return [b.rstrip("/") for b in MIRRORS[key]]


def _make_cache(folder: Path) -> None:
    """Create the cache folder `folder`; DataError saying how to choose another if it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(
            f"cannot create cache folder {folder} ({error.strerror or error}): set CYCLESIM_CACHE to a writable folder"
        ) from None


def _download(key: str, folder: Path) -> str:
    """Download the files missing from `folder`; return "" on success, else why it failed.

    A file whose md5 does not match is deleted and reported as a DataError at once.
    """
    _make_cache(folder)
    bases = _mirror_bases(key)
    unreachable: set[str] = set()
    failures: list[str] = []
    present = _present_files(folder)
    for stem in FILES:
        if stem in present:
            continue
        mismatch = None
        for base in bases:
            if base in unreachable:
                continue
            url = f"{base}/{stem}.gz"
            try:
                _fetch(url, folder / f"{stem}.gz", MD5[key][stem], _TITLES[key])
                break
            except DataError as error:
                mismatch = error
            except urllib.error.HTTPError as error:
                failures.append(f"{url}: HTTP {error.code}")
            except (OSError, http.client.HTTPException) as error:
                unreachable.add(base)
                failures.append(f"{_host(url)}: {one_line(_reason(error))}")
        else:
            if mismatch is not None:
                raise mismatch
            return "; ".join(failures)
    return ""


def _fetch(url: str, target: Path, known: tuple[str, str], title: str) -> None:
    """Download `url` to `target` through a temporary file in the same folder, checking its md5.

    The target appears only complete and verified (os.replace); on any failure or interruption the
    temporary file is removed.
    """
    request = urllib.request.Request(url, headers={"User-Agent": "cyclesim"})
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
            shutil.copyfileobj(response, out, _CHUNK_BYTES)
        try:
            check_md5(temporary, known, what=f"the standard {title} {target.stem} file")
        except DataError:
            raise DataError(
                f"downloaded {target.name} from {url} is corrupt or not the standard {title} file "
                f"(md5 mismatch; deleted it): retry later, or get the files by hand and pass "
                f"--data-dir DIR or set CYCLESIM_DATA=DIR"
            ) from None
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _host(url: str) -> str:
    """The host (and port) part of a URL, for short messages."""
    return urllib.parse.urlsplit(url).netloc or url


def _reason(error: BaseException) -> str:
    """A short description of a network error."""
    reason = getattr(error, "reason", None)
    return str(reason) if reason is not None else f"{type(error).__name__}: {error}"


# ----------------------------------------------------------------------------------------------
# CIFAR-10 (binary version)

_CIFAR_HOW = (
    f"put CIFAR-10's binary version ({CIFAR_ARCHIVE}, or the six .bin files of its {CIFAR_ARCHIVE_DIR} "
    "folder) in a folder and pass --data-dir DIR or set CYCLESIM_DATA=DIR"
)


def find_cifar(data_dir: str | os.PathLike | None = None) -> Path:
    """CIFAR-10's verified source: a folder holding the six batch files (`CIFAR_FILES`, each checked
    against `CIFAR_MD5`) or the archive `CIFAR_ARCHIVE` (checked against `CIFAR_ARCHIVE_MD5`).

    Looks in `data_dir`, else $CYCLESIM_DATA (if either is given, only there: in DIR/cifar10,
    DIR/cifar-10, DIR, and the `CIFAR_ARCHIVE_DIR` folder inside each); then in the user cache
    `cache_dir()/cifar10`; then downloads the archive into the cache unless $CYCLESIM_NO_DOWNLOAD is
    set. Raises DataError with a one-line message saying how to get the files."""
    given, origin = _given_data_dir(data_dir)
    if given is not None:
        hint = f"{origin}={given}" if origin == "CYCLESIM_DATA" else f"{origin} {given}"
        if not given.is_dir():
            raise DataError(
                f"CIFAR-10 data folder {given} does not exist or is not a folder (from {hint}): fix the path or "
                f"create it with {CIFAR_ARCHIVE}"
            )
        folders = [
            root / sub for root in (given / "cifar10", given / "cifar-10", given) for sub in (".", CIFAR_ARCHIVE_DIR)
        ]
        found = _cifar_in(folders, fix="replace it with the original file")
        if found is not None:
            return found
        looked = ", ".join(str(f) for f in folders if f.is_dir())
        raise DataError(one_line(f"CIFAR-10 not found in {given} (from {hint}; looked in {looked}): {_CIFAR_HOW}"))
    cache = cache_dir() / "cifar10"
    fix = "delete it (it will be downloaded again)"
    found = _cifar_in([cache, cache / CIFAR_ARCHIVE_DIR], fix=fix)
    if found is not None:
        return found
    tried = [f"cache {cache}"]
    if _downloads_disabled():
        tried.append("download disabled by CYCLESIM_NO_DOWNLOAD")
        raise DataError(
            one_line(f"CIFAR-10 not found: {_CIFAR_HOW} (or unset CYCLESIM_NO_DOWNLOAD; tried: {', '.join(tried)})")
        )
    problem = _download_cifar(cache)
    if problem:
        tried.append(f"download failed: {problem}")
        raise DataError(
            one_line(f"CIFAR-10 not found: {_CIFAR_HOW} (or allow network access; tried: {', '.join(tried)})")
        )
    return _cifar_in([cache], fix=fix)


def _cifar_in(folders: list[Path], fix: str) -> Path | None:
    """The first of `folders` with all six batch files (checked) or the archive (checked), else None;
    DataError for a folder with only some of the batch files."""
    for folder in folders:
        present = _cifar_files(folder)
        if len(present) == len(CIFAR_FILES):
            for name, path in present.items():
                try:
                    check_md5(path, (CIFAR_MD5[name], CIFAR_MD5[name]), what=f"the standard CIFAR-10 {name}")
                except DataError as error:
                    raise DataError(f"{error}: {fix}") from None
            return folder
        if present:
            missing = ", ".join(n for n in CIFAR_FILES if n not in present)
            raise DataError(f"CIFAR-10 batch files incomplete in {folder}: missing {missing}; add them there")
        archive = folder / CIFAR_ARCHIVE
        if archive.is_file():
            try:
                check_md5(archive, (CIFAR_ARCHIVE_MD5, CIFAR_ARCHIVE_MD5), what=f"the standard {CIFAR_ARCHIVE}")
            except DataError as error:
                raise DataError(f"{error}: {fix}") from None
            return archive
    return None


def _cifar_files(source: Path) -> dict[str, Path]:
    """The CIFAR-10 batch files present in folder `source`, by name; {name: archive} for the archive."""
    if source.is_file():
        return {source.name: source}
    return {name: source / name for name in CIFAR_FILES if (source / name).is_file()}


def _cifar_batches(source: Path) -> dict[str, bytes]:
    """The bytes of the six batch files, from a folder or read from inside the archive (only its six
    regular members are read; nothing is extracted). DataError for a corrupt or truncated archive."""
    if not source.is_file():
        return {name: _read_bytes(source / name) for name in CIFAR_FILES}
    blobs = {}
    try:
        with tarfile.open(source, "r:gz") as archive:
            for name in CIFAR_FILES:
                member = archive.getmember(f"{CIFAR_ARCHIVE_DIR}/{name}")
                stream = archive.extractfile(member) if member.isfile() else None
                if stream is None:
                    raise KeyError(name)
                blobs[name] = stream.read()
    except KeyError as error:
        raise DataError(f"{source} has no regular member {CIFAR_ARCHIVE_DIR}/{error.args[0]}: {_REFETCH}") from None
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise DataError(f"{source} is a corrupt or truncated archive ({one_line(str(error))}); {_REFETCH}") from None
    return blobs


def _read_bytes(path: Path) -> bytes:
    """A file's bytes; DataError naming it if it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path} does not exist: check the path or re-download the file") from None
    except OSError as error:
        raise DataError(f"cannot read {path} ({error.strerror or error}): check its permissions") from None


def _cifar_records(blob: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 3072) uint8, labels (N,) uint8) of one batch file: N = `CIFAR_RECORDS` records of a
    label byte and 3072 pixel bytes (channel-major). DataError for a file of another size or labels."""
    record = 1 + input_values("cifar10")
    if len(blob) != CIFAR_RECORDS * record:
        raise DataError(
            f"{where} holds {len(blob)} bytes, not {CIFAR_RECORDS} records of {record} bytes (CIFAR-10's binary "
            f"batch): {_REFETCH}"
        )
    rows = np.frombuffer(blob, dtype=np.uint8).reshape(CIFAR_RECORDS, record)
    labels = rows[:, 0].copy()
    if int(labels.max()) >= CLASSES:
        raise DataError(f"{where} has label {int(labels.max())}, expected 0..{CLASSES - 1}: {_REFETCH}")
    return rows[:, 1:].copy(), labels


def _load_cifar(data_dir) -> Dataset:
    """CIFAR-10 from `find_cifar(data_dir)`: the five training batches in order, then the test batch."""
    source = find_cifar(data_dir)
    blobs = _cifar_batches(source)
    parts = [
        _cifar_records(blobs[name], f"{source} ({name})" if source.is_file() else str(source / name))
        for name in CIFAR_FILES
    ]
    train = parts[:-1]
    return Dataset(
        name="cifar10",
        train_x=np.concatenate([x for x, _y in train]),
        train_y=np.concatenate([y for _x, y in train]),
        test_x=parts[-1][0],
        test_y=parts[-1][1],
        source=str(source),
        shape=SHAPES["cifar10"],
    )


def _download_cifar(folder: Path) -> str:
    """Download `CIFAR_ARCHIVE` into `folder` (checked against its md5); "" on success, else why not."""
    _make_cache(folder)
    failures = []
    for base in _mirror_bases("cifar10"):
        url = f"{base}/{CIFAR_ARCHIVE}"
        try:
            _fetch(url, folder / CIFAR_ARCHIVE, (CIFAR_ARCHIVE_MD5, CIFAR_ARCHIVE_MD5), "CIFAR-10")
            return ""
        except urllib.error.HTTPError as error:
            failures.append(f"{url}: HTTP {error.code}")
        except (OSError, http.client.HTTPException) as error:
            failures.append(f"{_host(url)}: {one_line(_reason(error))}")
    return "; ".join(failures)


# ----------------------------------------------------------------------------------------------
# Synthetic data

_SHIFT_PX = 2
_MARGIN_PX = 3
_STROKES_PER_CLASS = 3
_POINTS_PER_STROKE = 16
_STROKE_SIGMA_PX = 1.1
_MIN_SIGMA_PX = 0.7
_MIN_CHANNEL_WEIGHT = 0.2
_NOISE_STD = 24.0
_CHUNK_VALUES = 1 << 20  # float64 values per intermediate array (8 MB), so large images stay in memory


def _synthetic_shape(shape) -> tuple[int, int, int]:
    """`shape` as a (channels, height, width) tuple of ints (None: `SYNTHETIC_SHAPE`); a one-line
    DataError naming the bad value and the allowed range otherwise."""
    if shape is None:
        return SYNTHETIC_SHAPE
    sides = tuple(shape) if isinstance(shape, (tuple, list, np.ndarray)) else None
    if sides is None or len(sides) != 3:
        raise DataError(one_line(f"synthetic dataset: shape must be (channels, height, width), got {shape!r}"))
    out = []
    for what, value, (low, high) in zip(
        ("channels", "height", "width"), sides, (SYNTHETIC_CHANNELS, SYNTHETIC_SIDES, SYNTHETIC_SIDES)
    ):
        integer = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
        if not integer or not low <= value <= high:
            shown = int(value) if integer else repr(value)
            raise DataError(
                one_line(f"synthetic dataset: shape {what} must be an integer from {low} to {high}, got {shown}")
            )
        out.append(int(value))
    return tuple(out)


def _stroke_prototypes(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """CLASSES patterns of a few blurred straight strokes on a `size` = (H, W) grid, as float
    intensities in [0, 1], (CLASSES, H, W), and the examples' largest shift (rows, columns).

    The stroke geometry (margin, blur, points per stroke, shift) scales with the image from the 28x28
    set, whose patterns and draws are unchanged (see `synthetic`)."""
    height, width = size
    shift = (_SHIFT_PX * height // IMAGE_SIDE, _SHIFT_PX * width // IMAGE_SIDE)
    margin = np.array([shift[0] + _MARGIN_PX * height // IMAGE_SIDE, shift[1] + _MARGIN_PX * width // IMAGE_SIDE])
    sigma = max(_STROKE_SIGMA_PX * (min(height, width) / IMAGE_SIDE), _MIN_SIGMA_PX)
    points_per_stroke = max(_POINTS_PER_STROKE, -(-_POINTS_PER_STROKE * max(height, width) // IMAGE_SIDE))
    rows = np.arange(height, dtype=np.float64)[None, :, None]
    cols = np.arange(width, dtype=np.float64)[None, None, :]
    batch = max(1, _CHUNK_VALUES // (height * width))
    prototypes = np.empty((CLASSES, height, width))
    t = np.linspace(0.0, 1.0, points_per_stroke)[:, None]
    for label in range(CLASSES):
        ends = rng.uniform(margin, np.array([height, width]) - 1 - margin, size=(_STROKES_PER_CLASS, 2, 2))
        points = np.concatenate([e[0] + t * (e[1] - e[0]) for e in ends])
        nearest = np.full((height, width), np.inf)  # squared distance to the nearest stroke point
        for first in range(0, len(points), batch):
            q = points[first : first + batch]
            distance2 = (rows - q[:, :1, None]) ** 2 + (cols - q[:, 1:, None]) ** 2
            np.minimum(nearest, distance2.min(axis=0), out=nearest)
        prototypes[label] = np.exp(-nearest / (2 * sigma**2))
    return prototypes, shift


def _channel_weights(rng: np.random.Generator, channels: int) -> np.ndarray:
    """Each class's fixed weight of every channel, (CLASSES, channels) in (0, 1], largest 1 per class;
    all 1 (and no draw) for one channel."""
    if channels == 1:
        return np.ones((CLASSES, 1))
    weights = rng.uniform(_MIN_CHANNEL_WEIGHT, 1.0, size=(CLASSES, channels))
    return weights / weights.max(axis=1, keepdims=True)


def _synthetic_examples(
    rng: np.random.Generator, patterns: np.ndarray, weights: np.ndarray, shift: tuple[int, int], count: int
) -> tuple[np.ndarray, np.ndarray]:
    """`count` noisy, shifted, class-balanced examples of `patterns` (CLASSES, H, W) weighted per
    channel by `weights` (CLASSES, C): (count, C*H*W) channel-major and (count,) uint8 arrays."""
    _classes, height, width = patterns.shape
    channels = weights.shape[1]
    labels = rng.permutation(np.arange(count) % CLASSES).astype(np.uint8)
    shift_h, shift_w = shift
    padded = np.pad(patterns, ((0, 0), (shift_h, shift_h), (shift_w, shift_w)))
    if shift_h == shift_w:
        offsets = rng.integers(-shift_h, shift_h + 1, size=(count, 2))
    else:
        offsets = rng.integers((-shift_h, -shift_w), (shift_h + 1, shift_w + 1), size=(count, 2))
    rows = np.arange(height)[None, :] + shift_h - offsets[:, :1]
    cols = np.arange(width)[None, :] + shift_w - offsets[:, 1:]
    brightness = rng.uniform(160.0, 255.0, size=(count, 1, 1, 1))
    pixels = np.empty((count, channels * height * width), dtype=np.uint8)
    step = max(1, _CHUNK_VALUES // (channels * height * width))
    for first in range(0, count, step):  # the noise is drawn in the same order as all at once
        part = slice(first, min(first + step, count))
        shifted = padded[labels[part, None, None], rows[part, :, None], cols[part, None, :]][:, None]
        scale = weights[labels[part]][:, :, None, None] * brightness[part]
        noise = rng.normal(0.0, _NOISE_STD, size=(len(shifted), channels, height, width))
        values = np.clip(np.rint(shifted * scale + noise), 0, 255).astype(np.uint8)
        pixels[part] = values.reshape(len(values), -1)
    return pixels, labels
