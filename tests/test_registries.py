"""Every entry of the registries the other tests do not walk: the datasets (on the shared data) and the
sample-quality metrics. Architectures, experiments, priors and generator losses: tests/test_architectures.py,
tests/test_experiments.py and tests/test_model.py."""

import numpy as np
import pytest

from keras_gan import datasets, evaluation
from tests.helpers import DATA_DIR, require_data, write_mnist


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_every_dataset_loads_offline_from_the_shared_data(name):
    require_data()
    spec = datasets.DATASETS[name]
    if not any((DATA_DIR / source).exists() for source in spec.sources):
        pytest.skip(f"the shared data holds none of {spec.sources} ({name} is not distributed with it)")
    images, labels = datasets.load_numpy(name, "test", data_dir=DATA_DIR)
    assert images.dtype == np.float32 and images.shape[1:] == spec.image_shape and len(images) > 0
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert labels.shape == (len(images),) and set(np.unique(labels)) <= set(range(spec.num_classes))


@pytest.mark.slow
@pytest.mark.parametrize("metric", evaluation.METRICS)
def test_every_metric_reports_finite_values_for_the_model_and_the_data(metric, tmp_path):
    write_mnist(tmp_path, sizes=(300, 300, 50))
    samples = 0.1 * np.random.default_rng(0).uniform(size=(120, 28, 28, 1)).astype("float32")
    report = evaluation.sample_quality(samples, "mnist", tmp_path, metrics_to_run=[metric], n_real=100,
                                       classifier=evaluation.build_classifier("mnist"))
    assert report.model and set(report.model) == set(report.reference)
    assert all(np.isfinite(float(report.model[key])) and np.isfinite(float(report.reference[key])) for key in report.model)
