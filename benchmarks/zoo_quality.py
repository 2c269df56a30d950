"""Every shipped generator's sample quality beside its dataset's own, as one markdown table.

For each name of `keras_gan.list_models()` (or those given), runs
`keras_gan.evaluation.sample_quality` with its defaults, what `keras-gan
evaluate NAME` prints (10,000 samples, seed 0, against 10,000 real training
images; Parzen with the paper's protocol), and prints one row for the model
and one for its dataset's reference (10,000 other training images in place of
the samples; Parzen: 10,000 training images as the samples). A dataset's
reference row is printed once, after its first model.

Usage, from the repository root:

    python -m benchmarks.zoo_quality --data-dir ../shared/data [NAME ...]
"""

import argparse
import time

import keras_gan
from keras_gan import pretrained
from keras_gan.evaluation import sample_quality

COLUMNS = (
    ("Parzen", lambda v: f"{v['parzen']:.1f} +- {v['parzen_se']:.1f}"),
    ("FID", lambda v: f"{v['fid']:.3f}"),
    ("KID x 1000", lambda v: f"{v['kid']:.1f} +- {v['kid_std']:.1f}"),
    ("precision", lambda v: f"{v['precision']:.3f}"),
    ("recall", lambda v: f"{v['recall']:.3f}"),
    ("density", lambda v: f"{v['density']:.3f}"),
    ("coverage", lambda v: f"{v['coverage']:.3f}"),
    ("classes", lambda v: f"{v['classes_covered']}"),
    ("largest / smallest class share", lambda v: f"{v['largest_class_share']:.3f} / {v['smallest_class_share']:.3f}"),
    ("class entropy", lambda v: f"{v['class_entropy']:.3f}"),
    ("classifier score", lambda v: f"{v['classifier_score']:.2f}"),
    ("memorised", lambda v: f"{v['memorised_fraction']:.3f}"),
    ("distance ratio", lambda v: f"{v['nearest_distance_ratio']:.3f}"),
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="pretrained models (default: all of list_models())")
    parser.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    args = parser.parse_args(argv)
    print("| model | " + " | ".join(name for name, _ in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    seen = set()
    for name in args.names or keras_gan.list_models():
        start = time.perf_counter()
        spec = pretrained.load_model(name)
        dataset = spec.dataset()
        report = sample_quality(spec, dataset, args.data_dir, spec.output_space)
        print(f"| `{name}` ({time.perf_counter() - start:.0f} s) | "
              + " | ".join(show(report.model) for _, show in COLUMNS) + " |", flush=True)
        if (dataset, spec.output_space) not in seen:
            seen.add((dataset, spec.output_space))
            print(f"| {dataset} training images ({spec.output_space}) | "
                  + " | ".join(show(report.reference) for _, show in COLUMNS) + " |", flush=True)


if __name__ == "__main__":
    main()
