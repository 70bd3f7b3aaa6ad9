"""How much memory a run will need, estimated from its configuration before anything is allocated.

`estimate(workload)` predicts the peak resident memory a run adds to the process that starts it
(the interpreter and cyclesim's imports are already there), phase by phase, from the arrays the
functional model and the engine allocate. With n_l = rows x columns of weight layer l, B the batch,
S the subarray side and P the bit planes of a read (activation bits unsigned; 2 (error bits - 1)
signed):

- the dataset, read once whole (uint8 images, 784 bytes each), twice its size while it is decoded;
- numba's compiled kernels, loaded on the first crossbar read (`KERNELS_BYTES`, not in ideal mode);
- the state: per weight 4 bytes of velocity and, on a crossbar, 4 of conductance, 4 + 4 of the
  device curve constants (nonlinearity on, parametric device), 4 of D2D gain (d2d on and > 0); a float32 weight in
  ideal mode; the rule's fixed matrices alike;
- what training keeps: per weight 4 bytes of the previous iteration's pulses and 8 (conductances
  and pulses) of the recorded iteration the engine replays (each is replayed as soon as it is
  trained, so there is one at a time whatever `sim.iterations_per_epoch`);
- the largest transient of one layer at a time: a bit-serial read's partial sums of one
  row-subarray, P x B x C float32 (`kernels.bitserial_mvm`), beside the 4 n_l conductance
  copy (8 while it is formed), the transposed copy of BP's read, the sign matrix of sign-symmetry;
  the update (`UPDATE_BYTES` per weight: gradient, stochastic rounding, pulses, C2C noise); the
  initial programming (`INIT_BYTES` per weight, float64 intermediates); the engine's set input
  bits per line of a read (it times and prices the recorded values, it does not recompute them);
- glibc's heap: arrays under 32 MiB are freed into the heap, which keeps them resident, so the
  largest such layer's update temporaries stay on top of the later transients.

The peak is the largest phase: data loading, initialisation, training (and evaluation) or the
engine. `tools/memory_table.py` compares the estimate with the measured peak (ru_maxrss) for widths
256 to 4096. `check(workload)` refuses (MemoryBudgetError, one line) a run whose estimate exceeds
`available()`: MemAvailable of /proc/meminfo, the cgroup's limit less its usage (v2 or v1) and
RLIMIT_AS, whichever is least; where none can be read (not Linux) nothing is refused, and
CYCLESIM_MEMORY_CHECK=off turns the check off.
"""

from __future__ import annotations

import math
import os
import resource
from pathlib import Path

import attrs

from cyclesim.config import Workload
from cyclesim.data import CIFAR_FILES, CIFAR_RECORDS, PIXELS, STANDARD_COUNTS
from cyclesim.errors import MemoryBudgetError
from cyclesim.rules import base as rule_base
from cyclesim.terms import input_values

KERNELS_BYTES = 70 << 20
"""numba's compiled kernels once loaded from its cache (measured: about 62 MiB)."""

SYNTHETIC_COUNTS = {"train": 2000, "t10k": 500}
"""Examples of the synthetic set (`data.synthetic` defaults)."""

SYNTHETIC_WORK = 40
"""Bytes per synthetic pixel while the set is generated (float64 images, noise, rounding)."""

INIT_BYTES = 34
"""Transient bytes per weight while a crossbar layer is programmed: float64 draws, the float64
copy, clip and rint intermediates, the float32 results (a float32 draw in ideal mode: 12)."""

INIT_SPREAD_BYTES = 24
"""Extra transient bytes per weight when the nonlinearity varies per cell (device.nl_d2d > 0)."""

UPDATE_BYTES = 16
"""Transient bytes per weight of one layer's update on a crossbar: the exact gradient (float32),
its stochastic rounding (uniforms, one array worked in place), then the wanted step, uniforms, the
pulses and the C2C noise of the programmed cells (8 in ideal mode)."""

HEAP_BLOCK_BYTES = 32 << 20
"""glibc's largest mmap threshold: freed arrays below it return to the heap, not the system, so the
update's temporaries of a layer whose arrays are smaller stay resident (`HEAP` below)."""

MIB = 1 << 20
GIB = 1 << 30


@attrs.frozen
class Estimate:
    """A run's estimated peak memory (bytes above the process that starts it), its phases, and the
    parts of the peak phase (`parts`: name -> bytes, largest first)."""

    peak: int
    phase: str  # the phase of the peak: "data", "init", "training", "engine"
    phases: dict  # phase -> bytes
    parts: dict  # part of the peak phase -> bytes
    phase_parts: dict  # phase -> {part -> bytes}

    def advice(self, workload: Workload) -> str:
        """What to lower, from the largest part of the peak."""
        top = next(iter(self.parts), "")
        units = workload.geometry.units
        widest = max(units[1:-1], default=units[-1])
        key = "network.sizes" if workload.network.layers is None else "network.layers"
        sizes = f"{key} (the widest layer has {widest} units)"
        if top == "partial sums":
            batch = workload.training.batch_size
            return f"lower training.batch_size (now {batch}; the partial sums grow with it) or {sizes}"
        if top == "recorded iterations":
            return f"lower sim.iterations_per_epoch (now {workload.sim.iterations_per_epoch}) or {sizes}"
        if top == "dataset":
            return "free memory or run on a larger machine (the dataset is loaded whole)"
        return f"lower {sizes}"


def _planes(bits: int, signed: bool) -> int:
    return 2 * (bits - 1) if signed else bits


def psum_bytes(rows: int, cols: int, batch: int, planes: int, sub: int, per_plane: bool = False) -> int:
    """Bytes of `kernels.bitserial_mvm`'s work arrays for a rows x cols read: float32 partial sums of
    one row-subarray (planes, batch, cols), as much again for NeuroSim's per-plane sums (`per_plane`,
    `chip.adc_model` neurosim), the ADC's accumulator and the running total that becomes the output
    (2 x batch x cols), and the reference's codes (ceil(cols/sub) x batch, plus batch). Independent of
    `rows`: the row-subarrays are read one at a time."""
    nj = -(-cols // sub)
    sums = planes * batch * cols * (2 if per_plane else 1)
    return 4 * (sums + 2 * batch * cols + nj * batch + batch)


def dataset_bytes(workload: Workload) -> tuple[int, int]:
    """(resident, transient while loading) bytes of the workload's dataset."""
    if workload.dataset == "synthetic":
        n, values = sum(SYNTHETIC_COUNTS.values()), math.prod(workload.image_shape)
        return n * (values + 1), n * values * SYNTHETIC_WORK
    if workload.dataset == "cifar10":  # the batch files' bytes, then the arrays cut from them
        n = len(CIFAR_FILES) * CIFAR_RECORDS
        return n * (input_values("cifar10") + 1), 2 * n * (input_values("cifar10") + 1)
    n = sum(STANDARD_COUNTS.values())
    return n * (PIXELS + 1), n * (PIXELS + 1)


def estimate(workload: Workload) -> Estimate:
    """The run's peak resident memory above the starting process, in bytes (see the module doc)."""
    wl = workload
    stages = wl.geometry.stages
    mode, fx, dev, chip, prec = wl.mode, wl.effects, wl.device, wl.chip, wl.precision
    hw = mode == "hardware"
    crossbar = mode != "ideal"
    adc = hw and fx.adc
    batch = wl.training.batch_size
    sub = chip.subarray
    layers = [(s.rows, s.cols) for s in stages]
    reads = [batch * s.positions for s in stages]  # read rows per batch: a convolution's positions too
    n = [r * c for r, c in layers]
    sigs = wl.signals
    fb_shapes = rule_base.feedback_shapes(sigs, wl.geometry)
    in_rram = wl.feedback_store == "rram"

    # -- state -------------------------------------------------------------------------------
    if crossbar:
        curve_a = 8 if hw and fx.nonlinearity and dev.curve is None else 0  # a measured curve has no per-cell A
        per_weight = 4 + 4 + curve_a + (4 if hw and fx.d2d and dev.d2d > 0 else 0)
        fb_per = 4 + (4 if hw and in_rram and fx.d2d and dev.d2d > 0 else 0)
    else:
        per_weight, fb_per = 8, 4
    state_layers = [per_weight * k for k in n]
    fb_n = {layer: r * c for layer, (r, c) in fb_shapes.items()}
    state = sum(state_layers) + fb_per * sum(fb_n.values())

    data_resident, data_load = dataset_bytes(wl)
    kernels = KERNELS_BYTES if crossbar else 0
    base = {"dataset": data_resident, "kernels": kernels}

    # -- initialisation: layer by layer, the earlier layers' state resident -------------------
    init_per = (
        (INIT_BYTES + (INIT_SPREAD_BYTES if hw and fx.nonlinearity and fx.d2d and dev.nl_d2d > 0 else 0))
        if crossbar
        else 12
    )
    init_peak, done = 0, 0
    for k, s in zip(n, state_layers):
        init_peak = max(init_peak, done + init_per * k)
        done += s - 4 * k  # the velocity is not touched before the first update
    for k in fb_n.values():
        init_peak = max(init_peak, done + (INIT_BYTES if crossbar else 12) * k)
        done += fb_per * k

    # -- training: what stays between iterations, and the largest transient of one layer -------
    engine = hw and fx.adc and wl.sim.simulates
    total = sum(n)
    trace = 8 * total if engine else 0  # one recorded iteration: each is simulated, and dropped, before the next
    kept = {
        "previous pulses": 4 * total if crossbar else 0,
        "recorded iterations": trace,
    }
    # inputs, pre-activations, outputs, deltas per layer; a convolution's patches (and their copy as rows)
    activations = 4 * batch * sum(wl.geometry.units) * 8 + sum(
        8 * r * s.rows for r, s in zip(reads, stages) if s.is_conv
    )
    transient = {}

    def read(key, rows, cols, weights, bits, signed, through_adc, copies, samples=batch):
        if not crossbar:
            return
        if through_adc:
            ps = psum_bytes(rows, cols, samples, _planes(bits, signed), sub, chip.adc_model == "neurosim")
            cost = max(8 * weights, 4 * copies * weights + ps)
            transient[key] = (cost, ps)
        else:
            transient[key] = (8 * weights, 0)

    for layer, ((r, c), k) in enumerate(zip(layers, n)):
        read(f"forward{layer}", r, c, k, prec.activation, False, adc, 1, reads[layer])
        earlier = 4 * sum(n[:layer]) if crossbar else 0
        transient[f"update{layer}"] = (earlier + (UPDATE_BYTES if crossbar else 8) * k, 0)
    for s in sigs:
        if s.via == "transposed":
            r, c = layers[s.layer + 1]
            read(f"transposed{s.layer + 1}", c, r, r * c, prec.error, True, adc, 2, reads[s.layer + 1])
        elif s.via == "sign_transposed":
            transient[f"signs{s.layer + 1}"] = (12 * n[s.layer + 1], 0)
        else:
            rows, cols = fb_shapes[s.layer]
            samples = reads[s.layer + 1] if s.mirrors_next else batch
            read(f"feedback{s.layer}", rows, cols, rows * cols, prec.error, True, adc and in_rram, 1, samples)
    _key, (worst, worst_psum) = max(transient.items(), key=lambda kv: kv[1][0])
    update_per = UPDATE_BYTES if crossbar else 8
    heap = max((update_per * k for k in n if 4 * k < HEAP_BLOCK_BYTES), default=0)
    training_parts = {
        "state": state,
        **kept,
        "partial sums": worst_psum,
        "transient": worst - worst_psum,
        "heap": heap,
        "activations": activations,
    }

    # -- the engine: the recorded iteration, and a read's set input bits per line ----------------
    engine_parts = {}
    if engine:
        engine_parts = {
            "state": state,
            "recorded iterations": trace,
            # int64 operand copy, its shifted bits, the sums
            "transient": 24 * max(r * s.rows for r, s in zip(reads, stages)),
            "heap": heap,
            "activations": activations,
        }

    phase_parts = {
        "data": {"decoding": data_load},
        "init": {"state": init_peak},
        "training": training_parts,
        **({"engine": engine_parts} if engine else {}),
    }
    for name, parts in phase_parts.items():  # the dataset stays; the kernels come with the first read
        parts.update({k: v for k, v in base.items() if name in ("training", "engine") or k == "dataset"})
    phases = {name: sum(parts.values()) for name, parts in phase_parts.items()}
    phase = max(phases, key=phases.get)
    by_phase = {
        name: dict(sorted(((k, v) for k, v in parts.items() if v), key=lambda kv: -kv[1]))
        for name, parts in phase_parts.items()
    }
    return Estimate(peak=phases[phase], phase=phase, phases=phases, parts=by_phase[phase], phase_parts=by_phase)


# -------------------------------------------------------------------------------------------------
# What is available


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def _meminfo(field: str, text: str | None) -> int | None:
    for line in (text or "").splitlines():
        name, _, rest = line.partition(":")
        if name.strip() == field:
            try:
                return int(rest.split()[0]) * 1024
            except (IndexError, ValueError):
                return None
    return None


def _number(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if not text or text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return None if value >= 1 << 60 else value  # cgroup v1 writes "no limit" as a huge number


def _inactive_file(stat: str | None, key: str) -> int:
    for line in (stat or "").splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _cgroup_room(root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc/self/cgroup")) -> int | None:
    """Memory the process's cgroup (and its ancestors) still allows: the least over the levels of
    limit - (usage - inactive page cache); None when no level has a limit."""
    text = _read(proc)
    if text is None:
        return None
    rooms = []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        rel = rel.strip().lstrip("/")
        if controllers == "":  # cgroup v2
            tops, names = [root], ("memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):  # cgroup v1
            tops = [root / "memory"]
            names = ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
        else:
            continue
        for top in tops:
            folder = top / rel if (top / rel).is_dir() else top  # inside a container: its own root
            while True:
                limit = _number(_read(folder / names[0]))
                if limit is not None:
                    usage = _number(_read(folder / names[1])) or 0
                    usage -= _inactive_file(_read(folder / "memory.stat"), names[2])
                    rooms.append(max(limit - max(usage, 0), 0))
                if folder == top:
                    break
                folder = folder.parent
    return min(rooms) if rooms else None


def available() -> tuple[int | None, str]:
    """(bytes this process may still allocate, where that figure comes from), or (None, "") where
    nothing can be read: the least of MemAvailable (/proc/meminfo), the cgroup's room and RLIMIT_AS
    less the address space in use."""
    found = []
    mem = _meminfo("MemAvailable", _read(Path("/proc/meminfo")))
    if mem is not None:
        found.append((mem, "available"))
    room = _cgroup_room()
    if room is not None:
        found.append((room, "left under the cgroup's memory limit"))
    try:
        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError, AttributeError):
        soft = resource.RLIM_INFINITY
    if soft != resource.RLIM_INFINITY and soft > 0:
        used = _meminfo("VmSize", _read(Path("/proc/self/status"))) or 0
        found.append((max(soft - used, 0), "left under the address-space limit (ulimit -v)"))
    if not found:
        return None, ""
    return min(found)


def _size(nbytes: float) -> str:
    return f"{nbytes / GIB:.1f} GiB" if nbytes >= GIB else f"{math.ceil(nbytes / MIB)} MiB"


def check(workload: Workload) -> Estimate:
    """Refuse, before any work, a run whose estimated peak memory exceeds what is available
    (MemoryBudgetError naming both figures, the largest parts and what to lower); returns the
    estimate. CYCLESIM_MEMORY_CHECK=off (or 0, no, false) skips the check."""
    est = estimate(workload)
    if os.environ.get("CYCLESIM_MEMORY_CHECK", "").strip().lower() in ("off", "0", "no", "false"):
        return est
    room, where = available()
    if room is None or est.peak <= room:
        return est
    top = ", ".join(f"{name} {_size(b)}" for name, b in list(est.parts.items())[:3])
    raise MemoryBudgetError(
        f"this run needs about {_size(est.peak)} of memory at its peak ({est.phase}: {top}) but only "
        f"{_size(room)} is {where}; {est.advice(workload)} (CYCLESIM_MEMORY_CHECK=off skips this check)"
    )
