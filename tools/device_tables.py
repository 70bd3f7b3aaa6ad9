"""Convert published device data into cyclesim curve tables (tech/devices/*.csv); how the shipped ones were made.

    python tools/device_tables.py lookup DG_INCREASING DG_DECREASING --out FILE [--source TEXT ...]
    python tools/device_tables.py ramps SET_CSV RESET_CSV --out FILE [--read-v 0.1] [--source TEXT ...]

`lookup` reads a CrossSim dG lookup table pair (github.com/sandialabs/cross-sim-data, lookup_tables/<device>/
dG_increasing.txt and dG_decreasing.txt: a title line, then the conductance bins G_i (S), the CDF points F_k,
and the matrix dG[k, i] (S): the step one pulse makes at G_i, quantile F_k). It is a step distribution, not a
pulse sweep, so it is converted as follows, per direction:

- the mean and standard deviation of the step at each bin, mu_i = sum_k w_k dG[k, i] and
  sigma_i = sqrt(sum_k w_k (dG[k, i] - mu_i)^2), with the trapezoid weights w_k of the CDF points;
- the mean sweep: from the first bin (LTP) or the last (LTD), G_{p+1} = G_p + mu(G_p), mu and sigma
  interpolated linearly between bins (held beyond them), until the step reaches the other end, where
  the last one stops (saturation at the measured range);
- two cycles c = 0, 1 whose step at pulse p is mu(G_p) + (-1)^(p + c) sigma(G_p) / sqrt(2): their mean is
  the mean sweep and the standard deviation over the two cycles (ddof 1) of every step is sigma(G_p),
  the two statistics cyclesim reads from a table. The cycles are constructed, not measured.

`ramps` reads measured pulse ramps as CrossSim's lookup-table generator takes them (one ramp per column
of SET_CSV and RESET_CSV, a header row, read currents in A, empty cells after a ramp's end): each current
is divided by the read voltage (`--read-v`, default 0.1 V as that generator assumes) to a conductance;
reading r of a ramp is pulse r of a cycle (r = 0: its first reading, the sweep's start); every ramp is
cut to the shortest ramp's length, since a table's cycles cover the same pulses. Nothing else changes.

Both write through `cyclesim.tech.curve_csv` with `--source` lines as the table's '#' comments, and check
the result as any table is checked (`cyclesim.tech.load_curve`).
"""

from __future__ import annotations

import argparse
import csv
import math
import re
from decimal import Decimal
from pathlib import Path

import numpy as np

from cyclesim import tech

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def read_lookup(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(G bins, CDF points, dG[cdf, bin]) of a CrossSim lookup table file."""
    rows = [[float(x) for x in _NUMBER.findall(line)] for line in path.read_text().splitlines()[1:]]
    rows = [r for r in rows if r]
    g, cdf, dg = np.array(rows[0]), np.array(rows[1]), np.array(rows[2:])
    if dg.shape != (cdf.size, g.size):
        raise SystemExit(f"{path}: expected {cdf.size} rows of {g.size} steps, got {dg.shape}")
    return g, cdf, dg


def step_moments(cdf: np.ndarray, dg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the step at every bin, over the CDF (trapezoid weights)."""
    w = np.zeros_like(cdf)
    w[:-1] += np.diff(cdf) / 2
    w[1:] += np.diff(cdf) / 2
    w /= w.sum()
    mean = w @ dg
    return mean, np.sqrt(w @ (dg - mean) ** 2)


def lookup_sweeps(g: np.ndarray, mean: np.ndarray, sigma: np.ndarray, rising: bool) -> np.ndarray:
    """The two constructed cycles (2 x pulses + 1) of one direction of a lookup table (module doc)."""
    lo, hi = g[0], g[-1]
    level, steps = (lo if rising else hi), []
    while (level < hi) if rising else (level > lo):
        mu = float(np.interp(level, g, mean))
        if (mu <= 0) if rising else (mu >= 0):
            raise SystemExit(f"the mean step at {level:.6g} S does not move towards {'Gmax' if rising else 'Gmin'}")
        nxt = min(level + mu, hi) if rising else max(level + mu, lo)
        steps.append((nxt - level, float(np.interp(level, g, sigma))))
        level = nxt
    cycles = np.empty((2, len(steps) + 1))
    cycles[:, 0] = lo if rising else hi
    for p, (mu, s) in enumerate(steps):
        for c in (0, 1):
            cycles[c, p + 1] = cycles[c, p] + mu + (-1) ** (p + c) * s / math.sqrt(2.0)
    return cycles


def read_ramps(path: Path, read_v: str) -> np.ndarray:
    """Measured ramps (one per column, currents in A) as conductances I / V_read (divided in decimal, so
    0.000160588 A at 0.1 V is 0.00160588 S exactly as written), cut to the shortest (cycles x pulses)."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    columns = list(zip(*rows))
    ramps = [[float(Decimal(v) / Decimal(read_v)) for v in col if v.strip()] for col in columns]
    ramps = [r for r in ramps if r]
    length = min(len(r) for r in ramps)
    return np.array([r[:length] for r in ramps])


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = top.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("lookup", help="a CrossSim dG lookup table pair")
    p.add_argument("increasing", type=Path)
    p.add_argument("decreasing", type=Path)
    p = sub.add_parser("ramps", help="measured set/reset ramps (CrossSim's lookup-table generator input)")
    p.add_argument("set", type=Path)
    p.add_argument("reset", type=Path)
    p.add_argument("--read-v", default="0.1", help="read voltage of the currents (V, default 0.1)")
    for p in sub.choices.values():
        p.add_argument("--out", type=Path, required=True)
        p.add_argument("--source", action="append", default=[], help="a comment line citing the source")
    args = top.parse_args(argv)
    if args.kind == "lookup":
        sweeps = []
        for path, rising in ((args.increasing, True), (args.decreasing, False)):
            g, cdf, dg = read_lookup(path)
            sweeps.append(lookup_sweeps(g, *step_moments(cdf, dg), rising))
    else:
        sweeps = [read_ramps(args.set, args.read_v), read_ramps(args.reset, args.read_v)]
    table = tech.curve_table(str(args.out), *sweeps)
    args.out.write_text(tech.curve_csv(table, args.source))
    tech.load_curve(args.out)  # the file reads back as a valid table
    print(f"{args.out}: ltp {table.ltp_s.shape[0]} cycles x {table.ltp_s.shape[1]}, ltd {table.ltd_s.shape}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
