"""Where dataset files come from, how they are checked, and the decode cache.

Shared by the per-dataset modules:

- `resolve_data_dir`: an explicit `data_dir`, else the `KERAS_GAN_DATA_DIR`
  environment variable, else `None` (meaning: use tensorflow-datasets).
- `find_source`: the first of a dataset's accepted file names in that folder.
- `read_tree`: the files of a tarball, or of the folder it extracts to, as
  `{relative name: bytes}`, so archives and extracted copies read the same.
- `cached_split`: decode a source once and keep the arrays in an `.npz`
  under `KERAS_GAN_CACHE_DIR` (default `~/.keras/keras_gan`), keyed by the
  source's sha256, so later loads skip the slow decoding (read with
  `allow_pickle=False`; a cache that cannot be written only warns).
- `load_tfds`: the download path for users with a network.
"""

import hashlib
import os
import tarfile
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from keras_gan._io import WriteError, atomic_write, sha256

DATA_DIR_ENV = "KERAS_GAN_DATA_DIR"
CACHE_DIR_ENV = "KERAS_GAN_CACHE_DIR"
# Part of every cache file name: bump it when decoding changes, so that
# arrays decoded the old way are not reused.
CACHE_VERSION = 1

PathLike = Union[str, os.PathLike]
Arrays = Dict[str, np.ndarray]

# sha256 of the releases we know byte for byte. A file with another hash is
# still read (with a warning) when its layout checks out: re-packed copies
# exist, and the layout checks catch truncated or foreign files.
KNOWN_SHA256 = {
    # The classic file as in the project's shared data (the README gives it).
    "mnist.pkl.gz": "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416",
    # The official release, as pinned by `keras.datasets.cifar10`.
    "cifar-10-python.tar.gz": (
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    ),
    # The project's lossy JPEG copies (see the shared data README).
    "cifar10-jpeg.tar.gz": (
        "7854ea059adc7729ab5267c5269ccc01e6eaeea6549d5f3c834c106bae86e8ee"
    ),
    "fer2013-jpeg.tar.gz": (
        "81f3a48edeb872942334289a66e742230dc9f73922fc76fb804e1428f691ee97"
    ),
}


def resolve_data_dir(data_dir: Optional[PathLike]) -> Optional[Path]:
    """Return the folder to read from: `data_dir`, else the env variable.

    Returns `None` when neither is set, which means "use tensorflow-datasets".
    """
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                "`data_dir` must be an existing folder holding the dataset "
                f"files. Received: data_dir='{data_dir}'"
            )
        return path
    from_env = os.environ.get(DATA_DIR_ENV)
    if not from_env:
        return None
    path = Path(from_env).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"The {DATA_DIR_ENV} environment variable must name an existing "
            f"folder holding the dataset files. Received: "
            f"{DATA_DIR_ENV}='{from_env}'"
        )
    return path


def find_source(
    root: Path, names: Sequence[str], dataset: str, how_to_get: str
) -> Path:
    """Return `root / name` for the first of `names` that exists."""
    for name in names:
        if (root / name).exists():
            return root / name
    raise FileNotFoundError(
        f"No {dataset} data in {root}: expected one of {tuple(names)}. "
        f"{how_to_get}"
    )


def invalid_file_error(
    path: Path, problem: str, layout: str, how_to_get: str
) -> ValueError:
    """Build the `ValueError` for a source that is corrupt or laid out wrongly."""
    known = KNOWN_SHA256.get(path.name)
    checksum = f" (the known release has sha256 {known})" if known else ""
    return ValueError(
        f"Cannot read {path}: {problem}. Expected {layout}{checksum}. "
        f"{how_to_get}"
    )


def fingerprint(path: Path) -> str:
    """Return a hex digest identifying a source file or folder.

    A file's is its sha256. A folder's hashes the names, sizes and
    modification times of its files: hashing every byte of 60,000 small
    images would cost about as much as decoding them.
    """
    if path.is_file():
        return sha256(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        stat = file.stat()
        name = file.relative_to(path).as_posix()
        digest.update(f"{name}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def warn_if_unknown(path: Path, digest: str) -> None:
    """Warn when a file with a known release has a different sha256."""
    known = KNOWN_SHA256.get(path.name)
    if known is not None and digest != known:
        warnings.warn(
            f"{path} has sha256 {digest}, not {known} (the known release). "
            "It is read anyway if its layout checks out, but results may "
            "differ from the reference data; re-download it if in doubt.",
            stacklevel=3,
        )


def read_tree(path: Path, top: str) -> Dict[str, bytes]:
    """Return `{name relative to top/: bytes}` for every file of a tree.

    Args:
        path: Path. A tarball whose files live under `top/`, or the folder
            `top` it extracts to.
        top: str. The tarball's top-level folder, e.g. `"cifar10"`.

    Raises:
        ValueError: `path` is not a readable tarball (corrupt or truncated);
            the message says so of "it", for the caller to name the file.
    """
    if path.is_dir():
        return {
            p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*"))
            if p.is_file()
        }
    prefix = top + "/"
    files = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                name = member.name.removeprefix("./")
                if member.isfile() and name.startswith(prefix):
                    files[name[len(prefix) :]] = archive.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"it is not a readable tarball ({error}); it may be truncated or corrupt"
        ) from error
    return files


def cache_dir() -> Path:
    """Return the folder for decoded arrays: `KERAS_GAN_CACHE_DIR` or default."""
    from_env = os.environ.get(CACHE_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path.home() / ".keras" / "keras_gan"


def cached_split(
    name: str, source: Path, build: Callable[[], Arrays], split: str
) -> Tuple[np.ndarray, np.ndarray]:
    """Return one split of `build()`'s arrays, decoding `source` only once.

    Args:
        name: str. Dataset name, part of the cache file name.
        source: Path. The file or folder `build` reads; its fingerprint keys
            the cache, so a changed source is decoded again.
        build: callable. Decodes `source` into `"{split}_images"` and
            `"{split}_labels"` arrays for every split.
        split: str. The split wanted; only its arrays are read back.

    Returns:
        `(images, labels)` of `split`.
    """
    keys = (f"{split}_images", f"{split}_labels")
    digest = fingerprint(source)
    cache_file = cache_dir() / f"{name}-{digest[:16]}-v{CACHE_VERSION}.npz"
    if cache_file.is_file():
        try:
            with np.load(cache_file, allow_pickle=False) as data:
                return data[keys[0]], data[keys[1]]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # A damaged cache file is rebuilt and replaced below.
    if source.is_file():
        warn_if_unknown(source, digest)
    arrays = build()
    try:
        atomic_write(cache_file, lambda f: np.savez(f, **arrays))
    except WriteError as error:
        # The cache only saves time: the data is read without it.
        warnings.warn(f"{error}. The decoded {name} arrays are not cached; set {CACHE_DIR_ENV} "
                      "to a writable folder to cache them.", stacklevel=3)
    return arrays[keys[0]], arrays[keys[1]]


def load_tfds(name: str, split: str, files: str) -> Arrays:
    """Return a tensorflow-datasets split as numpy arrays (downloads once).

    Args:
        name: str. The tensorflow-datasets name.
        split: str. The tensorflow-datasets split, e.g. `"train[:50000]"`.
        files: str. The local files that replace the download, and where they
            come from, for the message when it fails.

    Raises:
        FileNotFoundError: tensorflow-datasets is not installed, or the
            download failed (no network): one line that names `--data-dir`,
            the environment variable and `files`.
    """
    offline = f"pass --data-dir (or set the {DATA_DIR_ENV} environment variable) to a folder holding {files}"
    try:
        import tensorflow_datasets as tfds
        from tensorflow_datasets.core.download import downloader
    except ImportError as error:
        raise FileNotFoundError(
            f"No local {name} data was given and tensorflow-datasets cannot be imported ({error}): "
            f"{offline}, or `pip install tensorflow-datasets` to download it."
        ) from error
    # tensorflow-datasets retries a failed connection 10 times with exponential back-off, about 3.5 minutes
    # offline; one retry keeps a network blip survivable and an offline machine's answer within seconds.
    # Its progress bars would bury that answer.
    retries = downloader.MAX_RETRIES
    downloader.MAX_RETRIES = 1
    tfds.display_progress_bar(False)
    try:
        return tfds.as_numpy(tfds.load(name, split=split, batch_size=-1))
    except OSError as error:  # requests' ConnectionError is an OSError
        raise FileNotFoundError(
            f"Could not download {name} through tensorflow-datasets ({type(error).__name__}; no network?): "
            f"{offline}."
        ) from error
    finally:
        downloader.MAX_RETRIES = retries
        tfds.display_progress_bar(True)
