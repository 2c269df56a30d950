"""The Toronto Face Database (TFD), read exactly as pylearn2's `TFD` class reads it.

TFD's licence forbids redistribution, so there is no download: request the
database from its authors (J. Susskind, A. Anderson and G. Hinton, University
of Toronto; pylearn2 points to http://aclab.ca/users/josh/TFD.html) and put
`TFD_48x48.mat` in the data folder. FER-2013 (`name="fer2013"`) is a freely
available stand-in of the same size.

The file holds `images` (N, 48, 48), `folds` (N, 5), `labs_ex` (expression
1-7, -1 when unknown) and `labs_id` (identity). As in pylearn2, the split of
fold `f` (0-4) is the set of rows where `folds[:, f]` equals 0 (`unlabeled`),
1 (`train`), 2 (`valid`) or 3 (`test`); pixels are divided by 255
(pylearn2's `scale=True`, which the paper's configs set), and labels are
`labs_ex - 1`. The paper trained its TFD model on `unlabeled` and chose the
Parzen sigma on `valid` and scored on `test` of fold 0.

The `.mat` file is an uncompressed array file already, so it is read
directly rather than through the decode cache.
"""

from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import scipy.io

from keras_gan.datasets import _sources

FILE = "TFD_48x48.mat"
SHAPE = (48, 48, 1)
NUM_FOLDS = 5
# pylearn2's `TFD.mapper`: the value in `folds[:, fold]` for each split.
FOLD_VALUES = {"unlabeled": 0, "train": 1, "valid": 2, "test": 3}
LAYOUT = (
    "a MATLAB (v7 or older) file with 'images' (N x 48 x 48, values 0-255), "
    "'folds' (N x 5, values 0-3), 'labs_ex' and 'labs_id' (N x 1)"
)
HOW_TO_GET = (
    "The Toronto Face Database is licence-restricted: request it from its "
    "authors (University of Toronto, http://aclab.ca/users/josh/TFD.html) and "
    "put TFD_48x48.mat in the data folder, or use name='fer2013' instead."
)


def read(
    split: str, root: Optional[Path], fold: int = 0
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Return one split of one fold as uint8 `(N, 48, 48, 1)` pixels and labels.

    Args:
        split: str. `"unlabeled"`, `"train"`, `"valid"` or `"test"`.
        root: Path or None. Folder holding `TFD_48x48.mat`.
        fold: int. Which of the 5 official folds. Defaults to 0.

    Returns:
        `(images, labels)`; labels are expressions 0-6 (int64), or None for
        `"unlabeled"`.
    """
    if root is None:
        raise FileNotFoundError(
            "TFD cannot be downloaded: pass `data_dir` (or set "
            f"{_sources.DATA_DIR_ENV}) to a folder holding {FILE}. {HOW_TO_GET}"
        )
    source = _sources.find_source(root, (FILE,), "TFD", HOW_TO_GET)

    def invalid(problem: str) -> ValueError:
        return _sources.invalid_file_error(source, problem, LAYOUT, HOW_TO_GET)

    try:
        data = scipy.io.loadmat(
            source, variable_names=("images", "folds", "labs_ex")
        )
    except NotImplementedError as error:
        raise invalid(
            "it is a MATLAB v7.3 (HDF5) file; re-save it with `save -v7`"
        ) from error
    except (OSError, ValueError, TypeError) as error:
        raise invalid(f"it is not a readable MATLAB file ({error})") from error
    missing = {"images", "folds", "labs_ex"} - data.keys()
    if missing:
        raise invalid(f"it lacks the variables {sorted(missing)}")
    images, folds = data["images"], data["folds"]
    labels = data["labs_ex"].reshape(-1)
    count = len(images)
    if images.shape[1:] != SHAPE[:2] or folds.shape != (count, NUM_FOLDS):
        raise invalid(
            f"found images of shape {images.shape} and folds of shape "
            f"{folds.shape}"
        )
    if len(labels) != count:
        raise invalid(f"found {len(labels)} labels for {count} images")
    if images.min(initial=0) < 0 or images.max(initial=0) > 255:
        raise invalid("pixel values lie outside 0-255")

    selected = folds[:, fold] == FOLD_VALUES[split]
    if not selected.any():
        raise invalid(f"fold {fold} has no '{split}' images")
    # Rounding only matters for a file that stores the levels as floats.
    pixels = np.rint(images[selected]).astype(np.uint8).reshape(-1, *SHAPE)
    if split == "unlabeled":
        return pixels, None
    return pixels, labels[selected].astype(np.int64) - 1
