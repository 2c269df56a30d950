"""Install keras-gan: `pip install .` (or `pip install .[test]` for the test suite)."""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
version = {}
exec((ROOT / "keras_gan" / "version.py").read_text(), version)

setup(
    name="keras-gan",
    version=version["__version__"],
    description="Generative Adversarial Nets (Goodfellow et al., 2014) in Keras 3: models, "
    "pretrained generators, Parzen-window evaluation and TF Serving export.",
    long_description=(ROOT / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["keras_gan", "keras_gan.*"]) + ["keras_gan.saved_models"],
    # The top-level saved_models/ folder is installed as keras_gan/saved_models,
    # so that pretrained generators load after a non-editable install.
    package_dir={"keras_gan.saved_models": "saved_models"},
    # classifiers/<dataset>/: the feature classifiers of keras_gan.evaluation (not generators: two levels down,
    # so keras_gan.list_models(), which globs */metadata.json, does not list them).
    package_data={"keras_gan.saved_models": ["*/*.keras", "*/*.json", "*/*.md", "*/*.png", "*/*.csv",
                                             "classifiers/*/*.keras", "classifiers/*/*.json", "classifiers/*/*.md",
                                             "classifiers/*/*.csv"]},
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3",
        "tensorflow-datasets",
        # tensorflow-datasets 4.9.10 imports it without declaring it (tensorflow/datasets#11212).
        "importlib_resources",
        # TensorFlow 2.21 no longer installs TensorBoard, which tf.summary needs.
        "tensorboard",
        "numpy",
        "scipy",
        "pillow",
    ],
    extras_require={
        "test": ["pytest", "nbclient", "nbformat", "ipykernel", "ruff"],
        "serving": ["tensorflow-serving-api"],
    },
    entry_points={"console_scripts": ["keras-gan=keras_gan.cli:main"]},
)
