"""Every shipped model's training diagnostics, as `keras-gan diagnose NAME` prints them; `--write` records them.

For each name of `keras_gan.list_models()` (or those given), runs what
`keras-gan diagnose NAME` runs (`publish.run_diagnostics`: 1,000 samples and
noise seed 0 against the validation split, the initial weights rebuilt from
the model's configuration and seed) and prints its table.

`--write` records the report in `saved_models/NAME/metadata.json` as
`diagnostics` (with the command that reproduces it), as `keras-gan publish`
does, and puts the card's "Training diagnostics" section in
`saved_models/NAME/model_card.md`, after the scores: the cards of models
published before diagnostics existed then show them too.

Usage, from the repository root:

    python -m studies.zoo_diagnostics --data-dir ../shared/data [--write] [NAME ...]
"""

import argparse
import json

import keras_gan
from keras_gan import pretrained, publish
from keras_gan._io import atomic_write, atomic_write_json
from studies.zoo_quality import CARD_HEADING


def write(name: str, report) -> None:
    """Record `report` (a `keras_gan.diagnostics.Diagnostics`) as the `diagnostics` of `saved_models/name`."""
    folder = pretrained._root() / name
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["diagnostics"] = publish.diagnostics_entry(name, report)
    atomic_write_json(metadata, folder / "metadata.json")
    card = folder / "model_card.md"
    section = "\n".join(publish.diagnostics_lines(metadata)) + "\n"
    # Where `keras-gan publish` puts it: after the scores, before the sample quality that `zoo_quality` adds.
    text = publish.with_card_section(card.read_text(), section, before=(CARD_HEADING, "## How outputs are displayed"))
    atomic_write(card, lambda f: f.write(text.encode()))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="pretrained models (default: all of list_models())")
    parser.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    parser.add_argument("--write", action="store_true",
                        help="record the report in saved_models/NAME/metadata.json and model_card.md")
    args = parser.parse_args(argv)
    for name in args.names or keras_gan.list_models():
        generator, discriminator, record, first_stage = publish.load_networks(name)
        report = publish.run_diagnostics(generator, discriminator, record, args.data_dir, first_stage)
        print(f"{name}\n\n{report.table()}\n", flush=True)
        if args.write:
            write(name, report)


if __name__ == "__main__":
    main()
