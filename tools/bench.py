"""Performance benchmark: cyclesim against a plain NumPy float32 MLP, with issue 17's and issue 15's targets.

What is measured
----------------
Network MNIST 784-256-256-10, batch 200, SGD with momentum, SSE loss (e = y - t).

* ``numpy_float32_epoch`` -- the reference, written here in plain NumPy float32: for each of 300
  batches of the real training images (uint8 / 255, in a shuffled order) a ReLU forward pass, the
  output error e = y - t, backprop, and an SGD-momentum update; then a forward pass over the whole
  test set (10000 images, batches of 200) with an accuracy count. The test-set forward is included
  because ``Trainer.run_epoch`` also evaluates the test set, so both sides do the same work.
* ``<rule>_<mode>`` -- one ``Trainer.run_epoch(1)`` call of the real cyclesim trainer in hardware
  mode for every built-in rule (``cyclesim.rules.NAMES``: bp, dfa, fa, drtp, sign_symmetry, each on
  the chip its workload defaults to, e.g. FA's feedback matrices in RRAM crossbars read through
  ADCs), and in ideal mode for bp and dfa: 300 training batches plus the test-set evaluation. Numba
  kernels are compiled by a small warm-up run before any timing.
* ``ir_drop_<rule>_epoch`` -- the cost of the IR-drop read (issue 15): for bp and dfa, one hardware
  epoch of the ``<rule>_hardware`` case with ``effects.ir_drop=True`` (every subarray read through
  resistive wires, ``cyclesim.irdrop``'s resummed closed form) against the same epoch without, in the
  same run: the two alternate (off, on, off, on, ...), each a fresh Trainer built outside the timed
  region, after a warm-up epoch of each; medians of ``--repeats``. One of the slowest cases of the
  default run: at full size an epoch with IR drop takes about 15 s CPU and the plain one about 7 s,
  so 3 repeats of both rules take 2-3 minutes.
* ``engine_<rule>_iteration`` -- one simulated iteration of the default workload
  (``Workload(rule=rule, training=Training(epochs=0))``, batch 200): ``simulate(inv, net, trace)``
  against the functional hardware iteration it replays, ``Trainer.step(images, labels, lr)`` on the
  first 200 training images; each called once untimed, then the median of max(repeats, 15) calls, the two alternating.
  The events per simulated iteration are printed with it.
* ``all_iterations_dfa_3layer`` -- one epoch of ``workloads/dfa_3layer.py``
  (its 10 epochs would take too long) through ``cyclesim.runner.run`` with the engine replaying
  every iteration (``sim.iterations_per_epoch="all"``) against the same run with the engine off
  (``iterations_per_epoch=0``), the two alternating, after an untimed warm-up run. In the default
  run because it takes under 2 minutes (about 80 s: 3 repeats of about 6 s off and 20 s on).
* ``conv_lenet_epoch`` -- the cost of training a convolutional network through the crossbars (issue
  14): the LeNet-5-like network of ``workloads/lenet_mnist.py`` (BP), one hardware-mode epoch
  against the ideal-mode epoch of the same network, the two alternating (fresh Trainers, after a
  warm-up epoch of each), medians of ``--repeats``. Both train on the first 6000 images (30 batches;
  quick mode too) and test on the first 1000: a full hardware LeNet epoch takes minutes, and both
  sides do the same batches, so the ratio is the epoch's. ``--conv`` runs only this case.
* ``memory_784-4096-4096-10`` -- the peak RSS of a hardware-mode run of the default workload with
  ``network.sizes=784,4096,4096,10`` (1 epoch, train_limit=400, test_limit=200, batch 200, MNIST)
  through ``cyclesim.runner.run`` in a fresh interpreter (``python -c``, the same cyclesim first on
  its path); the child reports its own ``ru_maxrss`` (KiB on Linux), so no other child process of
  the bench can be mixed into the figure. One run, about 30 s.
* ``cost_model_<rule>_10x4096`` -- mapping and costing (floorplan + area) of 784-4096x9-10; an
  absolute target (<= 100 ms CPU), not a ratio.
* ``sweep_scaling`` -- wall time of one 12-point sweep (4 ADC resolutions x 3 seeds of a
  hardware-mode DFA 784-128-10 run on the synthetic set, about 3 s a point) through
  ``run_sweep(scheduler=...)`` on a local Dask cluster (scheduler and worker processes on
  127.0.0.1, one thread each) with 1 worker and with 2 workers; the two clusters run side by side
  and the timed sweeps alternate between them, each into a fresh folder, after an untimed sweep that
  warms the workers. Target: 2 workers >= 1.7x faster (median wall). Wall time is the point here,
  so the figure depends on the machine having 2 free cores: the load average is printed with it.
  Needs the ``dask`` extra; skipped by ``--quick``; ``--sweep-scaling`` runs only this case (no
  MNIST needed).
* ``epoch_floor_<rule>`` -- where a hardware epoch's time goes, for bp and dfa: one more epoch of the
  ``<rule>_hardware`` case (not one of the timed repeats) with every bit-serial read
  (``kernels.bitserial_mvm``) timed on its own, and the float32 additions those reads perform
  counted: every set input bit adds one row of a subarray's conductances (one per column), in row
  order, which is the exact read's work (the sum of set bits of every read's inputs times its
  columns). Printed: the reads' CPU time, share of the epoch, additions and rate, and the rest of
  the epoch (quantizers, weight gradients and their stochastic rounding, pulses and programming,
  activations) as a multiple of the NumPy epoch. Informational: no target of its own.
* ``--profile`` -- where the time goes: a hardware-mode epoch (train_limit=24000, test_limit=4000:
  120 training and 20 test batches, the full epoch's proportion), the same epoch with IR drop and one
  simulated iteration, for bp and dfa, each run once under cProfile after the warm-up; the top 12
  functions by internal time (tottime) with their share of the profiled total, named
  ``module:function`` (Python functions by their qualified name, built-ins as ``type:method``;
  entries of one name are summed). cProfile's own cost per call inflates call-heavy Python code, so
  compare profiles with profiles, not with the timings above. The same table goes into the JSON
  (``profile``).

Each epoch case is timed ``--repeats`` times (a fresh Trainer each time, built outside the timed
region) and the median is reported.

Targets (issue 17)
------------------
All CPU time, medians of >= 3 runs, ratios against figures measured in the same run:

* hardware-mode epoch <= 5x the NumPy float32 epoch for bp and dfa; the other rules' hardware rows
  carry the same 5x and are informational (their verdict in parentheses, not in the overall one);
* ideal-mode epoch <= 1.1x the NumPy float32 epoch (bp, dfa);
* one simulated iteration <= 0.5x the functional hardware iteration it replays (bp, dfa);
* a run with the engine on every iteration <= 1.5x the same run with the engine off;
* peak memory of the 784-4096-4096-10 hardware run <= 1024 MiB.

The cost model's 100 ms and the sweep's 1.7x are earlier issues' targets, kept.

Targets (issue 14)
------------------
* a hardware-mode LeNet epoch <= 10x the ideal-mode epoch of the same network (CPU time, medians of
  >= 3 alternating runs).

Targets (issue 15)
------------------
* a hardware-mode epoch with IR drop (``effects.ir_drop=true``) <= 3x the same epoch without, for bp
  and dfa, measured in the same run (CPU time, medians of >= 3 alternating runs).

Why CPU time and ratios
-----------------------
CPU time (``time.process_time``) counts the work this process did and is far less sensitive to
other load on a shared machine than wall time. BLAS is pinned to one thread with
``threadpoolctl.threadpool_limits(1)`` around every measured region, so multi-threaded BLAS cannot
inflate CPU time (spinning threads) or make the figure depend on the core count. Absolute seconds
depend on the machine; the ratio of cyclesim to a reference measured in the same run is what the
targets apply to.

``--quick`` uses train_limit=6000 (30 batches) for the epochs (those with IR drop too) and the
all-iterations runs and 30 batches for the reference; the test-set evaluation stays full size on
both sides, so quick ratios are only indicative.

Run from the repository root:
  python tools/bench.py [--repeats N] [--quick] [--profile] [--sweep-scaling | --conv] [--json FILE]
The cyclesim measured is the one Python imports (printed in the header, ``cyclesim_dir`` in the JSON):
with an editable install that is the installed tree, not necessarily this one; to bench another
checkout, run its bench with ``PYTHONPATH=<checkout>``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import attrs
import numpy as np
from threadpoolctl import threadpool_limits

from cyclesim import data, rules
from cyclesim.config import Network, Training, Workload
from cyclesim.learn.train import Trainer

SIZES = (784, 256, 256, 10)
BATCH = 200
LR = 0.1
MOMENTUM = 0.9
FULL_BATCHES = 300
QUICK_TRAIN_LIMIT = 6000
QUICK_BATCHES = QUICK_TRAIN_LIMIT // BATCH
CASES = tuple((rule, "hardware") for rule in rules.NAMES) + (("bp", "ideal"), ("dfa", "ideal"))
ACCEPTED_RULES = ("bp", "dfa")  # acceptance of issues 17 and 15 (epoch, engine, IR drop); others: informational
HARDWARE_TARGET = 5.0  # hardware epoch / NumPy epoch
IDEAL_TARGET = 1.1  # ideal epoch / NumPy epoch
TARGETS = {(rule, mode): IDEAL_TARGET if mode == "ideal" else HARDWARE_TARGET for rule, mode in CASES}
ENGINE_TARGET = 0.5  # simulated iteration / Trainer.step
ALL_ITERATIONS_TARGET = 1.5  # engine on every iteration / engine off
IR_DROP_TARGET = 3.0  # hardware epoch with effects.ir_drop / the same epoch without (issue 15)
CONV_TARGET = 10.0  # hardware LeNet epoch / ideal LeNet epoch (issue 14)
CONV_TRAIN_LIMIT = 6000
CONV_TEST_LIMIT = 1000
ALL_ITERATIONS_WORKLOAD = Path(__file__).resolve().parents[1] / "workloads" / "dfa_3layer.py"
MEMORY_SIZES = (784, 4096, 4096, 10)
MEMORY_TARGET_MIB = 1024.0
COST_MODEL_TARGET_S = 0.1
SWEEP_TARGET = 1.7
PROFILE_TRAIN_LIMIT = 24000
PROFILE_TEST_LIMIT = 4000
PROFILE_TOP = 12
REFERENCE = "numpy_float32_epoch"
CYCLESIM_DIR = os.path.dirname(os.path.abspath(data.__file__))


def numpy_epoch(ds, batches: int, seed: int = 0) -> float:
    """One epoch of a plain NumPy float32 MLP (train `batches` batches, then test-set forward).

    Returns the test accuracy (so the work cannot be optimised away and can be sanity-checked).
    """
    f32 = np.float32
    rng = np.random.default_rng(seed)
    ws = [
        (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(f32)
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:])
    ]
    vs = [np.zeros_like(w) for w in ws]
    eye = np.eye(SIZES[-1], dtype=f32)
    scale = f32(1.0 / 255.0)
    lr, mom = f32(LR / BATCH), f32(MOMENTUM)  # lr applies to the batch-mean gradient
    order = rng.permutation(len(ds.train_x))
    for i in range(batches):
        idx = order[i * BATCH : (i + 1) * BATCH]
        h = ds.train_x[idx].astype(f32) * scale
        t = eye[ds.train_y[idx]]
        hs = [h]
        for w in ws[:-1]:
            h = np.maximum(h @ w, f32(0.0))
            hs.append(h)
        y = h @ ws[-1]
        e = y - t  # dL/dy for SSE 0.5 * sum (y - t)^2
        grads = [None] * len(ws)
        for layer in range(len(ws) - 1, -1, -1):
            grads[layer] = hs[layer].T @ e
            if layer:
                e = (e @ ws[layer].T) * (hs[layer] > 0)
        for w, v, g in zip(ws, vs, grads):
            v *= mom
            v -= lr * g
            w += v
    correct = 0
    for i in range(0, len(ds.test_x), BATCH):
        h = ds.test_x[i : i + BATCH].astype(f32) * scale
        for w in ws[:-1]:
            h = np.maximum(h @ w, f32(0.0))
        y = h @ ws[-1]
        correct += int((y.argmax(axis=1) == ds.test_y[i : i + BATCH]).sum())
    return correct / len(ds.test_x)


def workload(rule: str, mode: str, train_limit: int | None, test_limit: int | None = None) -> Workload:
    return Workload(rule=rule, mode=mode, training=Training(epochs=1, train_limit=train_limit, test_limit=test_limit))


def verdict(passed: bool | None, informational: bool = False) -> str:
    """PASS / FAIL, in parentheses for an informational row, "-" without a target."""
    if passed is None:
        return "-"
    word = "PASS" if passed else "FAIL"
    return f"({word})" if informational else word


def time_reference(ds, batches: int, repeats: int) -> tuple[list[float], float]:
    times, acc = [], 0.0
    for r in range(repeats):
        with threadpool_limits(1):
            c0 = time.process_time()
            acc = numpy_epoch(ds, batches, seed=r)
            times.append(time.process_time() - c0)
    return times, acc


def time_cyclesim(ds, wl: Workload, repeats: int) -> tuple[list[float], float]:
    times, acc = [], 0.0
    for _ in range(repeats):
        tr = Trainer(wl, ds, np.random.SeedSequence(0))  # built outside the timed region
        with threadpool_limits(1):
            c0 = time.process_time()
            stats, _traces = tr.run_epoch(1)
            times.append(time.process_time() - c0)
        acc = stats.test_accuracy
    return times, acc


def time_alternating(ds, cases: dict, repeats: int) -> tuple[dict, dict]:
    """CPU times of one epoch of each of `cases` ({"off": workload, "on": workload}), the cases taking
    turns `repeats` times (each a fresh Trainer), and each one's last test accuracy."""
    times, acc = {key: [] for key in cases}, {}
    for _ in range(repeats):
        for key, wl in cases.items():
            t, acc[key] = time_cyclesim(ds, wl, 1)
            times[key] += t
    return times, acc


def ir_drop_workload(rule: str, train_limit: int | None, test_limit: int | None = None) -> Workload:
    """The ``<rule>_hardware`` case's workload with every subarray read through resistive wires."""
    wl = workload(rule, "hardware", train_limit, test_limit)
    return attrs.evolve(wl, effects=attrs.evolve(wl.effects, ir_drop=True))


def time_ir_drop(ds, train_limit: int | None, repeats: int) -> list[dict]:
    """CPU time of one hardware epoch with IR drop against the same epoch without (bp, dfa): the two
    alternate, each a fresh Trainer; the warm-up (`warm_up`) has compiled both reads."""
    rows = []
    for rule in ACCEPTED_RULES:
        cases = {"off": workload(rule, "hardware", train_limit), "on": ir_drop_workload(rule, train_limit)}
        times, acc = time_alternating(ds, cases, repeats)
        rows.append(
            on_off_row(
                times,
                IR_DROP_TARGET,
                case=f"ir_drop_{rule}_epoch",
                rule=rule,
                test_accuracy_on=acc["on"],
                test_accuracy_off=acc["off"],
            )  # fmt: skip
        )
    return rows


def lenet_workload(mode: str, train_limit: int, test_limit: int) -> Workload:
    """workloads/lenet_mnist.py (BP) in `mode`, one epoch on the first `train_limit` / `test_limit` images."""
    from cyclesim.workload import load

    wl = load(Path(__file__).resolve().parents[1] / "workloads" / "lenet_mnist.py")
    training = attrs.evolve(wl.training, epochs=1, train_limit=train_limit, test_limit=test_limit)
    return attrs.evolve(wl, mode=mode, training=training)


def time_conv(ds, repeats: int) -> dict:
    """CPU time of a hardware LeNet epoch against the ideal epoch of the same network (alternating;
    `warm_up_conv` has compiled the reads)."""
    cases = {
        key: lenet_workload(mode, CONV_TRAIN_LIMIT, CONV_TEST_LIMIT)
        for key, mode in (("off", "ideal"), ("on", "hardware"))
    }
    times, acc = time_alternating(ds, cases, repeats)
    return on_off_row(
        times,
        CONV_TARGET,
        case="conv_lenet_epoch",
        train_limit=CONV_TRAIN_LIMIT,
        test_limit=CONV_TEST_LIMIT,
        test_accuracy_hardware=acc["on"],
        test_accuracy_ideal=acc["off"],
    )


def warm_up_conv(ds) -> None:
    for mode in ("ideal", "hardware"):
        tr = Trainer(lenet_workload(mode, 400, 200), ds, np.random.SeedSequence(0))
        with threadpool_limits(1):
            tr.run_epoch(1)


def print_conv(r: dict) -> None:
    print(
        f"{r['case']:<28} LeNet hardware epoch {r['median_on_s']:.2f} s, ideal {r['median_off_s']:.2f} s CPU "
        f"({r['train_limit']} training, {r['test_limit']} test images): {r['ratio']:.2f}x "
        f"(target <= {r['target']:g}x)  {verdict(r['passed'])}  "
        f"test acc {r['test_accuracy_hardware']:.4f} / {r['test_accuracy_ideal']:.4f}"
    )
    print(f"{'':<28} runs (s) hardware: {runs(r['times_on'])}; ideal: {runs(r['times_off'])}")


def on_off_row(times: dict, target: float, **fields) -> dict:
    """A with/without case's row: `fields`, the CPU times of both ("on", "off"), their medians and the
    ratio of the medians against `target`."""
    med = {key: statistics.median(t) for key, t in times.items()}
    ratio = med["on"] / med["off"]
    return dict(
        **fields,
        times_on=times["on"],
        times_off=times["off"],
        median_on_s=med["on"],
        median_off_s=med["off"],
        ratio=ratio,
        target=target,
        passed=ratio <= target,
    )


def case_row(case: str, times: list[float], ref_median: float, target: float | None, acc: float, **extra) -> dict:
    """One row of the epoch table: the median of `times`, its ratio to the reference's median and the
    verdict against `target` (None: no target); `extra` adds fields (rule, mode, chip) to the JSON."""
    med = statistics.median(times)
    ratio = med / ref_median
    passed = None if target is None else ratio <= target
    return dict(
        case=case, times=times, median_s=med, ratio=ratio, target=target, passed=passed, test_accuracy=acc, **extra
    )


def time_cost_model(repeats: int) -> list[dict]:
    """CPU time of mapping and costing (floorplan, inventory, area roll-up) the largest MLP the hardware
    issue names (10 x 4096), on the fixed tile and with the network floorplan's tile search."""
    from cyclesim.config import Chip
    from cyclesim.hw.area import chip_area
    from cyclesim.hw.floorplan import plan

    rows = []
    for rule, floorplan in (("bp", "fixed"), ("dfa", "fixed"), ("bp", "network")):
        wl = Workload(rule=rule, network=Network(sizes=(784,) + (4096,) * 9 + (10,)), chip=Chip(floorplan=floorplan))
        chip_area(wl, plan(wl))  # warm the tech-file cache
        times = []
        for _ in range(max(repeats, 5)):
            c0 = time.process_time()
            chip_area(wl, plan(wl))
            times.append(time.process_time() - c0)
        med = statistics.median(times)
        case = f"cost_model_{rule}_10x4096" + ("_network" if floorplan == "network" else "")
        rows.append(
            dict(case=case, times=times, median_s=med, target_s=COST_MODEL_TARGET_S, passed=med <= COST_MODEL_TARGET_S)
        )
    return rows


def engine_setup(ds, rule: str):
    """The default workload's chip, a trainer and its recorded first iteration, simulated once (warm)."""
    from cyclesim.engine.schedule import simulate
    from cyclesim.hw import inventory
    from cyclesim.hw.floorplan import plan

    wl = Workload(rule=rule, training=Training(epochs=0))
    tr = Trainer(wl, ds, np.random.SeedSequence(0))
    trace = tr.trace_first_batch()
    inv = inventory.build(wl, plan(wl))  # the chip is built once per run, outside the iteration
    simulate(inv, tr.net, trace)
    return wl, inv, tr, trace


def time_engine(ds, repeats: int) -> list[dict]:
    """One simulated iteration against the functional iteration it replays (`Trainer.step` on the same
    batch, on a second trainer so the replayed network is left as recorded), both in CPU time."""
    from cyclesim.engine.schedule import simulate

    rows = []
    for rule in ACCEPTED_RULES:
        wl, inv, tr, trace = engine_setup(ds, rule)
        stepper = Trainer(wl, ds, np.random.SeedSequence(0))
        images, labels = stepper.train_x[:BATCH], stepper.train_y[:BATCH]
        lr = stepper.learning_rate(1, 0)
        sim_times, step_times, events = [], [], 0
        with threadpool_limits(1):
            stepper.step(images, labels, lr)  # warm, as the engine was in engine_setup
            for _ in range(max(repeats, 15)):  # a few ms each: more runs steady the median on a shared machine
                c0 = time.process_time()
                events = simulate(inv, tr.net, trace).events
                sim_times.append(time.process_time() - c0)
                c0 = time.process_time()
                stepper.step(images, labels, lr)
                step_times.append(time.process_time() - c0)
        sim_med, step_med = statistics.median(sim_times), statistics.median(step_times)
        ratio = sim_med / step_med
        rows.append(
            dict(
                case=f"engine_{rule}_iteration",
                times=sim_times,
                median_s=sim_med,
                step_times=step_times,
                step_median_s=step_med,
                ratio=ratio,
                target=ENGINE_TARGET,
                passed=ratio <= ENGINE_TARGET,
                events=events,
            )
        )
    return rows


def time_all_iterations(train_limit: int | None, repeats: int) -> dict:
    """CPU time of one epoch of workloads/dfa_3layer.py through `runner.run`, engine on every iteration
    against engine off (alternating, after an untimed warm-up run with the engine on)."""
    from cyclesim import runner
    from cyclesim import workload as workload_file

    base = workload_file.load(ALL_ITERATIONS_WORKLOAD)
    every = "all"

    def variant(iterations, limit):
        training = attrs.evolve(base.training, epochs=1, train_limit=limit)
        return attrs.evolve(base, training=training, sim=attrs.evolve(base.sim, iterations_per_epoch=iterations))

    runner.run(variant(every, 2 * BATCH))
    times, simulated = {"on": [], "off": []}, 0
    for _ in range(repeats):
        for key, iterations in (("off", 0), ("on", every)):
            c0 = time.process_time()
            result = runner.run(variant(iterations, train_limit))
            times[key].append(time.process_time() - c0)
            if key == "on":
                simulated = len(result.simulated)
    return on_off_row(
        times, ALL_ITERATIONS_TARGET, case="all_iterations_dfa_3layer", iterations_per_epoch=every,
        simulated=simulated,
    )  # fmt: skip


MEMORY_CHILD = """
import resource
from cyclesim import runner
from cyclesim.config import Network, Training, Workload
training = Training(epochs=1, batch_size={batch}, train_limit=400, test_limit=200)
wl = Workload(network=Network(sizes={sizes}), mode="hardware", dataset="mnist", training=training)
runner.run(wl)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure_memory() -> dict:
    """Peak RSS of a 784-4096-4096-10 hardware run in a fresh interpreter (it prints its ru_maxrss)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (os.path.dirname(CYCLESIM_DIR), env.get("PYTHONPATH"))))
    code = MEMORY_CHILD.format(batch=BATCH, sizes=MEMORY_SIZES)
    done = subprocess.run([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    case = "memory_" + "-".join(map(str, MEMORY_SIZES))
    if done.returncode != 0:  # its traceback went to stderr
        return dict(case=case, peak_mib=None, target_mib=MEMORY_TARGET_MIB, passed=False, error=done.returncode)
    peak = int(done.stdout.split()[-1]) / 1024.0  # KiB on Linux
    return dict(case=case, peak_mib=peak, target_mib=MEMORY_TARGET_MIB, passed=peak <= MEMORY_TARGET_MIB)


def short_name(code) -> str:
    """`module:function` of a cProfile entry: a code object by its file's module and qualified name,
    a built-in ("<built-in method numpy.zeros>", "<method 'append' of 'list' objects>") as module or
    type, then name."""
    if isinstance(code, str):
        if m := re.fullmatch(r"<built-in method (.+)>", code):
            module, _, name = m[1].rpartition(".")
            return f"{module or 'builtins'}:{name}"
        if m := re.fullmatch(r"<method '(.+)' of '(.+)' objects>", code):
            return f"{m[2]}:{m[1]}"
        return code
    path = os.path.abspath(code.co_filename)
    roots = sorted({os.path.abspath(p) for p in sys.path if p} | {os.path.dirname(CYCLESIM_DIR)}, key=len)
    module = os.path.splitext(os.path.basename(path))[0]
    for root in reversed(roots):  # the longest root holding the file names its module
        if path.startswith(root + os.sep):
            module = os.path.splitext(os.path.relpath(path, root))[0].replace(os.sep, ".").removesuffix(".__init__")
            break
    return f"{module}:{code.co_qualname}"


def profile(case: str, fn) -> dict:
    """Run `fn` once under cProfile (BLAS 1 thread); its top functions by internal time."""
    prof = cProfile.Profile()
    with threadpool_limits(1):
        c0 = time.process_time()
        prof.enable()
        fn()
        prof.disable()
        cpu = time.process_time() - c0
    funcs = {}
    for entry in prof.getstats():
        name = short_name(entry.code)
        tottime, calls = funcs.get(name, (0.0, 0))
        funcs[name] = (tottime + entry.inlinetime, calls + entry.callcount)
    total = sum(tottime for tottime, _ in funcs.values())
    top = sorted(funcs.items(), key=lambda kv: kv[1][0], reverse=True)[:PROFILE_TOP]
    return dict(
        case=case,
        total_s=total,
        cpu_s=cpu,
        top=[dict(function=n, tottime_s=tt, share=tt / total, calls=c) for n, (tt, c) in top],
    )


def profiles(ds) -> list[dict]:
    """Profiles of a hardware-mode epoch (train_limit 24000, test_limit 4000), without and with IR drop,
    and of one simulated iteration, for bp and dfa."""
    from cyclesim.engine.schedule import simulate

    out = []
    for rule in ACCEPTED_RULES:
        tr = Trainer(workload(rule, "hardware", PROFILE_TRAIN_LIMIT, PROFILE_TEST_LIMIT), ds, np.random.SeedSequence(0))
        out.append(profile(f"{rule}_hardware_epoch", lambda tr=tr: tr.run_epoch(1)))
        tr = Trainer(ir_drop_workload(rule, PROFILE_TRAIN_LIMIT, PROFILE_TEST_LIMIT), ds, np.random.SeedSequence(0))
        out.append(profile(f"{rule}_hardware_ir_drop_epoch", lambda tr=tr: tr.run_epoch(1)))
        _wl, inv, tr, trace = engine_setup(ds, rule)
        out.append(profile(f"{rule}_iteration", lambda inv=inv, tr=tr, trace=trace: simulate(inv, tr.net, trace)))
    return out


def epoch_floor(ds, ref_median: float) -> list[dict]:
    """For bp and dfa, one hardware epoch with the bit-serial reads timed apart and their additions
    counted (set input bits x columns of every read; the counting runs outside the timed reads)."""
    from cyclesim import kernels

    rows = []
    jitted = kernels.bitserial_mvm
    for rule in ACCEPTED_RULES:
        tally = {"reads_s": 0.0, "counting_s": 0.0, "additions": 0, "reads": 0}

        def timed(x_int, g, g_ref, weights, bits, signed, rows_per_sub, cols_per_sub, spec, spans, tally=tally):
            c0 = time.process_time()
            out = jitted(x_int, g, g_ref, weights, bits, signed, rows_per_sub, cols_per_sub, spec, spans)
            c1 = time.process_time()
            v = np.abs(x_int) if signed else x_int
            mag = bits - 1 if signed else bits
            tally["additions"] += int(np.bitwise_count(v & ((1 << mag) - 1)).sum(dtype=np.int64)) * g.shape[1]
            tally["reads"] += 1
            tally["reads_s"] += c1 - c0
            tally["counting_s"] += time.process_time() - c1
            return out

        tr = Trainer(workload(rule, "hardware", None), ds, np.random.SeedSequence(0))
        kernels.bitserial_mvm = timed
        try:
            with threadpool_limits(1):
                c0 = time.process_time()
                tr.run_epoch(1)
                epoch_s = time.process_time() - c0
        finally:
            kernels.bitserial_mvm = jitted
        epoch_s -= tally["counting_s"]  # the counting is the bench's, not the epoch's
        rows.append(
            dict(
                case=f"epoch_floor_{rule}",
                epoch_s=epoch_s,
                reads_s=tally["reads_s"],
                reads=tally["reads"],
                additions=tally["additions"],
                rest_s=epoch_s - tally["reads_s"],
                reference_s=ref_median,
                passed=None,
            )
        )
    return rows


def print_floor(r: dict) -> None:
    share = r["reads_s"] / r["epoch_s"]
    print(
        f"{r['case']:<28} epoch {r['epoch_s']:.2f} s CPU ({r['epoch_s'] / r['reference_s']:.2f}x): "
        f"bit-serial reads {r['reads_s']:.2f} s ({100 * share:.0f} %, {r['reads']} reads, "
        f"{r['additions'] / 1e9:.2f} G conductance additions, {r['additions'] / r['reads_s'] / 1e9:.1f} G/s); "
        f"the rest {r['rest_s']:.2f} s = {r['rest_s'] / r['reference_s']:.2f}x the NumPy epoch"
    )


def print_profile(p: dict) -> None:
    print(
        f"profile {p['case']}: {p['cpu_s']:.2f} s CPU under cProfile; top {len(p['top'])} functions by "
        f"internal time, share of {p['total_s']:.2f} s profiled"
    )
    print(f"  {'share':>6} {'tottime s':>9} {'calls':>9}  function")
    for f in p["top"]:
        print(f"  {100 * f['share']:5.1f}% {f['tottime_s']:9.3f} {f['calls']:9d}  {f['function']}")


def scaling_sweep():
    """The sweep of ``sweep_scaling``: 4 ADC resolutions x 3 seeds (keys as a sweep file would give)."""
    from cyclesim import sweep as sweep_mod

    base = Workload(
        name="scaling",
        network=Network(sizes=(784, 128, 10)),
        rule="dfa",
        dataset="synthetic",
        mode="hardware",
        training=Training(epochs=12, batch_size=50, train_limit=2000, test_limit=500),
    )
    points = []
    for i, bits in enumerate((3, 4, 5, 6)):
        for j, seed in enumerate(sweep_mod.seed_values(3)):
            wl = attrs.evolve(
                base, chip=attrs.evolve(base.chip, adc_bits=bits), training=attrs.evolve(base.training, seed=seed)
            )
            points.append((sweep_mod.point_key(i, j, wl), wl))
    return sweep_mod.Sweep(name="scaling", points=points)


def time_sweep_scaling(repeats: int) -> dict:
    """Median wall time of the 12-point sweep on a local Dask cluster with 1 and with 2 workers."""
    import tempfile

    from distributed import LocalCluster

    from cyclesim import sweep as sweep_mod

    sw = scaling_sweep()
    logging.getLogger("distributed").setLevel(logging.ERROR)  # the clusters' start and stop are not news
    load_before = os.getloadavg()
    times = {1: [], 2: []}
    clusters = {
        n: LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        for n in times
    }
    try:
        with tempfile.TemporaryDirectory(prefix="cyclesim-bench-") as tmp:
            for n, c in clusters.items():  # untimed: numba warm-up on every worker
                sweep_mod.run_sweep(
                    sweep_mod.Sweep(name="warm", points=sw.points[:n]), f"{tmp}/warm{n}", scheduler=c.scheduler_address
                )
            for r in range(repeats):
                for n, c in clusters.items():
                    t0 = time.perf_counter()
                    summary = sweep_mod.run_sweep(sw, f"{tmp}/{n}-{r}", scheduler=c.scheduler_address)
                    times[n].append(time.perf_counter() - t0)
                    assert summary.done == len(sw.points), summary
    finally:
        for c in clusters.values():
            c.close()
    med = {n: statistics.median(t) for n, t in times.items()}
    ratio = med[1] / med[2]
    return dict(
        case="sweep_scaling",
        points=len(sw.points),
        times_1_worker=times[1],
        times_2_workers=times[2],
        median_1_worker_s=med[1],
        median_2_workers_s=med[2],
        ratio=ratio,
        target=SWEEP_TARGET,
        passed=ratio >= SWEEP_TARGET,
        cpu_count=os.cpu_count(),
        loadavg_before=load_before,
        loadavg_after=os.getloadavg(),
    )


def print_sweep_scaling(r: dict) -> None:
    print(
        f"{r['case']:<28} {r['points']} points, median wall 1 worker {r['median_1_worker_s']:.1f} s, "
        f"2 workers {r['median_2_workers_s']:.1f} s: {r['ratio']:.2f}x (target >= {r['target']:g}x)  "
        f"{verdict(r['passed'])}"
    )
    print(
        f"{'':<28} runs 1 worker: {' '.join(f'{t:.1f}' for t in r['times_1_worker'])} s; "
        f"2 workers: {' '.join(f'{t:.1f}' for t in r['times_2_workers'])} s"
    )
    before, after = (" ".join(f"{x:.2f}" for x in r[k]) for k in ("loadavg_before", "loadavg_after"))
    print(f"{'':<28} {r['cpu_count']} CPUs; load average (1/5/15 min) before {before}, after {after}")


def runs(times: list[float]) -> str:
    return " ".join(f"{t:.2f}" for t in times)


def print_epochs(rows: list[dict]) -> None:
    head = (
        f"{'case':<24} {'feedback':>8} {'median CPU s':>12} {'ratio':>8} {'target':>8} {'result':>6} "
        f"{'test acc':>9}  runs (s)"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        target = f"<= {r['target']:g}x" if r["target"] is not None else "-"
        print(
            f"{r['case']:<24} {r.get('feedback_store', '-'):>8} {r['median_s']:>12.3f} {r['ratio']:>7.2f}x "
            f"{target:>8} {verdict(r['passed'], r.get('informational', False)):>6} {r['test_accuracy']:>9.4f}  "
            f"{runs(r['times'])}"
        )
    print("feedback: where a rule's fixed random matrices live in hardware mode (rram: crossbars read through ADCs;")
    print("sram: a digital MAC; none: the rule has none -- bp reads W^T, sign_symmetry a sign store)")
    print("(PASS)/(FAIL): informational, not part of issue 17's acceptance (bp and dfa)")


def print_engine(r: dict) -> None:
    print(
        f"{r['case']:<28} simulate {1e3 * r['median_s']:.1f} ms, Trainer.step {1e3 * r['step_median_s']:.1f} ms CPU: "
        f"{r['ratio']:.2f}x (target <= {r['target']:g}x)  {verdict(r['passed'])}  {r['events']} events"
    )
    print(f"{'':<28} runs (s) simulate: {runs(r['times'])}; step: {runs(r['step_times'])}")


def print_all_iterations(r: dict) -> None:
    print(
        f"{r['case']:<28} 1 epoch, iterations_per_epoch={r['iterations_per_epoch']} ({r['simulated']} simulated): "
        f"engine on {r['median_on_s']:.2f} s, off {r['median_off_s']:.2f} s CPU: {r['ratio']:.2f}x "
        f"(target <= {r['target']:g}x)  {verdict(r['passed'])}"
    )
    print(f"{'':<28} runs (s) on: {runs(r['times_on'])}; off: {runs(r['times_off'])}")


def print_ir_drop(r: dict) -> None:
    print(
        f"{r['case']:<28} hardware epoch with effects.ir_drop {r['median_on_s']:.2f} s, without "
        f"{r['median_off_s']:.2f} s CPU: {r['ratio']:.2f}x (target <= {r['target']:g}x)  {verdict(r['passed'])}  "
        f"test acc {r['test_accuracy_on']:.4f} / {r['test_accuracy_off']:.4f}"
    )
    print(f"{'':<28} runs (s) with: {runs(r['times_on'])}; without: {runs(r['times_off'])}")


def print_memory(r: dict) -> None:
    peak = f"{r['peak_mib']:.0f} MiB" if r["peak_mib"] is not None else f"child failed (exit {r['error']})"
    print(
        f"{r['case']:<28} peak RSS {peak} (hardware run in a child process; target <= {r['target_mib']:g} MiB)  "
        f"{verdict(r['passed'])}"
    )


def warm_up(ds) -> None:
    """Compile numba kernels (and touch every code path) once per rule and mode before timing."""
    warm = [workload(rule, mode, 400) for rule, mode in CASES] + [ir_drop_workload(r, 400) for r in ACCEPTED_RULES]
    for wl in warm:
        tr = Trainer(wl, ds, np.random.SeedSequence(0))
        with threadpool_limits(1):
            tr.run_epoch(1)
    with threadpool_limits(1):
        numpy_epoch(ds, 2)


def write_json(path: str, out: dict) -> None:
    with open(path, "w") as fh:
        json.dump(out, fh, indent=2)
    print(f"wrote {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats per case (>= 3; default 3)")
    ap.add_argument(
        "--quick", action="store_true", help="30 training batches per epoch case, no sweep scaling (a minute or two)"
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also profile a hardware epoch and a simulated iteration (bp, dfa): top functions by internal time",
    )
    ap.add_argument(
        "--sweep-scaling",
        action="store_true",
        help="run only the sweep-scaling case (1 vs 2 local Dask workers; needs the dask extra)",
    )
    ap.add_argument("--conv", action="store_true", help="run only the LeNet hardware / ideal epoch case")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args(argv)
    if args.repeats < 3:
        ap.error("--repeats must be >= 3 (the median of at least 3 runs is reported)")
    if args.sweep_scaling:
        print(
            f"cyclesim benchmark [SWEEP SCALING]: 12-point sweep, local Dask cluster, wall time, median of "
            f"{args.repeats}"
        )
        sys.stdout.flush()
        r = time_sweep_scaling(args.repeats)
        print_sweep_scaling(r)
        if args.json:
            write_json(args.json, r)
        return 0

    if args.conv:
        ds = data.load("mnist", None)
        print(f"cyclesim benchmark [CONV]: LeNet (workloads/lenet_mnist.py), CPU time, median of {args.repeats}")
        sys.stdout.flush()
        warm_up_conv(ds)
        r = time_conv(ds, args.repeats)
        print_conv(r)
        if args.json:
            write_json(args.json, r)
        return 0

    train_limit = QUICK_TRAIN_LIMIT if args.quick else None
    batches = QUICK_BATCHES if args.quick else FULL_BATCHES
    label = "QUICK" if args.quick else "FULL"

    ds = data.load("mnist", None)
    print(
        f"cyclesim benchmark [{label}]: MNIST {'-'.join(map(str, SIZES))}, batch {BATCH}, "
        f"{batches} training batches + {len(ds.test_x)} test images per epoch; "
        f"CPU time (process_time), BLAS 1 thread, median of {args.repeats}"
    )
    print(
        f"targets (issue 17): hardware epoch <= {HARDWARE_TARGET:g}x the NumPy float32 epoch "
        f"({', '.join(ACCEPTED_RULES)}; other rules informational), ideal <= {IDEAL_TARGET:g}x; "
        f"simulated iteration <= {ENGINE_TARGET:g}x Trainer.step; engine on every iteration <= "
        f"{ALL_ITERATIONS_TARGET:g}x engine off; {'-'.join(map(str, MEMORY_SIZES))} peak RSS <= "
        f"{MEMORY_TARGET_MIB:g} MiB"
    )
    print(
        f"targets (issue 15): hardware epoch with effects.ir_drop=true <= {IR_DROP_TARGET:g}x the same epoch "
        f"without ({', '.join(ACCEPTED_RULES)})"
    )
    print(f"targets (issue 14): hardware LeNet epoch <= {CONV_TARGET:g}x the ideal LeNet epoch")
    if args.quick:
        print("QUICK MODE: train_limit=6000 / 30 reference batches -- ratios indicative only")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print(f"cyclesim from {CYCLESIM_DIR}")  # an editable install may not be the tree this script is in
    sys.stdout.flush()

    c0 = time.process_time()
    warm_up(ds)
    print(f"warm-up (numba compile): {time.process_time() - c0:.1f} s CPU")
    sys.stdout.flush()

    ref_times, ref_acc = time_reference(ds, batches, args.repeats)
    ref_med = statistics.median(ref_times)
    rows = [case_row(REFERENCE, ref_times, ref_med, None, ref_acc)]
    for rule, mode in CASES:
        wl = workload(rule, mode, train_limit)
        times, acc = time_cyclesim(ds, wl, args.repeats)
        chip = dict(feedback_store=wl.feedback_store, wgu=wl.wgu) if mode == "hardware" else {}
        informational = rule not in ACCEPTED_RULES
        rows.append(
            case_row(
                f"{rule}_{mode}",
                times,
                ref_med,
                TARGETS[(rule, mode)],
                acc,
                rule=rule,
                mode=mode,
                informational=informational,
                **chip,
            )
        )
    print()
    print_epochs(rows)
    sys.stdout.flush()

    floor_rows = [] if args.quick else epoch_floor(ds, ref_med)
    if floor_rows:
        print()
        for r in floor_rows:
            print_floor(r)
        sys.stdout.flush()

    ir_drop_rows = time_ir_drop(ds, train_limit, args.repeats)
    print()
    for r in ir_drop_rows:
        print_ir_drop(r)
    sys.stdout.flush()

    engine_rows = time_engine(ds, args.repeats)
    print()
    for r in engine_rows:
        print_engine(r)
    sys.stdout.flush()

    all_iterations_row = time_all_iterations(train_limit, args.repeats)
    print()
    print_all_iterations(all_iterations_row)
    sys.stdout.flush()

    warm_up_conv(ds)
    conv_row = time_conv(ds, args.repeats)
    print()
    print_conv(conv_row)
    sys.stdout.flush()

    memory_row = measure_memory()
    print()
    print_memory(memory_row)
    sys.stdout.flush()

    cost_rows = time_cost_model(args.repeats)
    print()
    for r in cost_rows:
        print(
            f"{r['case']:<28} median {1e3 * r['median_s']:7.2f} ms CPU  target <= {1e3 * r['target_s']:g} ms  "
            f"{verdict(r['passed'])}"
        )
    sys.stdout.flush()

    profile_rows = []
    if args.profile:
        profile_rows = profiles(ds)
        for p in profile_rows:
            print()
            print_profile(p)
        sys.stdout.flush()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux (before the cluster)
    print()
    sweep_rows = []
    try:
        import distributed  # noqa: F401
    except ImportError:
        print(f"{'sweep_scaling':<28} skipped: needs the dask extra (pip install -e '.[dask]')")
    else:
        if args.quick:
            print(f"{'sweep_scaling':<28} skipped in quick mode (3 minutes): python tools/bench.py --sweep-scaling")
        else:
            sweep_rows.append(time_sweep_scaling(args.repeats))
            print_sweep_scaling(sweep_rows[0])
    print()
    print(f"peak memory of this process (ru_maxrss): {peak_mib:.1f} MiB")
    counted = rows + ir_drop_rows + engine_rows + [all_iterations_row, conv_row, memory_row] + cost_rows + sweep_rows
    all_pass = all(r["passed"] for r in counted if r["passed"] is not None and not r.get("informational"))
    print(f"overall [{label}]: {'PASS' if all_pass else 'FAIL'}")

    if args.json:
        write_json(
            args.json,
            dict(
                mode=label.lower(),
                repeats=args.repeats,
                batches=batches,
                batch_size=BATCH,
                sizes=list(SIZES),
                test_images=len(ds.test_x),
                clock="process_time",
                blas_threads=1,
                reference=REFERENCE,
                cyclesim_dir=CYCLESIM_DIR,
                rows=rows,
                epoch_floor=floor_rows,
                ir_drop=ir_drop_rows,
                engine=engine_rows,
                all_iterations=all_iterations_row,
                conv=conv_row,
                memory=memory_row,
                cost_model=cost_rows,
                profile=profile_rows,
                sweep_scaling=sweep_rows,
                peak_rss_mib=peak_mib,
                all_pass=all_pass,
            ),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
