"""Tests for `keras_gan.export`: layout, signatures, fidelity, the serving docs, errors, faults, load."""

import errno
import json
import os
import re
import subprocess
import sys
import threading
import types
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import export
from keras_gan._io import claim_folder
from keras_gan.export import export_generator
from keras_gan.priors import UNIFORM_BOUND, sample_latent

DOCS = Path(__file__).resolve().parents[1] / "docs" / "serving.md"
# The documented request bodies are for the `mnist` model.
MNIST_LATENT_DIM = 100
MNIST_SHAPE = (28, 28, 1)
SEEDS = [0, 7, 2**31 - 1, 2**40 + 3, -1, -12345]


def tiny_generator(latent_dim=4, image_shape=(2, 2, 3), name="tiny", extra_layers=()):
    size = int(np.prod(image_shape))
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(16, "relu"),
            keras.layers.Dense(size, "sigmoid"),
            *extra_layers,
            keras.layers.Reshape(image_shape),
        ],
        name=name,
    )


def predict(generator, z):
    return keras.ops.convert_to_numpy(generator(z, training=False))


def call_signature(signature, arrays):
    """Call a signature as TF Serving does: all inputs by name, dtypes and shapes checked."""
    specs = signature.structured_input_signature[1]
    assert set(arrays) == set(specs), f"inputs {sorted(arrays)} != signature {sorted(specs)}"
    for key, spec in specs.items():
        assert arrays[key].dtype == spec.dtype.as_numpy_dtype, (key, arrays[key].dtype)
        assert spec.shape.is_compatible_with(arrays[key].shape), (key, arrays[key].shape)
    outputs = signature(**{k: tf.constant(v) for k, v in arrays.items()})
    return {k: v.numpy() for k, v in outputs.items()}


def rest_predict(loaded, body):
    """TF Serving's REST `:predict` on a JSON body, in process: returns the response body."""
    signature = loaded.signatures[body.get("signature_name", "serving_default")]
    specs = signature.structured_input_signature[1]
    assert ("instances" in body) != ("inputs" in body), "give exactly one of instances/inputs"
    if "instances" in body:
        rows = body["instances"]
        if all(isinstance(row, dict) for row in rows):
            assert all(set(row) == set(rows[0]) for row in rows)
            columns = {key: [row[key] for row in rows] for key in rows[0]}
        else:
            (key,) = specs
            columns = {key: rows}
        response_key = "predictions"
    else:
        inputs = body["inputs"]
        columns = inputs if isinstance(inputs, dict) else {next(iter(specs)): inputs}
        response_key = "outputs"
    assert set(columns) == set(specs), f"inputs {sorted(columns)} != signature {sorted(specs)}"
    arrays = {k: np.asarray(v, dtype=specs[k].dtype.as_numpy_dtype) for k, v in columns.items()}
    (images,) = call_signature(signature, arrays).values()
    return {response_key: images.tolist()}


def doc_blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", DOCS.read_text(), re.S | re.M)


def parse_signatures(cli_text):
    """`{signature: {"inputs"|"outputs": {name: (dtype, shape)}, "method": ...}}`."""
    signatures = {}
    for block in re.split(r"^signature_def\['", cli_text, flags=re.M)[1:]:
        name = block[: block.index("'")]
        if name.startswith("__"):
            continue
        entry = {"method": re.search(r"Method name is: (\S*)", block).group(1)}
        for kind in ("inputs", "outputs"):
            pattern = rf"{kind}\['(\w+)'\] tensor_info:\s+dtype: (\w+)\s+shape: (\([^)]*\))"
            entry[kind] = {m[0]: (m[1], m[2]) for m in re.findall(pattern, block)}
        signatures[name] = entry
    return signatures


def leftovers(directory):
    return sorted(str(p.relative_to(directory)) for p in Path(directory).rglob("*"))


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    """An `mnist`-shaped generator, its export and the reloaded SavedModel."""
    keras.utils.set_random_seed(0)
    generator = tiny_generator(MNIST_LATENT_DIM, MNIST_SHAPE, name="mnist")
    path = export_generator(generator, tmp_path_factory.mktemp("models"), latent_prior="normal")
    return generator, path, tf.saved_model.load(str(path))


def test_layout_and_default_versions(tmp_path):
    generator = tiny_generator()
    first = export_generator(generator, tmp_path, latent_prior="uniform")
    second = export_generator(generator, tmp_path, latent_prior="uniform")
    chosen = export_generator(generator, tmp_path, version=7, latent_prior="uniform")
    after = export_generator(generator, tmp_path, name="other", latent_prior="uniform")
    following = export_generator(generator, tmp_path, latent_prior="uniform")
    assert [first, second, chosen, after, following] == [
        tmp_path / "tiny" / "1",
        tmp_path / "tiny" / "2",
        tmp_path / "tiny" / "7",
        tmp_path / "other" / "1",
        tmp_path / "tiny" / "8",
    ]
    assert sorted(p.name for p in (tmp_path / "tiny").iterdir()) == ["1", "2", "7", "8"]
    assert (first / "saved_model.pb").is_file() and (first / "variables").is_dir()


@pytest.mark.slow
def test_saved_model_cli_lists_signatures(mnist):
    _, path, _ = mnist
    result = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "show", "--all",
         "--dir", str(path)],
        capture_output=True, text=True, check=True,
    )
    image = ("DT_FLOAT", "(-1, 28, 28, 1)")
    predict_method = "tensorflow/serving/predict"
    expected = {
        "serving_default": {
            "inputs": {"z": ("DT_FLOAT", "(-1, 100)")},
            "outputs": {"images": image},
            "method": predict_method,
        },
        "sample": {
            "inputs": {"num_samples": ("DT_INT32", "()"), "seed": ("DT_INT64", "()")},
            "outputs": {"images": image},
            "method": predict_method,
        },
        "limits": {"inputs": {}, "outputs": {"max_samples": ("DT_INT32", "()")}, "method": predict_method},
    }
    assert parse_signatures(result.stdout) == expected
    # The listing in the docs is this one.
    (documented,) = [b for b in doc_blocks("text") if "signature_def[" in b]
    assert parse_signatures(documented) == expected


@pytest.mark.slow
def test_tensorflow_only_process_reproduces_generator(mnist, tmp_path):
    generator, path, _ = mnist
    z = np.random.default_rng(1).standard_normal((6, MNIST_LATENT_DIM)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    script = (
        "import sys\n"
        "for blocked in ('keras', 'keras_gan', 'tf_keras'):\n"
        "    sys.modules[blocked] = None  # importing them now fails\n"
        "import numpy as np, tensorflow as tf\n"
        "path, z_file, out_file = sys.argv[1:]\n"
        "loaded = tf.saved_model.load(path)\n"
        "z = tf.constant(np.load(z_file))\n"
        "served = loaded.signatures['serving_default'](z=z)['images']\n"
        "sampled = loaded.signatures['sample'](\n"
        "    num_samples=tf.constant(5), seed=tf.constant(11, tf.int64))['images']\n"
        "np.savez(out_file, served=served.numpy(), sampled=sampled.numpy())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [sys.executable, "-I", "-c", script, str(path), "z.npy", "out.npz"],
        cwd=tmp_path, env={**env, "TF_CPP_MIN_LOG_LEVEL": "2"}, check=True,
        capture_output=True,
    )
    out = np.load(tmp_path / "out.npz")
    np.testing.assert_allclose(out["served"], predict(generator, z), rtol=1e-6, atol=1e-6)
    expected = predict(generator, sample_latent("normal", (5, MNIST_LATENT_DIM), seed=11))
    np.testing.assert_allclose(out["sampled"], expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("prior", ["uniform", "normal"])
def test_sample_latent_is_stateless_with_seed_pair(prior):
    # The contract of priors.py that lets the `sample` signature match `GAN.generate`.
    in_graph = tf.function(lambda seed: sample_latent(prior, tf.constant([3, 5]), seed))
    for seed in SEEDS:
        expected = (
            tf.random.stateless_uniform((3, 5), [seed, 0], -UNIFORM_BOUND, UNIFORM_BOUND)
            if prior == "uniform"
            else tf.random.stateless_normal((3, 5), [seed, 0])
        ).numpy()
        eager = keras.ops.convert_to_numpy(sample_latent(prior, (3, 5), seed=seed))
        np.testing.assert_array_equal(eager, expected, err_msg=f"seed={seed}")
        graph = in_graph(tf.constant(seed, tf.int64)).numpy()
        np.testing.assert_array_equal(graph, expected, err_msg=f"seed={seed}")


@pytest.mark.parametrize("prior", ["uniform", "normal"])
def test_sample_is_deterministic_and_equals_sample_latent(tmp_path, prior):
    generator = tiny_generator()
    loaded = tf.saved_model.load(str(export_generator(generator, tmp_path, latent_prior=prior)))
    sample = loaded.signatures["sample"]

    def images(n, seed):
        outputs = sample(num_samples=tf.constant(n), seed=tf.constant(seed, tf.int64))
        return outputs["images"].numpy()

    for seed in SEEDS:
        first = images(6, seed)
        np.testing.assert_array_equal(first, images(6, seed))
        expected = predict(generator, sample_latent(prior, (6, 4), seed=seed))
        np.testing.assert_allclose(first, expected, rtol=1e-6, atol=1e-6, err_msg=f"seed={seed}")
    assert not np.allclose(images(6, 0), images(6, 1))
    assert images(0, 0).shape == (0, 2, 2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_samples"):
        images(-1, 0)


def test_sample_refuses_more_than_max_samples_and_limits_reports_it(tmp_path):
    loaded = tf.saved_model.load(str(export_generator(tiny_generator(), tmp_path, latent_prior="normal", max_samples=3)))
    sample = loaded.signatures["sample"]
    assert sample(num_samples=tf.constant(3), seed=tf.constant(0, tf.int64))["images"].shape == (3, 2, 2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 3, the `max_samples` of this export"):
        sample(num_samples=tf.constant(4), seed=tf.constant(0, tf.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"non-negative integer: ask for 0 to 3 images\.\]"):
        sample(num_samples=tf.constant(-1), seed=tf.constant(0, tf.int64))
    limits = loaded.signatures["limits"]()
    assert set(limits) == {"max_samples"}
    assert limits["max_samples"].dtype == tf.int32 and int(limits["max_samples"]) == 3


def test_sample_equals_gan_generate(tmp_path):
    generator = tiny_generator()
    discriminator = keras.Sequential(
        [keras.Input((2, 2, 3)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    gan = keras_gan.GAN(generator, discriminator, latent_prior="uniform", name="tiny_gan")
    path = export_generator(gan, tmp_path)
    assert path == tmp_path / "tiny_gan" / "1"
    sample = tf.saved_model.load(str(path)).signatures["sample"]
    served = sample(num_samples=tf.constant(5), seed=tf.constant(3, tf.int64))["images"]
    generated = gan.generate(5, seed=3, batch_size=2)
    np.testing.assert_allclose(served.numpy(), generated, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="must match the model's prior"):
        export_generator(gan, tmp_path, latent_prior="normal")


def test_pretrained_name(tmp_path, monkeypatch):
    generator = tiny_generator(name="whatever")
    registry = types.ModuleType("keras_gan.pretrained")
    registry.get_preset = lambda name: {"latent_dim": 4, "latent_prior": "uniform"}
    registry.load_generator = lambda name: generator
    monkeypatch.setitem(sys.modules, "keras_gan.pretrained", registry)
    monkeypatch.setattr(keras_gan, "pretrained", registry, raising=False)

    path = export_generator("toy_mnist", tmp_path)
    assert path == tmp_path / "toy_mnist" / "1"
    sample = tf.saved_model.load(str(path)).signatures["sample"]
    served = sample(num_samples=tf.constant(3), seed=tf.constant(5, tf.int64))["images"]
    expected = predict(generator, sample_latent("uniform", (3, 4), seed=5))
    np.testing.assert_allclose(served.numpy(), expected, rtol=1e-6, atol=1e-6)

    registry.get_preset = lambda name: {"latent_dim": 8, "latent_prior": "uniform"}
    with pytest.raises(ValueError, match="latent_dim=8"):
        export_generator("toy_mnist", tmp_path)
    assert [p.name for p in (tmp_path / "toy_mnist").iterdir()] == ["1"]


def rest_bodies():
    bodies = [json.loads(block) for block in doc_blocks("json")]
    for block in doc_blocks("bash"):
        bodies += [json.loads(body) for body in re.findall(r"-d '(\{.*?\})'", block, re.S)]
    return bodies


def test_documented_rest_bodies_are_accepted(mnist):
    _, _, loaded = mnist
    bodies = rest_bodies()
    assert {b.get("signature_name") for b in bodies} == {"serving_default", "sample"}
    assert len(bodies) == 3
    for body in bodies:
        response = rest_predict(loaded, body)
        if "instances" in body:
            expected = (len(body["instances"]), *MNIST_SHAPE)
            assert np.asarray(response["predictions"]).shape == expected
        else:
            expected = (body["inputs"]["num_samples"], *MNIST_SHAPE)
            assert np.asarray(response["outputs"]).shape == expected


def test_sample_rejects_row_format(mnist):
    # Why the docs send `sample` in columnar format.
    _, _, loaded = mnist
    with pytest.raises(AssertionError):
        rest_predict(
            loaded, {"signature_name": "sample", "instances": [{"num_samples": 4, "seed": 42}]}
        )


def test_documented_grpc_client(mnist):
    grpc = pytest.importorskip("grpc")
    pytest.importorskip("tensorflow_serving")
    from concurrent import futures

    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    generator, _, loaded = mnist

    class Serving(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):
            assert request.model_spec.name == "mnist"
            signature = loaded.signatures[request.model_spec.signature_name or "serving_default"]
            arrays = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
            response = predict_pb2.PredictResponse()
            for key, value in call_signature(signature, arrays).items():
                response.outputs[key].CopyFrom(tf.make_tensor_proto(value))
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Serving(), server)
    port = server.add_insecure_port("localhost:0")
    server.start()
    try:
        (client,) = [b for b in doc_blocks("python") if "PredictRequest" in b]
        namespace = {}
        exec(client.replace("localhost:8500", f"localhost:{port}"), namespace)
    finally:
        server.stop(None)
    expected = loaded.signatures["sample"](
        num_samples=tf.constant(16), seed=tf.constant(42, tf.int64)
    )
    np.testing.assert_array_equal(namespace["sampled"], expected["images"].numpy())
    assert namespace["images"].shape == (16, *MNIST_SHAPE)
    np.testing.assert_allclose(namespace["images"], predict(generator, namespace["z"]), atol=1e-6)


def test_existing_version_is_kept(tmp_path):
    path = export_generator(tiny_generator(), tmp_path, version=1, latent_prior="uniform")
    before = {p: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    message = r"Version 1 of model 'tiny' already exists.*version=2"
    with pytest.raises(FileExistsError, match=message):
        export_generator(tiny_generator(), tmp_path, version=1, latent_prior="uniform")
    assert {p: p.read_bytes() for p in path.rglob("*") if p.is_file()} == before
    assert [p.name for p in (tmp_path / "tiny").iterdir()] == ["1"]


@pytest.mark.parametrize("where", ["under_a_file", "is_a_file", "read_only"])
def test_unwritable_export_dir(tmp_path, where):
    (tmp_path / "file").write_text("not a directory")
    export_dir = {"under_a_file": tmp_path / "file" / "models", "is_a_file": tmp_path / "file"}.get(
        where, tmp_path / "read_only"
    )
    if where == "read_only":
        if os.geteuid() == 0:
            pytest.skip("root writes through directory permissions")
        export_dir.mkdir()
        export_dir.chmod(0o500)
    try:
        with pytest.raises(OSError, match="writable directory"):
            export_generator(tiny_generator(), export_dir, latent_prior="uniform")
    finally:
        if where == "read_only":
            export_dir.chmod(0o700)
    expected = ["file", "read_only"] if where == "read_only" else ["file"]
    assert leftovers(tmp_path) == expected


class GraphOnlyShift(keras.layers.Layer):
    """Shifts its input only when traced, so the export differs from eager Keras."""

    def call(self, x):
        return x if tf.executing_eagerly() else x + 0.5


def test_mismatching_export_is_removed(tmp_path):
    export_dir = tmp_path / "models"
    with pytest.raises(RuntimeError, match="does not reproduce"):
        export_generator(
            tiny_generator(extra_layers=[GraphOnlyShift()]), export_dir, latent_prior="uniform"
        )
    assert leftovers(tmp_path) == []
    export_generator(tiny_generator(), export_dir, latent_prior="uniform")
    with pytest.raises(RuntimeError, match="does not reproduce"):
        export_generator(
            tiny_generator(extra_layers=[GraphOnlyShift()]), export_dir, latent_prior="uniform"
        )
    assert [p.name for p in (export_dir / "tiny").iterdir()] == ["1"]


class FakeGAN:
    def __init__(self, generator, latent_prior="uniform", latent_dim=None):
        self.generator = generator
        self.latent_prior = latent_prior
        self.latent_dim = latent_dim
        self.name = "fake_gan"


def two_inputs():
    a, b = keras.Input((4,)), keras.Input((4,))
    merged = keras.layers.Concatenate()([a, b])
    return keras.Model([a, b], keras.layers.Reshape((2, 2, 2))(merged))


UNIFORM = {"latent_prior": "uniform"}
NOT_GENERATORS = {
    "not_keras": (object, {}, "must be a generator `keras.Model`, a GAN"),
    "gan_without_keras_generator": (lambda: FakeGAN("generator"), {}, "must be a `keras.Model`"),
    "input_rank_3": (
        lambda: keras.Sequential(
            [keras.Input((4, 4)), keras.layers.Dense(3), keras.layers.Reshape((4, 3, 1))]
        ),
        UNIFORM,
        r"one input of shape `\(batch, latent_dim\)`",
    ),
    "two_inputs": (two_inputs, UNIFORM, "one input of shape"),
    "flat_output": (
        lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(12)]),
        UNIFORM,
        "image batch",
    ),
    "unbuilt": (
        lambda: keras.Sequential([keras.layers.Dense(12), keras.layers.Reshape((2, 2, 3))]),
        UNIFORM,
        "Cannot tell the generator's noise size",
    ),
    "integer_output": (
        lambda: tiny_generator(
            extra_layers=[keras.layers.Lambda(lambda x: keras.ops.cast(x, "int32"))]
        ),
        UNIFORM,
        "floating-point images",
    ),
    "gan_latent_dim_mismatch": (
        lambda: FakeGAN(tiny_generator(), latent_dim=9), {}, "latent_dim=9"
    ),
    "no_prior": (tiny_generator, {}, "`latent_prior` is required"),
    "unknown_prior": (tiny_generator, {"latent_prior": "laplace"}, "must be one of"),
    "callable_prior": (
        lambda: FakeGAN(tiny_generator(), latent_prior=lambda shape, seed: 0), {}, "Python callable"
    ),
    "version_0": (tiny_generator, {**UNIFORM, "version": 0}, r"Received: version=0$"),
    "version_bool": (tiny_generator, {**UNIFORM, "version": True}, "positive integer"),
    "version_str": (tiny_generator, {**UNIFORM, "version": "3"}, "positive integer"),
    "name_path": (tiny_generator, {**UNIFORM, "name": "../up"}, "`name` must be"),
    "name_empty": (tiny_generator, {**UNIFORM, "name": ""}, "`name` must be"),
    "max_samples_0": (tiny_generator, {**UNIFORM, "max_samples": 0}, r"`max_samples` must be a positive integer"),
    "max_samples_over_int32": (tiny_generator, {**UNIFORM, "max_samples": 2**31}, r"`num_samples` is an int32"),
}


@pytest.mark.parametrize("case", sorted(NOT_GENERATORS))
def test_invalid_arguments_write_nothing(tmp_path, case):
    make, kwargs, message = NOT_GENERATORS[case]
    with pytest.raises(ValueError, match=message):
        export_generator(make(), tmp_path / "models", **kwargs)
    assert leftovers(tmp_path) == []


def version_files(model_dir):
    return {p: p.read_bytes() for p in Path(model_dir).rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
        tf.errors.ResourceExhaustedError(None, None, "No space left on device\nwhile writing variables"),
    ],
    ids=["oserror", "tensorflow_error"],
)
def test_full_disk_during_export_keeps_the_existing_versions(tmp_path, monkeypatch, failure):
    export_generator(tiny_generator(), tmp_path, latent_prior="uniform")
    before = version_files(tmp_path)
    real_save = tf.saved_model.save

    def save_until_full(obj, export_dir, signatures=None, options=None):
        real_save(obj, export_dir, signatures=signatures, options=options)  # Files are half there...
        raise failure  # ...when the disk fills up.

    monkeypatch.setattr(tf.saved_model, "save", save_until_full)
    with pytest.raises(OSError) as error:
        export_generator(tiny_generator(), tmp_path, latent_prior="uniform")
    assert str(error.value) == (
        f"Cannot write the export in '{tmp_path / 'tiny'}' (No space left on device); nothing was written and "
        "existing versions are unchanged: free some space or pass another `export_dir`."
    )
    assert version_files(tmp_path) == before
    assert [p.name for p in (tmp_path / "tiny").iterdir()] == ["1"]


def test_export_removes_the_leftovers_of_killed_exports_only(tmp_path):
    """A hidden `.tmp-*` folder nobody claims (a killed export's) is removed; one a live export claims is kept."""
    model_dir = tmp_path / "tiny"
    for leftover in (".tmp-killed", ".tmp-live"):
        (model_dir / leftover / "variables").mkdir(parents=True)
        (model_dir / leftover / "saved_model.pb").write_bytes(b"half-written")
    claim = claim_folder(model_dir / ".tmp-live")
    assert claim is not None
    try:
        export_generator(tiny_generator(), tmp_path, latent_prior="uniform")
        assert claim_folder(model_dir / ".tmp-live") is None  # Still the live export's.
    finally:
        os.close(claim)
    assert sorted(p.name for p in model_dir.iterdir()) == [".tmp-live", "1"]


@pytest.mark.parametrize("version", [None, 3])
@pytest.mark.slow
def test_concurrent_exports_never_share_a_version(tmp_path, monkeypatch, version):
    # Each export waits (up to 5 s) for the other right after checking which version is free: without
    # a lock, both then rename into the same version; with it, the second checks after the first renamed.
    together = threading.Barrier(2)

    def meet():
        try:
            together.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass

    real_next_version, real_check_free = export._next_version, export._check_free

    def next_version_then_meet(model_dir):
        chosen = real_next_version(model_dir)
        meet()
        return chosen

    def check_free_then_meet(*args, while_exporting=False):
        real_check_free(*args, while_exporting=while_exporting)
        if while_exporting:
            meet()

    monkeypatch.setattr(export, "_next_version", next_version_then_meet)
    monkeypatch.setattr(export, "_check_free", check_free_then_meet)
    generators = [tiny_generator(), tiny_generator()]
    results = [None, None]

    def run(i):
        try:
            results[i] = export_generator(generators[i], tmp_path, version=version, latent_prior="uniform")
        except Exception as error:  # noqa: BLE001 - checked below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    written = [r for r in results if isinstance(r, Path)]
    if version is None:
        assert sorted(p.name for p in written) == ["1", "2"]
    else:
        (refused,) = [r for r in results if not isinstance(r, Path)]
        assert isinstance(refused, FileExistsError), refused
        assert "Version 3 of model 'tiny' was written by another export meanwhile" in str(refused)
        assert [p.name for p in written] == ["3"]
    assert sorted(p.name for p in (tmp_path / "tiny").iterdir()) == sorted(p.name for p in written)
    z = sample_latent("uniform", (3, 4), seed=0)
    for path in written:  # Each version is one export's, whole.
        served = tf.saved_model.load(str(path)).signatures["serving_default"](z=z)["images"].numpy()
        assert any(np.allclose(served, predict(g, z), atol=1e-6) for g in generators)


@pytest.mark.slow
def test_serving_under_load_in_a_tensorflow_only_process(tmp_path):
    from tests import serving_load

    path = export_generator(tiny_generator(), tmp_path, latent_prior="normal", max_samples=64)
    report = serving_load.run_server(path, requests=50, threads=4, max_samples=64)
    assert report["imported"] == [] and report["max_samples"] == 64
    assert report["failures"] == []
    assert (report["valid"], report["answered"], report["invalid"], report["refused_clearly"]) == (40, 40, 10, 10)
    assert set(report["by_kind"]) == {"valid", "over_limit", "negative", "not_int32"}
    # 50 requests of at most 64 tiny images: the process must not grow by more than 256 MiB (the
    # benchmark's stricter quarter-by-quarter bound is for its long runs; 50 requests are too few for it).
    rss = report["rss_mib"]
    assert rss["high_water_mark"] < rss["after_load"] + 256, rss
