"""One training iteration as SimPy processes: FW, the rule's learning signals, WG and WU, on the chip.

The forward pass reads every layer's subarrays (all in parallel within a layer, layers one after
another), accumulates and activates. The learning signals run as the rule declares them
(`cyclesim.rules`): chains of signals, each a process started when its source exists (the one-hot
target at once, so DRTP's layers learn while the forward pass goes on; the output error after the
forward pass), each step waiting for what it projects: BP's delta_l waits for delta_{l+1} and a
transposed read of W_{l+1}; DFA's deltas need only the error. Each layer's weight gradient is formed
per sample in a weight-gradient unit (shared or per layer) and, as in NeuroSim V2, accumulated
through DRAM; the update programs the arrays once per batch, after every backward read of them. No
latency is computed here: each component prices its own operation, and the iteration's length is
whatever the event simulation of these dependencies and queues gives.
"""

from __future__ import annotations

import gc

import attrs
import numpy as np
import simpy

from cyclesim import irdrop, kernels
from cyclesim.engine.components import (
    Buffer,
    Dram,
    HTree,
    Pe,
    Subarray,
    Tile,
    Unit,
    Wgu,
    run_steps,
    to_cycles,
)
from cyclesim.engine.probe import Probe
from cyclesim.errors import ConfigError
from cyclesim.learn import signals
from cyclesim.learn.network import Operand
from cyclesim.rules import base as rule_base
from cyclesim.terms import IDLE, PHASES

_F32 = np.float32
_PHASE_CODE = {p: k for k, p in enumerate(PHASES)}


@attrs.frozen
class IterationResult:
    """What one simulated iteration measured."""

    cycles: int
    clock_hz: float
    probe: Probe
    leakage_w: float  # static power of the chip
    events: int

    @property
    def seconds(self) -> float:
        return self.cycles / self.clock_hz

    def phase_time(self) -> dict:
        """The iteration's cycles attributed to phases: every cycle is split equally among the
        phases that keep some resource busy in it (cycles with nothing busy count as `IDLE`), so
        the parts add up to the iteration's length even where DFA's phases overlap:
            time[p] = sum over cycles t of [p busy at t] / max(1, number of phases busy at t).
        Summed piece by piece between consecutive interval edges, in time order (np.cumsum adds in
        order; a phase not busy in a piece adds an exact zero)."""
        ivs = self.probe.every_interval()
        n = len(ivs)
        start = np.fromiter((iv[0] for iv in ivs), dtype=np.int64, count=n)
        end = np.fromiter((iv[1] for iv in ivs), dtype=np.int64, count=n)
        phase = np.fromiter((_PHASE_CODE[iv[2]] for iv in ivs), dtype=np.int8, count=n)
        held = end > start
        starts = {p: start[held & (phase == k)] for k, p in enumerate(PHASES)}
        ends = {p: end[held & (phase == k)] for k, p in enumerate(PHASES)}
        times = np.sort(np.concatenate([*starts.values(), *ends.values()]))
        times = times[np.concatenate([times[:1] == times[:1], times[1:] != times[:-1]])]  # distinct
        out = dict.fromkeys((*PHASES, IDLE), 0.0)
        if times.size == 0:
            out[IDLE] = float(self.cycles)
            return out
        # busy[p][i]: p keeps a resource busy in the piece [times[i], times[i + 1])
        busy = {
            p: np.searchsorted(np.sort(starts[p]), times[:-1], side="right")
            > np.searchsorted(np.sort(ends[p]), times[:-1], side="right")
            for p in PHASES
        }
        count = sum(b.astype(np.int64) for b in busy.values())
        share = np.diff(times).astype(np.float64) / np.maximum(count, 1)
        for p in PHASES:
            out[p] = float(np.cumsum(np.where(busy[p], share, 0.0))[-1]) if share.size else 0.0
        idle = np.where(count == 0, share, 0.0)
        out[IDLE] = float(np.cumsum(np.concatenate([[float(times[0])], idle]))[-1])
        out[IDLE] += self.cycles - int(times[-1])
        return out

    def per_layer(self) -> list[dict]:
        """Per layer and phase: busy cycles summed over the layer's resources' intervals."""
        rows: dict = {}
        for res in self.probe.resources():
            for start, end, phase, layer, _bits in self.probe.intervals(res):
                if layer is None:
                    continue
                row = rows.setdefault(layer, {"layer": layer + 1, **dict.fromkeys(PHASES, 0)})
                row[phase] += end - start
        return [rows[k] for k in sorted(rows)]


def simulate(inv, net, trace) -> IterationResult:
    """Simulate one recorded iteration of the workload on the chip `inv` (`hw.inventory`) describes."""
    return Iteration(inv, net, trace).run()


class ChipModel:
    """The inventoried chip (`hw.inventory.Inventory`) as SimPy components: each timed part of the
    inventory becomes one component, priced per operation by its inventory record (nothing is sized
    or priced here)."""

    def __init__(self, env, inv, net, probe: Probe):
        workload, fp = inv.workload, inv.floorplan
        self.env, self.wl, self.fp, self.net, self.probe = env, workload, fp, net, probe
        self.weight_maps = fp.weights  # the floorplan's entry of every weight array, layer order
        self.feedback_maps = {int(a.name.removeprefix("feedback")) - 1: a for a in fp.feedback}  # by layer served
        chip = workload.chip
        sub = chip.subarray
        self.sub = sub
        self.read = inv.read  # "fw" / "ag": one bit plane through one subarray (hw.inventory.ReadPlane)
        self.programming = inv.programming
        # Subarrays of every weight array, by (row block, column block); `copies[l]` holds those of the
        # layer's further copies (duplication), which read their share of the batch in parallel.
        self.subarrays, self.copies = [], []
        for l, a in enumerate(fp.weights):
            self.subarrays.append(
                {
                    (s, j): Subarray(env, f"{a.name}.sub{s}.{j}", sub, sub, probe, layer=l)
                    for s in range(a.sub_rows)
                    for j in range(a.sub_cols)
                }
            )
            self.copies.append(
                [
                    {
                        (s, j): Subarray(env, f"{a.name}.copy{k}.sub{s}.{j}", sub, sub, probe, layer=l)
                        for s in range(a.sub_rows)
                        for j in range(a.sub_cols)
                    }
                    for k in range(1, a.copies)
                ]
            )
        # Subarrays of the rule's feedback arrays (feedback_store "rram"), by the layer they serve.
        self.feedback_subarrays = {}
        for l, a in self.feedback_maps.items():
            self.feedback_subarrays[l] = {
                (s, j): Subarray(env, f"{a.name}.sub{s}.{j}", sub, sub, probe, layer=l)
                for s in range(a.sub_rows)
                for j in range(a.sub_cols)
            }
        # The tile and PE hierarchy: per array, per copy, its tiles with their PEs and subarrays.
        self.psum_bits = inv.tile_part(fp.arrays[0].transposable, "tile_adder_tree").size["bits"]
        self.groups = [self._hierarchy(inv, a, [self.subarrays[l], *self.copies[l]]) for l, a in enumerate(fp.weights)]
        self.feedback_groups = {
            l: self._hierarchy(inv, self.feedback_maps[l], [subs]) for l, subs in self.feedback_subarrays.items()
        }
        gbuf = inv.part("global_buffer")
        self.gbuf = Buffer(env, gbuf.name, gbuf.size["port_bits"], gbuf.cost, gbuf.cost, probe)
        tree = inv.part("chip_htree")
        self.htree = HTree(env, tree.name, tree.size["width_bits"], tree.cost, probe)
        dram = inv.dram
        self.dram = Dram(
            env,
            "dram",
            channels=inv.dram_phy.count,
            bandwidth_bit_per_s=dram.bandwidth_bit_per_s,
            latency_s=dram.latency_s,
            energy_j_per_bit=inv.dram_j_per_bit,
            clock_hz=chip.clock_hz,
            probe=probe,
            burst_bits=dram.burst_bits,
            interleave=chip.dram_interleave,
        )
        acc, act = inv.part("accumulation"), inv.part("activation")
        self.accum = Unit(env, acc.name, acc.cost, probe, lanes=acc.count)
        self.activation = Unit(env, act.name, act.cost, probe, lanes=act.count, category=act.category)
        if inv.has("feedback_mac"):  # with the SRAM it reads: B_l at weight bits, or sign(W) bits
            mac, store = inv.part("feedback_mac"), inv.part("feedback_sram")
            self.feedback_mac = Unit(env, mac.name, mac.cost, probe, lanes=mac.count)
            self.feedback_store = Buffer(env, store.name, store.size["port_bits"], store.cost, store.cost, probe)
        # Weight-gradient units: one shared (sized for the largest layer) or one per layer; each
        # layer's block priced by the inventory.
        self.wgu_costs = inv.wgu_blocks
        if fp.wgu == "shared":
            shared = Wgu(env, "wgu", probe)
            self.wgus = [shared] * len(fp.weights)
        else:
            self.wgus = [Wgu(env, f"wgu{l + 1}", probe, layer=l) for l in range(len(fp.weights))]
        self.words = inv.words
        self.leakage_w = inv.leakage_w()

    def _hierarchy(self, inv, a, copies: list[dict]) -> list[list[tuple]]:
        """Per copy of array `a`: its tiles, each (Tile, [(pe key, Pe, [(key, Subarray), ...]), ...]), as the
        inventory places the subarrays (`Inventory.placement`); every tile and PE a component."""
        env, probe = self.env, self.probe
        tp = {name: inv.tile_part(a.transposable, name) for name in ("tile_buffer", "tile_htree", "tile_adder_tree")}
        pp = {name: inv.tile_part(a.transposable, name) for name in ("pe_buffer", "pe_adder_tree")}
        tiles, pes, members = {}, {}, {}
        for (k, s, j), (tile_key, pe_key) in sorted(inv.placement(a).items()):
            if tile_key not in tiles:
                name = f"{a.name}{f'.copy{tile_key[0]}' if tile_key[0] else ''}.tile{tile_key[1]}.{tile_key[2]}"
                tiles[tile_key] = Tile(
                    env, name, buffer=tp["tile_buffer"].cost, port_bits=tp["tile_buffer"].size["port_bits"],
                    link=tp["tile_htree"].cost, width_bits=tp["tile_htree"].size["width_bits"],
                    tree=tp["tile_adder_tree"].cost, lanes=tp["tile_adder_tree"].size["lanes"], probe=probe,
                )  # fmt: skip
            if pe_key not in pes:
                name = f"{a.name}{f'.copy{pe_key[0]}' if pe_key[0] else ''}.pe{pe_key[1]}.{pe_key[2]}"
                pes[pe_key] = (tile_key, Pe(
                    env, name, buffer=pp["pe_buffer"].cost, port_bits=pp["pe_buffer"].size["port_bits"],
                    tree=pp["pe_adder_tree"].cost, lanes=pp["pe_adder_tree"].size["lanes"], probe=probe,
                ))  # fmt: skip
            members.setdefault((k, pe_key), []).append(((s, j), copies[k][(s, j)]))
        out = []
        for k in range(len(copies)):
            by_tile: dict = {}
            for (kk, pe_key), subs in members.items():
                if kk == k:
                    tile_key, pe = pes[pe_key]
                    by_tile.setdefault(tile_key, []).append((pe_key, pe, subs))
            out.append([(tiles[t], pe_list) for t, pe_list in by_tile.items()])
        return out

    # -- helpers -------------------------------------------------------------------------------

    def transfer(self, bits: int, phase: str, layer: int | None):
        """Global buffer <-> tiles over the chip H-tree."""
        yield from self.gbuf.read(bits, phase, layer)
        yield from self.htree.send(bits, phase, layer)

    def _array(self, l: int, feedback: bool):
        """(crossbar, floorplan entry, subarrays) of layer l's weights, or of its feedback matrix."""
        if feedback:
            return self.net.feedback[l], self.feedback_maps[l], self.feedback_subarrays[l]
        return self.net.xbars[l], self.weight_maps[l], self.subarrays[l]

    def reads(self, l: int, x, g: np.ndarray, transposed: bool, feedback: bool = False) -> list:
        """Every subarray's part of reading `x` through layer l's weights (or, `feedback`, its feedback
        matrix, with signed inputs): (key, subarray, energy per category for the whole batch, cycles
        per sample). The values read are the functional model's (`learn.network.Crossbar.read`);
        tests/test_schedule.py proves that these subarrays, read one by one and summed as the PE and
        tile adder trees sum them, give those values bit for bit.
        The cells' energy is E = cell_j_per_gmax * sum over planes, samples and columns of the column
        currents (units of Gmax * V_read): with ideal wires sum_rows active_r * sum_cols g_rc; through
        resistive wires (`effects.ir_drop`) the degraded currents the functional read saw
        (`irdrop.read_energy_j`: the drivers' current is the columns')."""
        wl = self.wl
        prec = wl.precision
        xbar, _amap, subs = self._array(l, feedback)
        sub = self.sub
        signed = transposed or feedback
        bits = prec.error if signed else prec.activation
        planes = 2 * (bits - 1) if signed else bits
        op = self.read["ag" if transposed else "fw"]
        batch = x.q.shape[0]
        active = _active_bits(x.q, bits, signed)  # per input line, over the batch and every plane
        driven = [float(active[b : b + sub].sum()) for b in range(0, active.size, sub)]  # per block (exact)
        degraded = _degraded_currents(xbar, x.q, g, bits, signed, transposed, sub)
        # per driven line and subarray, the conductance it drives: sum of g over the subarray's columns
        # (rows, for a transposed read)
        line_sums = None if degraded is not None else _line_sums(np.ascontiguousarray(g.T) if transposed else g, sub)
        out = []
        for (s, j), sa in subs.items():
            rs, cs = slice(s * sub, (s + 1) * sub), slice(j * sub, (j + 1) * sub)
            shape = g[rs, cs].shape
            # Data-dependent: every set input bit pulses its line's driver and its line's cells
            # conduct for the pulse; per plane, the output lines in use are precharged, multiplexed,
            # converted and accumulated.
            frac = (shape[0] if transposed else shape[1]) / sub * planes * batch
            if degraded is None:
                act, line_g = (active[cs], line_sums[s, cs]) if transposed else (active[rs], line_sums[j, rs])
                current = float(act @ line_g)
            else:
                current = degraded[s, j]
            energy = {
                "array": op.cell_j_per_gmax * current + op.precharge_j * frac,
                "adc": op.convert_j * frac,
                "accumulation": (op.shift_add_j + op.encode_j) * frac,
                "other": op.drive_j_per_input * driven[j if transposed else s] + op.mux_j * frac,
            }
            out.append(((s, j), sa, energy, planes * op.cycles))
        return out

    def read_layer(self, l: int, x, g: np.ndarray, phase: str, transposed: bool, feedback: bool = False):
        """Generator: layer l's weights (or its feedback matrix) read for the whole batch `x` through the
        tile hierarchy, the copies of a duplicated layer sharing the batch."""
        batch = x.q.shape[0]
        groups = self.feedback_groups[l] if feedback else self.groups[l]
        shares = _shares(batch, len(groups))
        reads = {key: rest for key, *rest in self.reads(l, x, g, transposed, feedback)}
        in_bits = self.wl.precision.error if transposed or feedback else self.wl.precision.activation
        procs = [  # the batch's read energy is charged once, by the first copy
            self.env.process(self.through_copy(l, groups[k], reads, n, k == 0, in_bits, phase, transposed, feedback))
            for k, n in enumerate(shares)
            if n
        ]
        yield simpy.AllOf(self.env, procs)
        a = self._array(l, feedback)[1]
        yield from self.across_tiles(l, batch, a.rows if transposed else a.cols, phase, transposed, feedback)

    def through_copy(self, l, tiles, reads, n, charge, in_bits, phase, transposed, feedback):
        """Generator: `n` samples read through one copy of an array: every tile in parallel receives
        its inputs, its PEs in parallel receive theirs and read their subarrays, the PE and tile adder
        trees reduce the partial sums into the tile buffer."""
        a = self._array(l, feedback)[1]
        procs = [
            self.env.process(self._tile(a, tile, pes, reads, n, charge, in_bits, phase, l, transposed))
            for tile, pes in tiles
        ]
        yield simpy.AllOf(self.env, procs)

    def _tile(self, a, tile, pes, reads, n, charge, in_bits, phase, l, transposed):
        keys = [key for _pk, _pe, subs in pes for key, _sa in subs]
        yield from tile.receive(n * self._lines(a, keys, transposed, inputs=True) * in_bits, phase, l)
        procs = [
            self.env.process(self._pe(a, pe, subs, reads, n, charge, in_bits, phase, l, transposed))
            for _pk, pe, subs in pes
        ]
        yield simpy.AllOf(self.env, procs)
        out = n * self._lines(a, keys, transposed, inputs=False)
        pe_rows = len({pk[2] if transposed else pk[1] for pk, _pe, _subs in pes})  # PEs along the inputs
        yield from tile.collect(
            out * pe_rows * self.psum_bits, out if pe_rows > 1 else 0, out * self.psum_bits, phase, l
        )

    def _pe(self, a, pe, subs, reads, n, charge, in_bits, phase, l, transposed):
        keys = [key for key, _sa in subs]
        yield from pe.receive(n * self._lines(a, keys, transposed, inputs=True) * in_bits, phase, l)
        procs = []
        for key, sa in subs:
            _sa0, energy, cycles = reads[key]
            read = sa.read(cycles=n * cycles, energy_j=energy if charge else {}, phase=phase, layer=l)
            procs.append(self.env.process(read))
        yield simpy.AllOf(self.env, procs)
        blocks = len({key[1] if transposed else key[0] for key in keys})
        yield from pe.reduce(n * self._lines(a, keys, transposed, inputs=False) if blocks > 1 else 0, phase, l)

    def across_tiles(self, l, batch, out_lines, phase, transposed, feedback):
        """Generator: the tiles' sums sent to the chip over its H-tree and, for an array spanning
        several tiles along its inputs, added there (the chip's accumulation units)."""
        a = self._array(l, feedback)[1]
        blocks = a.tile_cols if transposed else a.tile_rows
        yield from self.htree.send(batch * out_lines * blocks * self.psum_bits, phase, l)
        yield from self.accum.run(batch * out_lines * max(blocks - 1, 0), phase, l)

    def _lines(self, a, keys, transposed: bool, inputs: bool) -> int:
        """Input (or output) lines of the subarrays `keys` of array `a`: sum over their distinct row
        blocks s (column blocks j) of min(subarray, lines - block * subarray)."""
        rows_side = inputs != transposed  # forward inputs and transposed outputs run along the rows
        total = a.rows if rows_side else a.cols
        blocks = {key[0] if rows_side else key[1] for key in keys}
        return sum(min(self.sub, total - b * self.sub) for b in blocks)


class Iteration:
    """Simulate one recorded training iteration (a `learn.train.Trace`) on the chip."""

    def __init__(self, inv, net, trace):
        workload, fp = inv.workload, inv.floorplan
        if workload.mode != "hardware" or not workload.effects.adc:
            raise ConfigError(
                "the engine replays hardware-mode iterations with ADCs; set mode=hardware and "
                "effects.adc=true (or sim.iterations_per_epoch=0 to skip the engine)"
            )
        self.wl, self.fp, self.net, self.trace = workload, fp, net, trace
        self.env = simpy.Environment()
        self.probe = Probe()
        self.model = ChipModel(self.env, inv, net, self.probe)
        self.stages = workload.geometry.stages
        self.n = len(self.stages)
        self.signals = workload.signals
        self.fw_done = None  # per layer, when its forward output exists (only if a signal waits for it)
        self.read_done = None  # per layer, when the backward reads of its weights are over
        self.delta_ready: dict = {}  # layer -> event, for deltas that start another chain
        self.sign_layers = {s.reads_weights for s in self.signals if s.via == "sign_transposed"}

    # -- phases --------------------------------------------------------------------------------

    def forward(self):
        wl, model, tr = self.wl, self.model, self.trace
        prec = wl.precision
        batch = len(tr.labels)
        for l, stage in enumerate(self.stages):
            # A convolution's input map goes to its tiles once; its patches are read from the tile
            # buffer at every output position (`read_layer`, one read row per sample and position).
            fan_in, fan_out = stage.inputs, stage.outputs
            if l == 0:  # the batch's images come from DRAM
                yield from model.dram.transfer(batch * fan_in * prec.activation, "fw", l)
            yield from model.transfer(batch * fan_in * prec.activation, "fw", l)
            yield from model.read_layer(l, tr.step.inputs[l], tr.conductances[l], "fw", transposed=False)
            yield from model.activation.run(batch * stage.units, "fw", l)
            if stage.post:  # pooling: one comparison or addition per activation, in the same units
                yield from model.activation.run(batch * stage.units, "fw", l)
            yield from model.gbuf.write(batch * fan_out * prec.activation, "fw", l)
            if l < self.n - 1:  # the next layer's inputs are kept in DRAM for its weight gradient
                yield from model.dram.transfer(batch * fan_out * prec.activation, "fw", l)
            if self.fw_done is not None:
                self.fw_done[l].succeed()

    def forward_pipelined(self):
        """FW with layers as pipeline stages: samples stream through `simpy.Store`s, each stage
        reading one sample at a time while the next stage works on the previous sample.

        The values are those of the batch reads (the ADC ranges are calibrated per batch), as in the
        layer-sequential path; the stages only time them.
        """
        model, tr = self.model, self.trace
        batch = len(tr.labels)
        plans = [model.reads(l, tr.step.inputs[l], tr.conductances[l], transposed=False) for l in range(self.n)]
        stores = [simpy.Store(self.env) for _ in range(self.n + 1)]
        for b in range(batch):
            stores[0].put(b)
        stages = [self.env.process(self._stage(l, plans[l], stores[l], stores[l + 1], batch)) for l in range(self.n)]
        yield simpy.AllOf(self.env, stages)

    def _stage(self, l: int, reads: list, src: simpy.Store, dst: simpy.Store, batch: int):
        wl, model = self.wl, self.model
        prec = wl.precision
        stage = self.stages[l]  # dense: config refuses pipelined convolutions
        fan_in, fan_out = stage.inputs, stage.units
        for _key, _sa, energy, _c in reads:  # the batch's read energy, charged once
            for category, joules in energy.items():
                self.probe.charge(category, "fw", joules)
        by_key = {key: rest for key, *rest in reads}
        groups = model.groups[l]
        for _ in range(batch):
            b = yield src.get()
            if l == 0:  # the sample's image comes from DRAM
                yield from model.dram.transfer(fan_in * prec.activation, "fw", l)
            yield from model.transfer(fan_in * prec.activation, "fw", l)
            copy = groups[b % len(groups)]  # duplicated layers take samples in turn
            yield from model.through_copy(l, copy, by_key, 1, False, prec.activation, "fw", False, False)
            yield from model.across_tiles(l, 1, fan_out, "fw", False, False)
            yield from model.activation.run(fan_out, "fw", l)
            yield from model.gbuf.write(fan_out * prec.activation, "fw", l)
            if l < self.n - 1:  # kept in DRAM for the next layer's weight gradient
                yield from model.dram.transfer(fan_out * prec.activation, "fw", l)
            yield dst.put(b)
        if self.fw_done is not None:
            self.fw_done[l].succeed()

    def weight_update(self, l: int, ready: simpy.Event | None):
        """WG of layer l per sample (WGU + DRAM accumulation), then WU once `ready` fires."""
        wl, model = self.wl, self.model
        a, stage = self.model.weight_maps[l], self.stages[l]
        batch = len(self.trace.labels)
        words = model.words
        # The batch's errors of this layer do not fit the global buffer (it holds one sample): they
        # go to DRAM, to be read back sample by sample with the inputs kept there by the forward pass.
        yield from model.dram.transfer(batch * stage.units * words.error, "wg", l)
        # The running sums: words of `words.gradient` bits (the exact sum of the batch's products by
        # default), in DRAM ("dram": read back with the sample's operands and written per sample) or
        # held in the WGU ("on_chip").
        in_dram = wl.chip.gradient_accumulation == "dram"
        # A sample's operands: its input map and its errors (a convolution's patches are re-formed on
        # chip); a convolution's gradient is one outer product per output position.
        sum_bits = a.rows * a.cols * words.gradient
        operand_bits = stage.inputs * words.activation + stage.units * words.error
        cost = model.wgu_costs[l]
        first_read = model.dram.step(operand_bits, "wg", l)
        read = model.dram.step(operand_bits + (sum_bits if in_dram else 0), "wg", l)
        outer = model.wgus[l].step(
            a.rows,
            a.cols,
            phase="wg",
            layer=l,
            cycles=stage.positions * to_cycles(cost.delay_cycles),
            energy_j=stage.positions * cost.energy_j,
        )
        write = model.dram.step(sum_bits, "wg", l) if in_dram else None  # write the updated sums
        steps = [first_read, outer, write] + [read, outer, write] * (batch - 1)  # sample by sample
        yield from run_steps(self.env, steps if in_dram else [st for st in steps if st is not None])
        if ready is not None:
            yield ready
        # WU: the update logic reads the batch's sums (from DRAM, or from the WGU that holds them)
        # and each weight's momentum (kept in DRAM at `words.momentum` bits), rounds the step and
        # writes the momentum back, then sends the pulse words to the tiles and programs every
        # subarray row by row (pulses from the trace).
        weights = a.rows * a.cols
        yield from model.dram.transfer((sum_bits if in_dram else 0) + weights * words.momentum, "wu", l)
        yield from model.dram.transfer(weights * words.momentum, "wu", l)
        yield from model.htree.send(weights * words.pulse, "wu", l)
        # Rows are programmed one after another, all columns of a row together; a row takes as many
        # pulses as its most-programmed cell. Every copy of a duplicated layer is programmed alike,
        # in parallel.
        row_pulses, cell_pulses, rows_programmed = kernels.programming_counts(self.trace.step.pulses[l], model.sub)
        prog = model.programming  # each programmed row is selected, each pulse charged
        procs = []
        for (s, j), sa in model.subarrays[l].items():
            n_pulses = int(row_pulses[s, j])
            if n_pulses == 0:
                continue
            energy = {
                "array": prog.pulse_j * float(cell_pulses[s, j]),
                "other": prog.row_select_j * int(rows_programmed[s, j]),
            }
            for target in (sa, *(c[(s, j)] for c in model.copies[l])):
                procs.append(
                    self.env.process(
                        target.program(cycles=n_pulses * prog.pulse_cycles, energy_j=energy, phase="wu", layer=l)
                    )
                )
        if procs:
            yield simpy.AllOf(self.env, procs)
        if l in self.sign_layers:
            yield from self._refresh_signs(l)

    def _refresh_signs(self, l: int):
        """Sign-symmetry's sign store of W_l brought up to date after its update: every row of every
        subarray read once with a one-hot input and each column compared with the reference column.
        Priced as one bit-plane read per row with the forward-read periphery (an upper bound for a
        one-bit comparison); the array energy is that of the selected row's cells."""
        model = self.model
        g = self.trace.conductances[l]  # before the update: the refresh reads the cells as programmed
        sub = model.sub
        op = model.read["fw"]
        procs = []
        for (s, j), sa in model.subarrays[l].items():
            block = g[s * sub : (s + 1) * sub, j * sub : (j + 1) * sub]
            rows = block.shape[0]
            frac = block.shape[1] / sub * rows
            energy = {
                "array": op.cell_j_per_gmax * float(block.sum(dtype=np.float64)) + op.precharge_j * frac,
                "adc": op.convert_j * frac,
                "accumulation": (op.shift_add_j + op.encode_j) * frac,
                "other": op.drive_j_per_input * rows + op.mux_j * frac,
            }
            procs.append(self.env.process(sa.program(cycles=rows * op.cycles, energy_j=energy, phase="wu", layer=l)))
        yield simpy.AllOf(self.env, procs)

    def backward(self, procs: list, chains: list):
        """After the forward pass: the output error, the output layer's update, and every chain of
        learning signals that starts from the error (the others, in `procs`, already run)."""
        n = self.n
        read = {s.reads_weights for s in self.signals} - {None}
        if read:  # a layer's update waits until the backward reads of its weights are over
            self.read_done = [self.env.event() for _ in range(n)]
            for l in range(n):
                if l not in read:
                    self.read_done[l].succeed()
        procs.append(self.env.process(self.weight_update(n - 1, self._ready(n - 1))))
        procs += [self.env.process(self._chain(c)) for c in chains]
        yield simpy.AllOf(self.env, procs)

    def _ready(self, l: int):
        return None if self.read_done is None else self.read_done[l]

    def _chain(self, chain: list):
        """One chain of learning signals, computed one after another: each step's update runs beside
        the chain (its own process) while the chain goes on; the last step's update runs here."""
        head = chain[0]
        src = rule_base.source_layer(head, self.n)
        if head.source == "target":
            yield self.fw_done[head.layer]
        elif src != self.n - 1:
            yield self.delta_ready[src]
        beside = []
        for i, sig in enumerate(chain):
            yield from self._signal(sig)
            if i < len(chain) - 1:
                beside.append(self.env.process(self.weight_update(sig.layer, self._ready(sig.layer))))
            else:
                yield from self.weight_update(sig.layer, self._ready(sig.layer))
        yield from beside  # join the updates that ran beside the chain

    def _signal(self, sig):
        """delta_l = quantize(via(source) * f'(a_l)) on the chip: the projection on the components its
        via names (transposed arrays, the sign store and digital unit, feedback SRAM or crossbars). The
        values are the recorded iteration's (`learn.signals.backward`); the read energy depends on them."""
        wl, net, model, tr = self.wl, self.net, self.model, self.trace
        l, batch = sig.layer, len(tr.labels)
        here = self.stages[l]
        source = signals.source_operand(net, sig, tr.step.deltas, tr.labels)
        if sig.reads_weights is not None or sig.mirrors_next:  # read at every position of layer l + 1
            nxt = self.stages[l + 1]
            source = Operand(nxt.rows_of(source.q), source.scale)
        if sig.via == "transposed":
            yield from model.transfer(batch * nxt.units * wl.precision.error, "ag", l + 1)
            yield from model.read_layer(l + 1, source, tr.conductances[l + 1], "ag", transposed=True)
            self.read_done[l + 1].succeed()
            yield from model.activation.run(batch * here.units, "ag", l)
        elif sig.via == "sign_transposed":  # additions of delta with the stored signs
            weights = nxt.rows * nxt.cols
            yield from model.feedback_store.read(weights, "ag", l)  # sign(W), once per batch
            yield from model.feedback_mac.run(batch * nxt.positions * weights, "ag", l)
            self.read_done[l + 1].succeed()
            yield from model.activation.run(batch * here.units, "ag", l)
        elif wl.feedback_store == "rram":
            g = net.feedback[l].cells.conductance()  # fixed: B is never reprogrammed
            yield from model.transfer(batch * g.shape[0] * wl.precision.error, "ag", l)
            yield from model.read_layer(l, source, g, "ag", transposed=False, feedback=True)
        else:  # B_l in SRAM, a digital MAC; a one-hot target selects one row of B_l
            rows, cols = source.q.shape[1], nxt.rows if sig.mirrors_next else here.units
            reads = 1 if sig.source == "target" else rows
            samples = len(source.q)  # samples, or samples x positions for B standing in for W_{l+1}
            yield from model.feedback_store.read(rows * cols * wl.precision.weight, "ag", l)  # B_l, once
            yield from model.feedback_mac.run(samples * reads * cols, "ag", l)
        if l in self.delta_ready:
            self.delta_ready[l].succeed()

    def iteration(self):
        """Chains fed by the target start with the forward pass (each waits for its own layer's
        output); the others start from the output error once the forward pass is over."""
        chains = rule_base.chains(self.signals, self.n)
        early = [c for c in chains if c[0].source == "target"]
        heads = {rule_base.source_layer(c[0], self.n) for c in chains} - {None, self.n - 1}
        self.delta_ready = {k: self.env.event() for k in heads}
        if early:
            self.fw_done = [self.env.event() for _ in range(self.n)]
        procs = [self.env.process(self._chain(c)) for c in early]
        if self.wl.sim.dataflow == "pipelined":
            yield from self.forward_pipelined()
        else:
            yield from self.forward()
        yield from self.backward(procs, [c for c in chains if c[0].source != "target"])

    def run(self) -> IterationResult:
        """Run the iteration's processes to the end. Python's cyclic garbage collector is paused
        meanwhile: the run allocates thousands of small records that live on in the probe, and
        collections triggered by them would only traverse those (any cycle among the processes
        is collected once it resumes)."""
        proc = self.env.process(self.iteration())
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=proc)
        except RuntimeError as exc:  # SimPy: no events left but the iteration has not finished
            if "No scheduled events left" not in str(exc):
                raise
            raise ConfigError(
                "the simulated iteration stopped making progress (deadlock); "
                "check chip.dram_channels and the WGU arrangement"
            ) from None
        finally:
            if collecting:
                gc.enable()
        events = next(self.env._eid) - len(self.env._queue)  # processed: scheduled, less those still due
        cycles = int(self.env.now)
        return IterationResult(
            cycles=cycles,
            clock_hz=self.wl.chip.clock_hz,
            probe=self.probe,
            leakage_w=self.model.leakage_w,
            events=events,
        )


def _shares(batch: int, copies: int) -> list[int]:
    """The samples each of `copies` copies of a layer reads: contiguous shares of ceil(batch / copies),
    the last one what remains (0 for copies beyond the batch)."""
    share = -(-batch // copies)
    return [max(0, min(batch, (k + 1) * share) - k * share) for k in range(copies)]


def _degraded_currents(xbar, xq: np.ndarray, g: np.ndarray, bits: int, signed: bool, transposed: bool, sub: int):
    """The column currents of a read through resistive wires, summed over planes, samples and columns,
    per subarray (s, j) of the weight matrix g (units of Gmax * V_read, float64); None when the read
    has ideal wires or does not go through the ADC (`learn.network.Crossbar.read`'s own choice)."""
    spec = xbar.ag_adc if transposed else xbar.adc
    if xbar.circuit is None or spec is None or xbar.test_only:
        return None
    gt = np.ascontiguousarray(g.T) if transposed else g  # the read's rows are the driven lines
    ns, nj = -(-gt.shape[0] // sub), -(-gt.shape[1] // sub)
    total = np.zeros((ns, nj))
    reuse: dict = {}
    for s in range(ns):
        psum, _ref = irdrop.bitserial_subarray_sums(
            xq, bits, signed, gt, xbar.cells.g_ref, xbar.cells.gmin, s, sub, sub, xbar.circuit, reuse=reuse
        )
        total[s] = psum.sum(axis=(0, 2, 3), dtype=np.float64)
    return total.T if transposed else total


def _line_sums(m: np.ndarray, sub: int) -> np.ndarray:
    """Row sums of m (float32) over each block of `sub` columns, float64, one contiguous row per block:
    out[k, i] = sum_{c in block k} m[i, c] (the ragged last block over its own columns), each summed
    as numpy sums one block's rows (`m[:, block].sum(axis=1, dtype=float64)`), bit for bit."""
    rows, cols = m.shape
    full = cols // sub
    out = np.empty((-(-cols // sub), rows), dtype=np.float64)
    if full:
        out[:full] = m[:, : full * sub].reshape(rows, full, sub).sum(axis=2, dtype=np.float64).T
    if cols > full * sub:
        out[full] = m[:, full * sub :].sum(axis=1, dtype=np.float64)
    return out


def _active_bits(xq: np.ndarray, bits: int, signed: bool) -> np.ndarray:
    """Set input bits per line over the batch and all planes (sign-magnitude when signed), float64:
    active[i] = sum_b popcount(|x[b, i]| mod 2^m), m the magnitude bits (bits, or bits - 1 signed)."""
    v = np.abs(xq) if signed else xq  # integers of at most 16 bits (`config.Precision`)
    mag = bits - 1 if signed else bits
    return np.bitwise_count(v & ((1 << mag) - 1)).sum(axis=0, dtype=np.int32).astype(np.float64)
