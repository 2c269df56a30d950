"""FER-2013, the freely available stand-in for the Toronto Face Database.

The ICML 2013 facial-expression challenge set: 35,887 greyscale 48x48 faces,
the same size as TFD. Read from `fer2013-jpeg.tar.gz` or the `fer2013/`
folder it extracts to, laid out as `fer2013/train/<emotion>/Training_N.jpg`
and `fer2013/test/<emotion>/{PublicTest,PrivateTest}_N.jpg` (the layout of
the Kaggle dataset "msambare/fer2013", inside a `fer2013/` folder).

Splits follow the challenge's own: `train` = Training (28,709),
`valid` = PublicTest (3,589), `test` = PrivateTest (3,589). Images are
ordered by emotion, then file name. Labels are the challenge's codes:
0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral (the same
order as TFD's expressions). About 1,850 images duplicate others, as in the
original release. Pixels are k/255.
"""

from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from keras_gan.datasets import _images, _sources

SHAPE = (48, 48, 1)
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
SOURCES = ("fer2013-jpeg.tar.gz", "fer2013")
# File-name prefix of each split, and the folder it lives in.
_PREFIXES = {
    ("train", "Training_"): "train",
    ("test", "PublicTest_"): "valid",
    ("test", "PrivateTest_"): "test",
}
LAYOUT = (
    "fer2013/train/<emotion>/Training_N.jpg and "
    "fer2013/test/<emotion>/{PublicTest,PrivateTest}_N.jpg with 48x48 "
    "greyscale JPEGs and emotions " + " ".join(EMOTIONS)
)
HOW_TO_GET = (
    "FER-2013 is on Kaggle as the dataset 'msambare/fer2013'; put its train/ "
    "and test/ folders in <data_dir>/fer2013/."
)


def read(split: str, root: Optional[Path]) -> Tuple[np.ndarray, np.ndarray]:
    """Return one split as uint8 `(N, 48, 48, 1)` pixels and int64 labels.

    Args:
        split: str. `"train"`, `"valid"` or `"test"`.
        root: Path or None. Folder holding `fer2013-jpeg.tar.gz` or
            `fer2013/`.
    """
    if root is None:
        raise FileNotFoundError(
            "FER-2013 is not in tensorflow-datasets: pass `data_dir` (or set "
            f"{_sources.DATA_DIR_ENV}) to a folder holding one of {SOURCES}. "
            f"{HOW_TO_GET}"
        )
    source = _sources.find_source(root, SOURCES, "FER-2013", HOW_TO_GET)
    return _sources.cached_split(
        "fer2013",
        source,
        lambda: _images.read_labelled_jpegs(
            source,
            top="fer2013",
            classes={name: label for label, name in enumerate(EMOTIONS)},
            split_of=_split_of,
            shape=SHAPE,
            layout=LAYOUT,
            how_to_get=HOW_TO_GET,
        ),
        split,
    )


def _split_of(folder: str, file_name: str, rank: int, count: int) -> Optional[str]:
    """Assign a JPEG to a split by its folder and file-name prefix."""
    for (split_folder, prefix), split in _PREFIXES.items():
        if folder == split_folder and file_name.startswith(prefix):
            return split
    return None
