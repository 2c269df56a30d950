"""The paper's Figure 1 from a real 1-D run: `run_figure_1` trains it, `figure_1` draws it, `figure_1_table` lists
the theory's numbers at each of its four stages."""

import dataclasses
from pathlib import Path

import keras
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy.special import expit
from scipy.stats import gaussian_kde

from keras_gan import plotting
from keras_gan._checks import check_positive_int
from keras_gan.model import generate
from keras_gan.priors import UNIFORM_BOUND
from keras_gan.theory import criteria, networks
from keras_gan.theory.data import TOY_PROBLEMS
from keras_gan.theory.toy_training import fit_toy

FIGURE_1_LABELS = ("(a) the start", "(b) D trained, G fixed", "(c) after G's updates", "(d) near convergence")
# The integration grid of Figure 1's numbers, with room to spare around all of p_data's and p_g's mass (C(G) =
# -log 4 + 2 JSD needs both to integrate to 1 on it), and the x-range drawn.
FIGURE_1_GRID = (-10.0, 12.0, 4401)
FIGURE_1_VIEW = (-2.5, 4.5)


@dataclasses.dataclass(frozen=True)
class Figure1Panel:
    """One panel of Figure 1: a 1-D GAN at one stage of its training, on a grid of x.

    Attributes:
        label: str. The panel's caption, such as `"(b) D trained, G fixed"`.
        x: array `(n,)`. The points of the grid.
        weights: array `(n,)`. Their integration weights.
        log_p_data: array `(n,)`. The data's exact log-density.
        samples: array `(k,)`. Samples of G.
        log_p_g: array `(n,)`. log p_g: a Gaussian kernel density estimate
            (Scott's bandwidth) of `samples`.
        d_logits: array `(n,)`. D's logits.
        z: array `(m,)`. Evenly spaced noise values across the prior's support.
        g_of_z: array `(m,)`. G(z).
    """

    label: str
    x: np.ndarray
    weights: np.ndarray
    log_p_data: np.ndarray
    samples: np.ndarray
    log_p_g: np.ndarray
    d_logits: np.ndarray
    z: np.ndarray
    g_of_z: np.ndarray

    @property
    def d(self) -> np.ndarray:
        """D(x)."""
        return expit(self.d_logits)

    @property
    def d_star(self) -> np.ndarray:
        """D*(x) = p_data / (p_data + p_g) (Proposition 1)."""
        return criteria.optimal_discriminator(self.log_p_data, self.log_p_g)

    @property
    def jsd(self) -> float:
        """JSD(p_data || p_g), nats."""
        return criteria.jensen_shannon(self.log_p_data, self.log_p_g, self.weights)

    @property
    def criterion(self) -> float:
        """C(G) = -log 4 + 2 JSD (Theorem 1): V at the best D for this G."""
        return criteria.virtual_training_criterion(self.log_p_data, self.log_p_g, self.weights)

    @property
    def value(self) -> float:
        """V(D, G) for this panel's D."""
        return criteria.value_function(self.d_logits, self.log_p_data, self.log_p_g, self.weights)

    @property
    def d_error(self) -> float:
        """E|D - D*| over the mixture (p_data + p_g) / 2."""
        return criteria.discriminator_error(self.d_logits, self.log_p_data, self.log_p_g, self.weights)


def run_figure_1(
    seed: int = 0, d_updates: int = 500, g_updates: int = 20, joint_updates: int = 3000, n_samples: int = 10000
) -> list[Figure1Panel]:
    """Train a 1-D GAN the way the paper's Figure 1 tells it, and record the figure's four stages.

    The data is `TOY_PROBLEMS["gaussian_1d"]`, N(2, 0.5^2); z is uniform on
    [-sqrt 3, sqrt 3]; G and D are `networks`' MLPs, trained with
    `fit_toy` (`GAN.fit`). The stages: (a) the networks as
    initialised; (b) after `d_updates` steps of D alone (G frozen; Adam's
    learning rate from 1e-2), when D approaches D*; (c) after `g_updates`
    steps of G alone against that D (from 1e-3); (d) after `joint_updates`
    steps of Algorithm 1, both networks trained (from 1e-3).

    Args:
        seed: int. Seeds the initial weights (`keras.utils.set_random_seed`,
            which seeds Python, NumPy and TensorFlow), the data and the noise.
            Defaults to 0.
        d_updates: int. Steps of stage (b). Defaults to 500.
        g_updates: int. Steps of stage (c). Defaults to 20.
        joint_updates: int. Steps of stage (d). Defaults to 3000.
        n_samples: int. Samples of G that p_g is estimated from. Defaults
            to 10000.

    Returns:
        The four `Figure1Panel`s, (a) to (d).

    Example:
    >>> panels = run_figure_1(d_updates=2, g_updates=2, joint_updates=2, n_samples=100)
    >>> [panel.label for panel in panels][1]
    '(b) D trained, G fixed'
    """
    counts = {"d_updates": d_updates, "g_updates": g_updates, "joint_updates": joint_updates, "n_samples": n_samples}
    for name, value in counts.items():
        check_positive_int(name, value)
    keras.utils.set_random_seed(seed)
    problem = TOY_PROBLEMS["gaussian_1d"]
    generator, discriminator = networks.generator(), networks.discriminator()
    points, weights = criteria.integration_grid(FIGURE_1_GRID[0], FIGURE_1_GRID[1], num=FIGURE_1_GRID[2])
    log_p_data = problem.log_prob(points)
    z = np.linspace(-UNIFORM_BOUND, UNIFORM_BOUND, 15, dtype="float32")[:, None]

    def snapshot(label: str) -> Figure1Panel:
        samples = generate(generator, "uniform", n_samples, seed=seed).astype("float64")[:, 0]
        return Figure1Panel(
            label,
            points[:, 0],
            weights,
            log_p_data,
            samples,
            gaussian_kde(samples).logpdf(points[:, 0]),
            np.asarray(discriminator(points.astype("float32")), dtype="float64")[:, 0],
            z[:, 0],
            np.asarray(generator(z), dtype="float64")[:, 0],
        )

    panels = [snapshot(FIGURE_1_LABELS[0])]
    stages = (("generator", d_updates, 1e-2), ("discriminator", g_updates, 1e-3), (None, joint_updates, 1e-3))
    for stage, (freeze, updates, learning_rate) in enumerate(stages, start=1):
        fit_toy(generator, discriminator, problem, updates, freeze=freeze, latent_prior="uniform",
                       learning_rate=learning_rate, seed=seed + stage)
        panels.append(snapshot(FIGURE_1_LABELS[stage]))
    return panels


def figure_1_table(panels: list[Figure1Panel]) -> str:
    """The theory's numbers at each panel, one line per stage, as `studies/figure_1.py` and the notebook print them.

    Columns: JSD(p_data || p_g), C(G) = -log 4 + 2 JSD, V(D, G), C(G) - V
    (0 exactly when D = D*), E|D - D*| over the mixture, D's range where the
    data has its central 95% (|x - mean| <= 1.96 std), and the mean and
    standard deviation of G's samples. All in nats where they are values.

    Args:
        panels: list of `Figure1Panel`.

    Returns:
        The table, a header and one line per panel.

    Example:
    >>> panels = run_figure_1(d_updates=2, g_updates=2, joint_updates=2, n_samples=100)
    >>> figure_1_table(panels).splitlines()[0].split()[:3]
    ['stage', 'JSD', 'C(G)']
    """
    lines = [f"{'stage':<24} {'JSD':>7} {'C(G)':>8} {'V(D,G)':>8} {'C-V':>7} {'E|D-D*|':>8} {'D on data':>13} "
             f"{'G mean':>7} {'G std':>6}"]
    for panel in panels:
        # For a Gaussian, p >= exp(-1.96^2 / 2) of its peak is exactly |x - mean| <= 1.96 std.
        central = panel.log_p_data >= panel.log_p_data.max() - 1.96**2 / 2
        d = panel.d[central]
        lines.append(
            f"{panel.label:<24} {panel.jsd:7.4f} {panel.criterion:8.4f} {panel.value:8.4f} "
            f"{panel.criterion - panel.value:7.4f} {panel.d_error:8.4f} {d.min():6.3f}-{d.max():.3f} "
            f"{panel.samples.mean():7.3f} {panel.samples.std():6.3f}"
        )
    return "\n".join(lines)


# Figure 1's colours, as in the paper: p_data black dots, p_g green, D blue dashes; D* light blue, G's map grey.
_BLACK, _GREEN, _BLUE, _LIGHT_BLUE, _GREY, _LIGHT_GREY = (
    (0, 0, 0), (0, 140, 0), (20, 60, 220), (150, 180, 250), (110, 110, 110), (205, 205, 205)
)
_SUPERSAMPLE = 3  # Drawn 3x larger, then scaled down: Pillow's lines have no anti-aliasing.
_PANEL_HEIGHT = 250  # Pixels; the plot, the x and z lines and two lines of caption.


def _patterned(draw: ImageDraw.ImageDraw, xy: np.ndarray, period: float, fill, width: int, dots: bool) -> None:
    """Draw the polyline `xy` dashed (half of every `period` pixels of its length) or as a dot every `period` pixels."""
    length = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    if dots:
        for x, y in xy[np.flatnonzero(np.diff(length // period)) + 1]:
            draw.ellipse((x - width, y - width, x + width, y + width), fill=fill)
        return
    for i in np.flatnonzero(length[:-1] % period < period / 2):
        draw.line([tuple(xy[i]), tuple(xy[i + 1])], fill=fill, width=width)


def _draw_panel(panel: Figure1Panel, panel_width: int, density_scale: float, fonts: tuple) -> Image.Image:
    s = _SUPERSAMPLE
    width, height = panel_width * s, _PANEL_HEIGHT * s
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, x_line, z_line = 12 * s, width - 12 * s, 8 * s, 140 * s, 190 * s
    low, high = FIGURE_1_VIEW

    def column(x):
        return left + (np.asarray(x) - low) / (high - low) * (right - left)

    def row(value):  # value 0 on the x line, 1 at the top; clipped to the plot
        return x_line - np.clip(value, 0.0, 1.02) * (x_line - top)

    seen = (panel.x >= low) & (panel.x <= high)
    x = column(panel.x[seen])
    draw.line([(left, row(0.5)), (right, row(0.5))], fill=_LIGHT_GREY, width=s)
    draw.text((right, row(0.5) - 2 * s), "D = 1/2", fill=_GREY, font=fonts[2], anchor="rd")
    for z, g in zip(column(panel.z), column(panel.g_of_z)):
        # The arrow z -> x = G(z), its head on the x line.
        draw.line([(z, z_line), (g, x_line)], fill=_GREY, width=s)
        direction = np.array([g - z, x_line - z_line]) / np.hypot(g - z, x_line - z_line)
        normal = np.array([-direction[1], direction[0]])
        tip = np.array([g, x_line])
        base = tip - 7 * s * direction
        draw.polygon([tuple(tip), tuple(base + 3 * s * normal), tuple(base - 3 * s * normal)], fill=_GREY)
    draw.line([(left, x_line), (right, x_line)], fill=_BLACK, width=s)
    draw.line([(column(-UNIFORM_BOUND), z_line), (column(UNIFORM_BOUND), z_line)], fill=_BLACK, width=s)
    draw.text((right, x_line + 2 * s), "x", fill=_BLACK, font=fonts[1], anchor="ra")
    draw.text((column(UNIFORM_BOUND) + 4 * s, z_line), "z", fill=_BLACK, font=fonts[1], anchor="lm")
    # D* only where the mixture has mass: elsewhere it is a ratio of two vanishing tails.
    mass = np.logaddexp(panel.log_p_data[seen], panel.log_p_g[seen]) > np.log(2e-3)
    for run in np.split(np.arange(len(x)), np.flatnonzero(np.diff(mass)) + 1):
        if mass[run[0]] and len(run) > 1:
            draw.line(list(zip(x[run], row(panel.d_star[seen][run]))), fill=_LIGHT_BLUE, width=s, joint="curve")
    draw.line(list(zip(x, row(density_scale * np.exp(panel.log_p_g[seen])))), fill=_GREEN, width=2 * s,
              joint="curve")
    _patterned(draw, np.stack([x, row(density_scale * np.exp(panel.log_p_data[seen]))], 1), 7 * s, _BLACK, s, True)
    _patterned(draw, np.stack([x, row(panel.d[seen])], 1), 12 * s, _BLUE, 2 * s, False)
    draw.text((width / 2, z_line + 10 * s), panel.label, fill=_BLACK, font=fonts[0], anchor="ma")
    numbers = f"JSD {panel.jsd:.3f}   V(D, G) {panel.value:.3f}   C(G) {panel.criterion:.3f}"
    draw.text((width / 2, z_line + 30 * s), numbers, fill=_GREY, font=fonts[2], anchor="ma")
    return image


def _legend(width: int, height: int, font) -> Image.Image:
    s = _SUPERSAMPLE
    image = Image.new("RGB", (width * s, height * s), "white")
    draw = ImageDraw.Draw(image)
    items = (
        ("p_data (the data)", _BLACK, "dots"),
        ("p_g (G's samples, KDE)", _GREEN, "solid"),
        ("D(x)", _BLUE, "dashes"),
        ("D* = p_data / (p_data + p_g)", _LIGHT_BLUE, "thin"),
        ("x = G(z)", _GREY, "thin"),
    )
    x, y = 14 * s, height * s / 2
    for text, colour, style in items:
        sample = np.array([[x, y], [x + 28 * s, y]], dtype=float)
        dense = np.linspace(sample[0], sample[1], 60)
        if style == "dots":
            _patterned(draw, dense, 7 * s, colour, s, True)
        elif style == "dashes":
            _patterned(draw, dense, 12 * s, colour, 2 * s, False)
        else:
            draw.line([tuple(p) for p in sample], fill=colour, width=(2 if style == "solid" else 1) * s)
        draw.text((x + 34 * s, y), text, fill=_BLACK, font=font, anchor="lm")
        x += 34 * s + draw.textlength(text, font=font) + 24 * s
    return image


def figure_1(panels: list[Figure1Panel], path, panel_width: int = 300) -> Path:
    """Draw the paper's Figure 1 from the panels of a real run (`run_figure_1`).

    Each panel shows, over the x-range -2.5 to 4.5, the data's density
    (black dots), a density estimate of G's samples (green), D(x) (blue
    dashes), D* (light blue) and the map x = G(z) from the noise's domain
    (the lower line) onto x (the upper line), with the panel's JSD, V(D, G)
    and C(G) in nats. The densities share one scale across panels.

    Args:
        panels: list of `Figure1Panel`. Drawn left to right.
        path: str or Path. PNG to write.
        panel_width: int. Width of each panel in pixels, at least 200 (the
            caption's width); each is 250 high. Defaults to 300.

    Returns:
        The path written.

    Example:
    >>> import tempfile
    >>> panels = run_figure_1(d_updates=2, g_updates=2, joint_updates=2, n_samples=100)
    >>> figure_1(panels, f"{tempfile.mkdtemp()}/figure_1.png").name
    'figure_1.png'
    """
    if not panels:
        raise ValueError("`panels` must hold at least one `Figure1Panel`. Received: panels=[]")
    if not isinstance(panel_width, int) or panel_width < 200:
        raise ValueError(f"`panel_width` must be an integer of at least 200. Received: panel_width={panel_width!r}")
    fonts = tuple(ImageFont.load_default(size=size * _SUPERSAMPLE) for size in (13, 12, 11))
    # The data's peak at 3/4 of the height, the same in every panel; a taller p_g is cut at the top.
    density_scale = 0.75 / max(np.exp(panel.log_p_data).max() for panel in panels)
    legend_height = 26
    legend = _legend(panel_width * len(panels), legend_height, fonts[1])
    s = _SUPERSAMPLE
    image = Image.new("RGB", (legend.width, legend.height + _PANEL_HEIGHT * s), "white")
    image.paste(legend, (0, 0))
    for index, panel in enumerate(panels):
        image.paste(_draw_panel(panel, panel_width, density_scale, fonts), (index * panel_width * s, legend.height))
    image = image.resize((image.width // s, image.height // s), Image.LANCZOS)
    return plotting.save_image(np.asarray(image), path)


def write_figure_1(path, seed: int = 0) -> Path:
    """Run `run_figure_1(seed)` at its default settings and draw its panels at `path` (under a minute on 2 CPU cores).

    Args:
        path: str or Path. PNG to write.
        seed: int. The run's seed. Defaults to 0.

    Returns:
        The path written.
    """
    return figure_1(run_figure_1(seed), path)
