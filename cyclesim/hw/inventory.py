"""The chip's inventory: every component the floorplan calls for, sized once and priced once.

A CIM training chip is tiles of PEs of crossbar subarrays (with their drivers, multiplexers, ADCs and
shift-adders), PE and tile adder trees and buffers, the H-trees that link them, and at chip level the
global buffer, activation units, accumulators for layers that span tiles, the weight-gradient units
(WGUs), the rule's feedback store and MAC, and the DRAM interface. This module decides how many of
each there are and how large each is (the only place any size is decided), and prices each with the
circuit models (`hw.circuits`, the only place any cost formula lives). The area roll-up
(`hw.area.roll_up`) and the event engine (`engine.schedule`) both read the same `Inventory`, so a
component's area, leakage and per-operation energy and delay come from one record.
"""

from __future__ import annotations

import math

import attrs

from cyclesim import tech
from cyclesim.hw import circuits as c
from cyclesim.hw.floorplan import Floorplan, place, plan
from cyclesim.terms import DIE_COMPONENTS as _DIE

SUMMARY_GROUPS = ("array", "interconnect", "adc", "accumulation", "other", "weight_gradient")
"""NeuroSim's area summary (CIM array, IC, ADC, accumulation, other, weight gradient), which counts
buffers as "other"; the chip's total adds the group sums in this order."""

SUMMARY_GROUP = {"buffer": "other"}
"""Components that NeuroSim's summary folds into another group (the rest are groups themselves)."""

SUBARRAY_COMPONENT = {
    "cells": "array",
    "adc": "adc",
    "adc_transposed": "adc",
    "shift_add": "accumulation",
    "shift_add_transposed": "accumulation",
    # NeuroSim's summary counts the MLSA's encoder among accumulation: its accumulation area falls
    # geometrically with the ADC's bits (runs A-C of the reference: 219k then 116k um^2 per bit).
    "encoder": "accumulation",
    "encoder_transposed": "accumulation",
    "wl_driver": "other",
    "bl_driver": "other",
    "decoder": "other",
    "column_mux": "other",
    "row_mux": "other",
}
"""The component category of each part of a subarray (`circuits.subarray` keys)."""

# Wire pitches (CACTI): tile-level trees run on semi-global wires, the chip tree on global wires.
SEMI_GLOBAL_PITCH_F = 4.0
GLOBAL_PITCH_F = 8.0


@attrs.frozen
class Part:
    """`count` identical instances of one component: what sized it and what one instance costs
    (area, leakage, and the energy and delay of one operation as its `circuits` function defines)."""

    name: str
    category: str  # terms.DIE_COMPONENTS: where its area and energy are booked
    count: float  # instances (per tile for a tile's parts, per chip otherwise)
    cost: c.Cost  # one instance
    size: dict = attrs.field(factory=dict)  # the figures that sized it (bits, lanes, widths, ...)

    @property
    def leakage_w(self) -> float:
        """Static power of all `count` instances."""
        return self.cost.leakage_w * self.count


@attrs.frozen
class TileKind:
    """One kind of tile (with or without BP's transposed-read periphery): its parts, per tile."""

    transposable: bool
    parts: tuple[Part, ...]


@attrs.frozen
class ReadPlane:
    """One bit plane of one sample read through one whole subarray, in one direction ("fw": inputs on
    the rows, outputs on the columns; "ag": BP's transposed read, inputs on the columns), priced from
    the subarray's parts. The engine scales each by the lines the read uses and its set input bits.

    cycles = ceil(t_pulse) + lines_per_adc·ceil(t_convert) + ceil(t_shift_add);
    convert_j, encode_j, shift_add_j, mux_j: every output line converted, encoded (MLSA), accumulated
        and multiplexed once;
    precharge_j: the output lines charged to V_read (`circuits.crossbar` with no input active);
    drive_j_per_input: one input line pulsed by its driver (per input bit that is 1);
    cell_j_per_gmax = V_read²·t_pulse/R_on: a cell at G_max conducting for the pulse (the cells' energy
        is V_read²·G·t_pulse per active cell, G from the trace).
    """

    cycles: int
    convert_j: float
    encode_j: float
    shift_add_j: float
    mux_j: float
    precharge_j: float
    drive_j_per_input: float
    cell_j_per_gmax: float


@attrs.frozen
class Programming:
    """Programming a subarray row by row (`circuits.programming`): selecting a row, one pulse on one
    cell (line charged to V_write, the cell's conduction), and a pulse's whole cycles."""

    row_select_j: float
    pulse_j: float
    pulse_cycles: int


@attrs.frozen
class Words:
    """The width in bits of every word the training dataflow moves, derived from what the functional
    model computes (`learn.network`: exact integer products of activation and error codes, summed
    over the batch, then one stochastic rounding to `precision.gradient` bits per batch).

    product = activation + error: one sample's x_b·δ_b (|x| <= 2^a - 1 unsigned, |δ| <= 2^(e-1) - 1
        signed, so |x·δ| < 2^(a+e-1), plus the sign);
    running_sum = product + ceil(log2 batch): the batch's sum, exact;
    gradient = precision.gradient_word if set, else running_sum: the per-sample word the WG path
        adds and moves (WGU adders, DRAM running sums);
    batch_gradient = precision.gradient: the rounded batch gradient the update turns into pulses;
    momentum = precision.momentum_word, else 32: each weight's momentum as the model keeps it (float32);
        0 when training.momentum is 0 (plain SGD keeps no state);
    pulse = 1 + ceil(log2 levels): a signed pulse count per cell, at most levels - 1 pulses.
    """

    activation: int
    error: int
    product: int
    running_sum: int
    gradient: int
    batch_gradient: int
    momentum: int
    pulse: int


def words(workload) -> Words:
    """The word widths of `workload`'s dataflow (see `Words`)."""
    prec, batch = workload.precision, workload.training.batch_size
    product = prec.activation + prec.error
    running = product + math.ceil(math.log2(batch)) if batch > 1 else product
    return Words(
        activation=prec.activation,
        error=prec.error,
        product=product,
        running_sum=running,
        gradient=prec.gradient_word or running,
        batch_gradient=prec.gradient,
        momentum=0 if workload.training.momentum == 0 else prec.momentum_word or MOMENTUM_BITS,
        pulse=1 + math.ceil(math.log2(workload.device.levels)),
    )


MOMENTUM_BITS = 32
"""The momentum state as the functional model keeps it: one float32 per weight."""


def wgu_capacity(workload) -> str:
    """What the weight-gradient units store: "stream" (two rows in flight; the running sums live in
    DRAM) or "layer" (a whole layer's running sums): `chip.wgu_capacity`, or under "auto" the one
    `chip.gradient_accumulation` needs ("dram": stream, "on_chip": layer)."""
    chip = workload.chip
    if chip.wgu_capacity != "auto":
        return chip.wgu_capacity
    return "stream" if chip.gradient_accumulation == "dram" else "layer"


STREAM_ROWS = 2
"""Rows a streaming weight-gradient unit holds: the row being added and the next one arriving."""


@attrs.frozen
class Inventory:
    """Every component of the chip `floorplan` lays out, sized and priced (see the module docstring)."""

    workload: object  # config.Workload
    floorplan: Floorplan
    clock_hz: float
    subarray_fw: dict  # circuits.subarray parts as the forward read sees them
    subarray_ag: dict  # ... with BP's transposed-read periphery (AG ADC bits, error inputs)
    tile_kinds: dict  # transposable (bool) -> TileKind, for the kinds the floorplan uses
    chip_parts: tuple[Part, ...]  # chip-level parts, in the roll-up order
    dram_phy: Part  # the DRAM interface (PHY and staging), outside the die total
    dram: tech.DramTech
    wgu_blocks: tuple[c.Cost, ...]  # per layer: one outer-product block on the WGU serving it
    read: dict  # "fw" / "ag" -> ReadPlane
    programming: Programming
    dram_j_per_bit: float  # DRAM device and I/O plus on-chip staging, per bit moved
    words: Words

    def part(self, name: str) -> Part:
        """The chip-level part called `name` (KeyError if the chip has none)."""
        for p in self.chip_parts:
            if p.name == name:
                return p
        raise KeyError(f"the chip has no part {name!r}")

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.chip_parts)

    def tile_part(self, transposable: bool, name: str) -> Part:
        """The part called `name` of a tile of that kind."""
        return next(p for p in self.tile_kinds[transposable].parts if p.name == name)

    def placement(self, amap) -> dict:
        """Where each subarray of each copy of `amap` sits (`floorplan.place`)."""
        fp = self.floorplan
        packed = fp.duplication == "fill" and amap.kind == "weight"
        return place(amap, fp.pe_size, fp.tile_size, packed)

    def tiles_of_kind(self, transposable: bool) -> int:
        return sum(a.tiles for a in self.floorplan.arrays if a.transposable == transposable)

    def leakage_w(self) -> float:
        """Static power of the die: sum over tile kinds k of tiles_k * sum over k's parts p of
        count_p * P_leak,p, plus every chip-level part's count * P_leak (the DRAM PHY, off the die
        total, is left out)."""
        tiles = sum(self.tiles_of_kind(k) * sum(p.leakage_w for p in kind.parts) for k, kind in self.tile_kinds.items())
        return tiles + sum(p.leakage_w for p in self.chip_parts)


@attrs.define
class AreaTally:
    """Area (um^2) summed per component category and, alongside, per NeuroSim summary group.

    Each `add` of a * n um^2 goes to its component and to its summary group (`SUMMARY_GROUPS`),
    both running sums in the order the parts are added; `total_um2` sums the groups (in the order of
    `groups`: as first added, or as pre-filled), so a total does not depend on how finely the
    components split a group.
    """

    components: dict = attrs.field(factory=dict)  # component -> um^2
    groups: dict = attrs.field(factory=dict)  # summary group -> um^2

    def add(self, component: str, area_um2: float, n: float = 1.0) -> None:
        """Add n parts of `area_um2` each to `component`."""
        a = area_um2 * n
        group = SUMMARY_GROUP.get(component, component)
        self.components[component] = self.components.get(component, 0.0) + a
        self.groups[group] = self.groups.get(group, 0.0) + a

    def add_parts(self, parts) -> None:
        """Add each part's count * area to its category."""
        for p in parts:
            self.add(p.category, p.cost.area_um2, p.count)

    def add_tally(self, other: AreaTally, n: float) -> None:
        """Add n copies of `other` (e.g. n tiles), component by component and group by group."""
        for component, a in other.components.items():
            self.components[component] = self.components.get(component, 0.0) + a * n
        for group, a in other.groups.items():
            self.groups[group] = self.groups.get(group, 0.0) + a * n

    @property
    def total_um2(self) -> float:
        """total = sum over groups g of groups[g]."""
        return sum(self.groups.values())


@c.priced
def htree(node, clock_hz, *, side_m: float, leaves: int, width_bits: int, pitch_f: float) -> c.Cost:
    """An H-tree over a square of side S reaching N leaves, trunk `width_bits` wide.

    Level i (i = 0 .. ceil(log4 N) - 1) has 4^i H shapes of 1.5 S / 2^i wire each (a bar and two
    legs of S / 2^(i+1)), with the bus halving at every level (min. one bit): the trunk carries the
    traffic of all leaves, each branch that of its quadrant. Area and leakage sum over all
    segments; energy and delay are those of one transfer from the root to a leaf.
    """
    levels = math.ceil(math.log(leaves, 4)) if leaves > 1 else 0
    area = energy = delay = leak = 0.0
    for i in range(levels):
        width = max(width_bits >> i, 1)
        seg = c.htree(node, clock_hz, length_m=1.5 * side_m / 2**i, width_bits=width, pitch_f=pitch_f)
        area += seg.area_um2 * 4**i
        leak += seg.leakage_w * 4**i
        energy += seg.energy_j / 1.5 * (1.0 if i == 0 else 0.5)  # the path root -> leaf only
        delay += seg.delay_cycles / 1.5
    return c.Cost(area, energy, delay, leak)


def subarray_parts(workload, node: tech.Node, *, transposed: bool) -> dict[str, c.Cost]:
    """The parts of one of the workload's subarrays (`circuits.subarray`): as the forward read sees
    it (`adc_bits`, activations as inputs) or, `transposed`, with BP's transposed-read periphery
    (`ag_adc_bits`, errors as inputs). Priced with every input line active: the engine charges the
    input-dependent parts per set input bit (area and leakage do not depend on activity)."""
    chip, prec = workload.chip, workload.precision
    return c.subarray(
        node, chip.clock_hz, device=workload.device, rows=chip.subarray, cols=chip.subarray,
        cols_per_adc=chip.cols_per_adc, adc_bits=chip.ag_adc_bits if transposed else chip.adc_bits,
        adc_kind=chip.adc_type, input_bits=prec.error if transposed else prec.activation,
        transposable=transposed, input_activity=1.0,
    )  # fmt: skip


def adc_lanes(workload, fp: Floorplan) -> int:
    """ADC lanes across one row of a tile: lanes = tile_size * pe_size * subarray / cols_per_adc; the
    chip's activation units and cross-tile accumulators have as many lanes (one tile row's outputs
    per cycle)."""
    return fp.tile_size * fp.pe_size * workload.chip.subarray // workload.chip.cols_per_adc


def global_buffer_bits(workload) -> int:
    """Global buffer: every layer's activations and errors of one sample, double-buffered:
    bits = 2 * sum over layers of n_l * (activation + error bits), n_l the inputs and each layer's units
    (a convolution's whole output map)."""
    prec = workload.precision
    return 2 * sum(workload.geometry.units) * (prec.activation + prec.error)


def chip_accumulator_bits(workload) -> int:
    """Cross-tile partial sums: bits = adc_bits + activation bits + ceil(log2(most rows of a layer)),
    the products one column sum adds (a layer's inputs; a convolution's k*k*C_in)."""
    chip, prec = workload.chip, workload.precision
    return chip.adc_bits + prec.activation + math.ceil(math.log2(max(s.rows for s in workload.geometry.stages)))


FEEDBACK_GUARD_BITS = 4
"""Guard bits of the feedback MAC's accumulator above one error x weight product: a sum of up to 16
products (DFA's and DRTP's projections from 10 classes) cannot overflow. Sign-symmetry's projection
sums a whole layer's errors, which would need log2(width) guard bits: its MAC is priced narrower
than it must be (kept as the engine had it; to be sized from the projection's fan-in)."""


def read_plane(workload, node: tech.Node, parts: dict, transposed: bool) -> ReadPlane:
    """The read of one bit plane in one direction (see `ReadPlane`), from the subarray's parts priced
    with every input active (`subarray_parts`: drivers' energy is per input line times the lines)."""
    chip, dev = workload.chip, workload.device
    sub = chip.subarray
    suffix = "_transposed" if transposed else ""
    adc, sa = parts["adc" + suffix], parts["shift_add" + suffix]
    mux = parts["row_mux" if transposed else "column_mux"]
    driver = parts["bl_driver" if transposed else "wl_driver"]
    precharge = c.crossbar(node, chip.clock_hz, device=dev, rows=sub, cols=sub, input_activity=0.0)
    return ReadPlane(
        cycles=c.to_cycles(parts["cells"].delay_cycles)
        + chip.cols_per_adc * c.to_cycles(adc.delay_cycles)
        + c.to_cycles(sa.delay_cycles),
        convert_j=adc.energy_j,
        encode_j=parts["encoder" + suffix].energy_j,
        shift_add_j=sa.energy_j,
        mux_j=mux.energy_j,
        precharge_j=precharge.energy_j,
        drive_j_per_input=driver.energy_j / sub,
        cell_j_per_gmax=dev.read_v**2 * dev.read_pulse_s / dev.r_on_ohm,
    )


def programming(workload, node: tech.Node) -> Programming:
    chip = workload.chip
    steps = c.programming(node, chip.clock_hz, device=workload.device, rows=chip.subarray, cols=chip.subarray)
    return Programming(
        row_select_j=steps["row_select"].energy_j,
        pulse_j=steps["pulse"].energy_j,
        pulse_cycles=c.to_cycles(steps["pulse"].delay_cycles),
    )


def _tile(workload, fp: Floorplan, node: tech.Node, transposable: bool, fw: dict, ag: dict) -> TileKind:
    """One tile of the floorplan's geometry: pe_size^2 subarrays per PE with their periphery, per PE an
    adder tree per ADC lane (per read direction) and a PE buffer; per tile adder trees over its PE
    rows, a tile buffer and the tile's H-tree to its PEs."""
    chip, prec = workload.chip, workload.precision
    clk = chip.clock_hz
    sub, per = chip.subarray, chip.cols_per_adc
    parts = dict(fw)
    if transposable:
        for key in ("row_mux", "adc_transposed", "shift_add_transposed", "encoder_transposed"):
            parts[key] = ag[key]
    subs_per_pe = fp.pe_size**2
    pes = fp.tile_size**2
    out = [Part(key, SUBARRAY_COMPONENT[key], subs_per_pe * pes, cost) for key, cost in parts.items()]
    # PE: an adder tree per ADC lane sums the PE's row of subarrays; a PE buffer holds its inputs
    # and outputs (register file, NeuroSim's default buffer type).
    psum_bits = chip.adc_bits + prec.activation + math.ceil(math.log2(sub))
    lanes = fp.pe_size * sub // per
    directions = 2 if transposable else 1
    tree = c.adder_tree(node, clk, inputs=fp.pe_size, bits=psum_bits)
    size = {"bits": psum_bits, "lanes": lanes}
    out.append(Part("pe_adder_tree", "accumulation", lanes * directions * pes, tree, size))
    pe_buf_bits = 2 * fp.pe_size * sub * prec.activation
    pe_buf = c.register_file(node, clk, bits_capacity=pe_buf_bits, port_bits=sub)
    out.append(Part("pe_buffer", "buffer", pes, pe_buf, {"capacity_bits": pe_buf_bits, "port_bits": sub}))
    # Tile: adder trees over its rows of PEs, a tile buffer, and the H-tree to its PEs.
    tile_lanes = fp.tile_size * fp.pe_size * sub // per
    tile_bits = psum_bits + math.ceil(math.log2(fp.pe_size + 1))
    tile_tree = c.adder_tree(node, clk, inputs=fp.tile_size, bits=tile_bits)
    size = {"bits": tile_bits, "lanes": tile_lanes}
    out.append(Part("tile_adder_tree", "accumulation", tile_lanes * directions, tile_tree, size))
    tile_buf_bits = 2 * fp.tile_size * fp.pe_size * sub * prec.activation
    tile_buf = c.register_file(node, clk, bits_capacity=tile_buf_bits, port_bits=sub)
    out.append(Part("tile_buffer", "buffer", 1, tile_buf, {"capacity_bits": tile_buf_bits, "port_bits": sub}))
    so_far = AreaTally()
    so_far.add_parts(out)
    width = math.ceil(math.sqrt(pes)) * sub  # NeuroSim's tile bus: ceil(sqrt(#PE)) x 128 bits
    side = math.sqrt(so_far.total_um2 * 1e-12)
    tree = htree(node, clk, side_m=side, leaves=pes, width_bits=width, pitch_f=SEMI_GLOBAL_PITCH_F)
    out.append(Part("tile_htree", "interconnect", 1, tree, {"width_bits": width, "leaves": pes}))
    return TileKind(transposable, tuple(out))


def die_tally(inv_tiles: dict, fp: Floorplan, chip_parts) -> AreaTally:
    """The die's area: every array's tiles (whole tiles, whatever fraction is used), then the
    chip-level parts, summed in that order per component and per summary group."""
    tallies = {}
    for t, kind in inv_tiles.items():
        tallies[t] = AreaTally()
        tallies[t].add_parts(kind.parts)
    total = AreaTally(dict.fromkeys(_DIE, 0.0), dict.fromkeys(SUMMARY_GROUPS, 0.0))
    for a in fp.arrays:
        total.add_tally(tallies[a.transposable], a.tiles)
    total.add_parts(chip_parts)
    return total


def build(workload, fp: Floorplan) -> Inventory:
    """Size and price every component of the chip `fp` lays out for `workload` (see the module
    docstring); the only place a size is decided."""
    chip, prec = workload.chip, workload.precision
    clk, sub = chip.clock_hz, chip.subarray
    node = tech.node(chip.node, chip.flavor)
    fw = subarray_parts(workload, node, transposed=False)
    ag = subarray_parts(workload, node, transposed=True)
    tiles = {t: _tile(workload, fp, node, t, fw, ag) for t in {a.transposable for a in fp.arrays}}
    # Weight-gradient units, one shared (sized for the largest layer) or one per layer, adding each
    # sample's outer product into running sums of `words.gradient` bits, bit-serially over the
    # activation's bits; they hold two rows (streaming) or the whole layer (`wgu_capacity`). A
    # layer's block on its unit is priced at the layer's own rows x cols (a shared unit reads, adds
    # and writes only the rows and columns the layer uses).
    w = words(workload)
    capacity = wgu_capacity(workload)

    def wgu(rows: int, cols: int, held: int) -> c.Cost:
        return c.weight_gradient_unit(
            node, clk, rows=rows, cols=cols, word_bits=w.gradient, operand_bits=w.activation,
            held_rows=STREAM_ROWS if capacity == "stream" else held,
        )  # fmt: skip

    held_rows = [r for r, _c in fp.wgu_shapes]
    parts = []
    for i, (rows, cols) in enumerate(fp.wgu_shapes):
        name = "wgu" if fp.wgu == "shared" else f"wgu{i + 1}"
        size = {"rows": rows, "cols": cols, "word_bits": w.gradient, "capacity": capacity}
        parts.append(Part(name, "weight_gradient", 1, wgu(rows, cols, rows), size))
    unit_rows = [held_rows[0] if fp.wgu == "shared" else held_rows[l] for l in range(len(fp.weights))]
    blocks = tuple(wgu(a.rows, a.cols, unit_rows[l]) for l, a in enumerate(fp.weights))
    gbuf_bits = global_buffer_bits(workload)
    gbuf = c.register_file(node, clk, bits_capacity=gbuf_bits, port_bits=sub)
    parts.append(Part("global_buffer", "buffer", 1, gbuf, {"capacity_bits": gbuf_bits, "port_bits": sub}))
    # Activation units (ReLU + requantisation) and cross-tile accumulators, one per ADC lane of a tile row.
    lanes = adc_lanes(workload, fp)
    act = c.activation_unit(node, clk, bits=prec.activation)
    parts.append(Part("activation", "other", lanes, act, {"lanes": lanes, "bits": prec.activation}))
    acc_bits = chip_accumulator_bits(workload)
    acc = c.accumulator(node, clk, bits=acc_bits)
    parts.append(Part("accumulation", "accumulation", lanes, acc, {"lanes": lanes, "bits": acc_bits}))
    if fp.feedback_sram_bits:  # B_l at weight bits and/or sign(W) bits, read by a digital MAC
        bits = fp.feedback_sram_bits
        store = c.sram_buffer(node, clk, bits_capacity=bits, port_bits=min(128, bits))
        parts.append(Part("feedback_sram", "buffer", 1, store, {"capacity_bits": bits, "port_bits": min(128, bits)}))
        mac_bits = prec.error + prec.weight + FEEDBACK_GUARD_BITS
        mac = c.accumulator(node, clk, bits=mac_bits)
        parts.append(Part("feedback_mac", "accumulation", lanes, mac, {"lanes": lanes, "bits": mac_bits}))
    # Chip H-tree between tiles, over the die without it; its trunk carries one tile's bus.
    core_m2 = die_tally(tiles, fp, parts).total_um2 * 1e-12
    width = fp.tile_size * sub
    tree = htree(node, clk, side_m=math.sqrt(core_m2), leaves=fp.tiles, width_bits=width, pitch_f=GLOBAL_PITCH_F)
    parts.append(Part("chip_htree", "interconnect", 1, tree, {"width_bits": width, "leaves": fp.tiles}))
    dram = tech.dram(chip.dram)
    channels = chip.dram_channels or dram.channels
    phy = Part("dram_phy", "other", channels, c.dram_interface(node, clk, dram=dram), {"channels": channels})
    return Inventory(
        workload=workload,
        floorplan=fp,
        clock_hz=clk,
        subarray_fw=fw,
        subarray_ag=ag,
        tile_kinds=tiles,
        chip_parts=tuple(parts),
        dram_phy=phy,
        dram=dram,
        wgu_blocks=blocks,
        read={"fw": read_plane(workload, node, fw, False), "ag": read_plane(workload, node, ag, True)},
        programming=programming(workload, node),
        dram_j_per_bit=phy.cost.energy_j / dram.burst_bits,
        words=w,
    )


def of(workload) -> Inventory:
    """The inventory of `workload`'s chip as `floorplan.plan` lays it out."""
    return build(workload, plan(workload))
