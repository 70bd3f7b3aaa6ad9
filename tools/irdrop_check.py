"""The IR-drop model's numbers: solver agreement, the closed forms' error table, their cost.

1. Agreement of the line relaxation (`irdrop.relax_sums`) with the exact nodal solutions: the dense
   solve (`nodal_reference`, 16 x 16 always, 64 x 64 with --dense: about 10 s and 1.2 GB each) and
   the block-tridiagonal elimination (`nodal_blocks`, 16 .. 128), at the 32 nm node's wire and at a
   wire 100 times more resistive; max over columns of |I - I_exact| / max |I_exact|.
2. The closed forms (`first_order_sums`, first order and resummed) against the converged
   relaxation, per square subarray size (--sizes, default 32 .. 512) and wire resistance (--scales,
   multiples of the node's): the IR drop itself, max over samples and columns of (I0 - I) / I0 (I0
   the ideal current) and its mean 1 - sum I / sum I0 (the read energy's change), and each closed
   form's error, max of |I_closed - I| / I. Random conductances uniform in [Gmin, Gmax], half the
   rows active (--samples samples), and the worst case (every row active, every cell at Gmax).
3. The cost of one subarray's bit-plane read of a batch (--batch, default 200), one thread (as runs
   and tools/bench.py measure), best of --repeats: a float32 matmul of the same shape ((B x R) 0/1
   inputs times (R x C) conductances, BLAS), the ideal bit-serial read of one plane with its ADC
   (`kernels.mvm_bitserial` of 8-bit inputs / 8), the resummed closed form, the relaxation.

Device: the default `config.Device` (R_on 100 kohm, on/off 10, access transistor 15 kohm in series,
16 F^2 cell) at the 32 nm node: 1.70 ohm per wire segment.

Run from the repository root:  python tools/irdrop_check.py [--sizes 32 64 ...] [--scales 1 10 100] [--dense]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from cyclesim import config, irdrop, kernels, tech


def scaled(circuit, k):
    return circuit._replace(r_row_ohm=circuit.r_row_ohm * k, r_col_ohm=circuit.r_col_ohm * k)


def inputs(rng, n, samples, gmin):
    g = rng.uniform(gmin, 1.0, size=(n, n)).astype(np.float32)
    x = (rng.random((samples, n)) < 0.5).astype(np.uint8)
    return g, x


def agreement(circuit, gmin, dense):
    print("1. line relaxation vs exact nodal solutions (max |I - I_exact| / max |I_exact|)")
    rng = np.random.default_rng(1)
    for n in (16, 64, 128):
        for k in (1, 100):
            c = scaled(circuit, k)
            g, x = inputs(rng, n, 3, gmin)
            prep = irdrop.prepare(g, c)
            cur, sweeps = irdrop.relax_sums(prep.gcell, x, c.rho_row, c.rho_col, c.gated, 1e-10, 10_000)
            gs = prep.gcell * c.g_max_s
            worst_b = worst_d = 0.0
            for b in range(x.shape[0]):
                exact = irdrop.nodal_blocks(gs, x[b], 1.0, c.r_row_ohm, c.r_col_ohm, gated=c.gated) / c.g_max_s
                worst_b = max(worst_b, np.abs(cur[b] - exact).max() / np.abs(exact).max())
                if n == 16 or (n == 64 and dense and b == 0):
                    ref = irdrop.nodal_reference(gs, x[b], 1.0, c.r_row_ohm, c.r_col_ohm, gated=c.gated) / c.g_max_s
                    worst_d = max(worst_d, np.abs(cur[b] - ref).max() / np.abs(ref).max())
            dense_txt = f"vs dense {worst_d:.1e}" if (n == 16 or (n == 64 and dense)) else "vs dense   -   "
            print(
                f"   {n:3d} x {n:<3d} wire x{k:<3d} ({c.r_row_ohm:6.1f} ohm): {dense_txt}   "
                f"vs blocks {worst_b:.1e}   sweeps {sweeps.min()}-{sweeps.max()}"
            )


def error_table(circuit, gmin, sizes, scales, samples):
    print("\n2. closed forms vs the nodal solution (relative, max over samples and columns)")
    print("   size   wire      case      IR drop (max, mean)   first order   resummed   sweeps")
    rng = np.random.default_rng(2)
    for n in sizes:
        for k in scales:
            c = scaled(circuit, k)
            g, x = inputs(rng, n, samples, gmin)
            for case in ("random", "worst"):
                if case == "worst":
                    g, x = np.ones((n, n), dtype=np.float32), np.ones((1, n), dtype=np.uint8)
                prep = irdrop.prepare(g, c)
                cur, sweeps = irdrop.relax_sums(prep.gcell, x, c.rho_row, c.rho_col, c.gated, 1e-10, 20_000)
                if sweeps.max() >= 20_000:
                    print(f"   {n:4d}   x{k:<4g}   {case:8s}  relaxation did not converge")
                    continue
                ideal = x.astype(np.float64) @ prep.gcell
                on = ideal > 0
                drop = ((ideal - cur)[on] / ideal[on]).max()
                mean = 1.0 - cur.sum() / ideal.sum()
                errs = []
                for method in ("first_order", "resummed"):
                    closed = irdrop.read(prep, x, method=method)[0].astype(np.float64)
                    errs.append((np.abs(closed - cur)[on] / cur[on]).max())
                print(
                    f"   {n:4d}   x{k:<4g}   {case:8s}  {drop:8.4f}  {mean:8.4f}    {errs[0]:10.2e}   {errs[1]:9.2e}   "
                    f"{sweeps.max():6d}"
                )


def best(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def cost(circuit, gmin, sizes, batch, repeats):
    print(f"\n3. cost of one bit-plane read of a batch of {batch} (one thread, best of {repeats})")
    print("   size   matmul f32   bit-serial plane   closed form (x matmul, x plane)   relaxation (x matmul)   prepare")
    rng = np.random.default_rng(3)
    spec = kernels.AdcSpec(5)
    for n in sizes:
        g, x = inputs(rng, n, batch, gmin)
        xf = x.astype(np.float32)
        x8 = rng.integers(0, 256, size=(batch, n))
        t_mm = best(lambda g=g, xf=xf: xf @ g, repeats)
        t_bs = best(lambda g=g, x8=x8, n=n: kernels.mvm_bitserial(x8, g, 0.55, 8, False, n, n, spec), repeats) / 8
        t_prep = best(lambda g=g: irdrop.prepare(g, circuit), max(1, repeats // 4))
        prep = irdrop.prepare(g, circuit)
        t_fo = best(lambda prep=prep, x=x: irdrop.read(prep, x, method="resummed"), repeats)
        nrel = max(1, min(batch, 20_000 // n))  # a few samples, scaled to the batch
        t_rel = best(lambda prep=prep, x=x[:nrel]: irdrop.read(prep, x, method="relax"), 1) * batch / nrel
        print(
            f"   {n:4d}  {t_mm * 1e3:8.3f} ms  {t_bs * 1e3:10.3f} ms     {t_fo * 1e3:8.3f} ms ({t_fo / t_mm:5.1f}x, "
            f"{t_fo / t_bs:4.1f}x)      {t_rel * 1e3:9.1f} ms ({t_rel / t_mm:6.0f}x)   {t_prep * 1e3:6.2f} ms"
        )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128, 256, 512])
    ap.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--dense", action="store_true", help="also solve 64 x 64 densely (about 10 s, 1.2 GB)")
    args = ap.parse_args(argv)
    device = config.Device()
    circuit = irdrop.read_circuit(tech.node("32nm"), device)
    gmin = 1.0 / device.on_off_ratio
    print(
        f"32 nm, {device.name}: r_row = r_col = {circuit.r_row_ohm:.3f} ohm/segment, R_on {device.r_on_ohm:g} ohm, "
        f"access {circuit.r_access_ohm:g} ohm, on/off {device.on_off_ratio:g}, gated (1T1R): {circuit.gated}\n"
    )
    agreement(circuit, gmin, args.dense)
    error_table(circuit, gmin, args.sizes, [float(k) for k in args.scales], args.samples)
    with threadpool_limits(1):  # as runs and tools/bench.py measure
        cost(circuit, gmin, args.sizes, args.batch, args.repeats)


if __name__ == "__main__":
    main()
