"""The package's layers (docs/package.md): every import goes to the importer's own layer or one it may use.

Data flows one way: data -> networks -> configuration -> evaluation -> runs -> the zoo -> the command line.
The imports are read from the source (function-level ones included), so a lazy import is no way around a layer.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "keras_gan"

# Layer -> the package's top-level modules and subpackages in it, lowest first.
LAYERS = {
    "foundation": {"_checks", "_io", "_tf", "_startup", "version", "priors", "losses", "plotting"},
    "data": {"datasets"},
    "networks": {"layers", "architectures", "schedules", "trainers", "model"},
    "configuration": {"experiments"},
    "evaluation": {"evaluation", "diagnostics"},
    "records": {"records", "checkpoints"},
    "workflows": {"callbacks", "training", "distribute", "classifier_training", "theory"},
    "zoo": {"pretrained", "export", "figures"},
    "publishing": {"publish"},
    "interface": {"cli", "__init__"},
}
# Layer -> the layers below it that it may import. Networks never see data files, evaluation never sees a
# run's configuration or folder, and loading a shipped model never imports the training workflow.
MAY_IMPORT = {
    "foundation": set(),
    "data": {"foundation"},
    "networks": {"foundation"},
    "configuration": {"foundation", "data", "networks"},
    "evaluation": {"foundation", "data", "networks"},
    "records": {"foundation", "data", "networks", "configuration"},
    "workflows": {"foundation", "data", "networks", "configuration", "evaluation", "records"},
    "zoo": {"foundation", "data", "networks", "configuration", "evaluation", "records"},
    "publishing": {"foundation", "data", "networks", "configuration", "evaluation", "records", "workflows", "zoo"},
    "interface": set(LAYERS) - {"interface"},
}


def _unit(parts: tuple[str, ...]) -> str:
    """The top-level module or subpackage a dotted path inside the package belongs to."""
    return parts[0] if parts else "__init__"


def _imports(path: Path, package: Path) -> list[tuple[str, int]]:
    """`(unit, line)` of every import of the package in `path`, at any depth of the file."""
    relative = path.relative_to(package).with_suffix("").parts
    here = relative[:-1]  # the package a relative import starts from
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
            found += [(_unit(tuple(name[1:])), node.lineno) for name in names if name[0] == package.name]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - (node.level - 1)]) + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == package.name:
                base = node.module.split(".")[1:]
            else:
                continue
            if base:
                found.append((_unit(tuple(base)), node.lineno))
            else:  # `from keras_gan import a, b`: each name is a module of the package or a name of its __init__
                for alias in node.names:
                    is_module = (package / alias.name).is_dir() or (package / f"{alias.name}.py").exists()
                    found.append((alias.name if is_module else "__init__", node.lineno))
    return found


def layer_violations(package: Path = PACKAGE, layers: dict = LAYERS, may_import: dict = MAY_IMPORT) -> list[str]:
    """One line per import that leaves its layer's allowance, and per module no layer names."""
    layer_of = {unit: layer for layer, units in layers.items() for unit in units}
    problems = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).with_suffix("").parts
        unit = _unit(relative if relative != ("__init__",) else ())
        if unit not in layer_of:
            problems.append(f"{path.relative_to(package.parent)}: module {unit!r} is in no layer of LAYERS")
            continue
        layer = layer_of[unit]
        for imported, line in _imports(path, package):
            target = layer_of.get(imported)
            if imported == unit or target == layer:
                continue
            if target not in may_import[layer]:
                problems.append(f"{path.relative_to(package.parent)}:{line}: {layer} layer ({unit}) imports "
                                f"{imported} ({target} layer)")
    return problems


def test_every_import_stays_within_its_layer():
    problems = layer_violations()
    assert not problems, "imports that break docs/package.md's layering:\n" + "\n".join(problems)


def test_the_check_finds_an_import_from_a_higher_layer(tmp_path):
    package = tmp_path / "keras_gan"
    (package / "datasets").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "datasets" / "__init__.py").write_text("def load():\n    from keras_gan import training\n")
    (package / "training.py").write_text("from keras_gan.datasets import load\n")
    (package / "extra.py").write_text("")
    problems = layer_violations(package)
    assert problems == ["keras_gan/datasets/__init__.py:2: data layer (datasets) imports training (workflows layer)",
                        "keras_gan/extra.py: module 'extra' is in no layer of LAYERS"]


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_layers_only_import_layers_below_them(layer):
    order = list(LAYERS)
    assert all(order.index(lower) < order.index(layer) for lower in MAY_IMPORT[layer])
