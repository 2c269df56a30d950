"""The notebooks in notebooks/ run end to end at their small CI settings.

Each notebook is executed by a fresh `python3` kernel in the notebooks/
folder, with `KERAS_GAN_NOTEBOOK_QUICK=1` (500 Parzen samples, a few training
steps) and `KERAS_GAN_DATA_DIR` naming the data folder; nbclient raises if a
cell fails. theory.ipynb needs no data. The committed copies must carry the outputs of the full settings.
"""

import math
import os
import re
from pathlib import Path

import pytest

from tests.helpers import needs_data

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DATA_DIR = Path(os.environ.get("KERAS_GAN_DATA_DIR", NOTEBOOKS.parents[1] / "shared" / "data")).resolve()
# How `print(ParzenResult)` starts: "Parzen log-likelihood: 225.3 +- 2.0 (sigma=0.215, 10000 samples".
PARZEN = re.compile(r"Parzen log-likelihood: (\S+) \+- (\S+) \(sigma=\S+, (\d+) samples")

needs_mnist = needs_data("mnist.pkl.gz", folder=DATA_DIR)


def _execute(name: str, monkeypatch):
    """The notebook `name`, executed at the small settings."""
    monkeypatch.setenv("KERAS_GAN_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(DATA_DIR))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    return client.execute()


def _stdout(notebook) -> str:
    return "".join(
        output.text
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def _parzen_scores(text: str) -> list:
    """`(mean, std_error, n_samples)` of each printed Parzen result."""
    return [(float(mean), float(error), int(n)) for mean, error, n in PARZEN.findall(text)]


@needs_mnist
@pytest.mark.slow
def test_quickstart_samples_scores_trains_and_exports(monkeypatch):
    notebook = _execute("quickstart.ipynb", monkeypatch)
    text = _stdout(notebook)
    scores = _parzen_scores(text)
    # The pretrained generator's score, then the freshly trained GAN's.
    assert [n for _, _, n in scores] == [500, 500]
    for mean, error, _ in scores:
        assert math.isfinite(mean) and math.isfinite(error) and error > 0
    grids = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(grids) == 2
    assert "mnist_small/1\n" in text
    assert "['limits', 'sample', 'serving_default']\n" in text


@needs_mnist
@pytest.mark.slow
def test_reproduce_table1_prints_the_table(monkeypatch):
    text = _stdout(_execute("reproduce_table1.ipynb", monkeypatch))
    (gan_mean, gan_error, n), (data_mean, data_error, _) = _parzen_scores(text)
    assert n == 500
    for value in (gan_mean, gan_error, data_mean, data_error):
        assert math.isfinite(value)
    for model, score in {"DBN": "138 +- 2", "Stacked CAE": "121 +- 1.6", "Deep GSN": "214 +- 1.1",
                         "Adversarial nets": "225 +- 2"}.items():
        assert re.search(rf"^{model} \(paper\) +{re.escape(score)}$", text, re.M)
    assert re.search(rf"^Adversarial nets \(keras-gan mnist\) +{gan_mean:.1f} \+- {gan_error:.1f}$", text, re.M)
    assert re.search(rf"^Real training digits \(reference\) +{data_mean:.1f} \+- {data_error:.1f}$", text, re.M)


# How each of theory.ipynb's table rows starts: the frozen generator's name.
ROW = r"(?:shift [\d.]+|p_g = p_data)"


@pytest.mark.slow
def test_theory_walks_through_the_theorems_and_figure_1(monkeypatch):
    notebook = _execute("theory.ipynb", monkeypatch)
    text = _stdout(notebook)
    assert "settings: quick" in text
    # Theorem 1's identity V(D*, G) = C(G) holds to rounding whatever the training; one row per frozen G.
    gaps = re.findall(rf"^ *{ROW} +\S+ +\S+ +(\S+) +\S+ +\S+ +\S+$", text, re.M)
    assert len(gaps) == 5 and all(abs(float(gap)) < 1e-9 for gap in gaps)
    assert re.search(r"^\(d\) near convergence ", text, re.M)
    # The gradient table: minimax and non-saturating gradient norms of each G, and their ratio.
    ratios = re.findall(rf"^ *{ROW} +\S+ +\S+ +\S+ +(\S+)$", text, re.M)
    assert len(ratios) == 5 and all(float(ratio) > 0 for ratio in ratios)
    pngs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 2  # D against D*, and Figure 1


def _assert_run_top_to_bottom(notebook):
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), "run it top to bottom"
    assert not [o for cell in cells for o in cell.outputs if o.output_type == "error"]


@pytest.mark.parametrize("name", ["quickstart.ipynb", "reproduce_table1.ipynb"])
def test_committed_notebooks_carry_full_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    _assert_run_top_to_bottom(notebook)
    scores = _parzen_scores(_stdout(notebook))
    assert scores and all(n == 10000 for _, _, n in scores), "outputs of the quick settings were committed"


def test_committed_theory_notebook_carries_full_outputs():
    notebook = nbformat.read(NOTEBOOKS / "theory.ipynb", as_version=4)
    _assert_run_top_to_bottom(notebook)
    assert "settings: full" in _stdout(notebook), "outputs of the quick settings were committed"
