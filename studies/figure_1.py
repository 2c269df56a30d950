"""The paper's Figure 1 from a real 1-D run, and the theory's numbers at each of its four stages.

Trains `keras_gan.theory.run_figure_1` (data N(2, 0.5^2), z uniform, toy MLPs,
`GAN.fit`), writes the figure and prints, per stage: JSD(p_data || p_g),
C(G) = -log 4 + 2 JSD, V(D, G) and its gap to C(G), E|D - D*| over the
mixture of the two distributions, D's range where the data has 95% of its mass,
and the mean and standard deviation of G's samples. p_g is a kernel density
estimate of 10,000 samples of G; every integral is numerical (trapezoid rule,
x from -10 to 12, 4,401 points).

Usage, from the repository root:

    python -m studies.figure_1 --out docs/figure_1.png
"""

import argparse
import math
import time

from keras_gan.theory import figure_1, figure_1_table, run_figure_1


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figure_1.png", help="PNG to write (default docs/figure_1.png)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    panels = run_figure_1(seed=args.seed)
    seconds = time.perf_counter() - start
    path = figure_1(panels, args.out)
    print(f"Figure 1, seed {args.seed}: {path} ({seconds:.1f} s to train and measure); -log 4 = {-math.log(4):.4f}")
    print(figure_1_table(panels))


if __name__ == "__main__":
    main()
