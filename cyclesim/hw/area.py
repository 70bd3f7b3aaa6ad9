"""Chip area: the floorplan's tiles, PEs and subarrays priced by the circuit models.

A tile is built whole, whatever fraction of it a layer uses: its PEs, each with `pe_size`^2
subarrays and their periphery, an adder tree and a PE buffer; a tile buffer, tile accumulation and
the tile's H-tree. The chip adds the global buffer, chip H-tree, activation units, weight-gradient
units and DFA's feedback store. Areas are attributed to the component categories energy is charged
to (`terms.DIE_COMPONENTS`): array (cells), adc, accumulation (shift-add, adder trees, accumulators),
buffer (PE, tile and global buffers, feedback SRAM), interconnect (the H-trees), weight_gradient
(WGUs) and other (drivers, decoders, muxes, activation units). Totals are sums of NeuroSim's six
summary groups (`SUMMARY_GROUPS`, which count buffers as "other"). The DRAM PHY is reported
separately and left out of the total, as NeuroSim and the paper do.
"""

from __future__ import annotations

import math

import attrs

from cyclesim import tech
from cyclesim.hw import circuits as c
from cyclesim.hw.floorplan import Floorplan
from cyclesim.terms import DIE_COMPONENTS

SUMMARY_GROUPS = ("array", "interconnect", "adc", "accumulation", "other", "weight_gradient")
"""NeuroSim's area summary (CIM array, IC, ADC, accumulation, other, weight gradient), which counts
buffers as "other"; the chip's total adds the group sums in this order."""

_SUMMARY_GROUP = {"buffer": "other"}
"""Components that NeuroSim's summary folds into another group (the rest are groups themselves)."""

# Sorting the subarray parts into the component categories.
_SUBARRAY_COMPONENT = {
    "cells": "array",
    "adc": "adc",
    "adc_transposed": "adc",
    "shift_add": "accumulation",
    "shift_add_transposed": "accumulation",
    "wl_driver": "other",
    "bl_driver": "other",
    "decoder": "other",
    "column_mux": "other",
    "row_mux": "other",
}


# Sane sizes, for warnings (not errors: the model prices any chip): the largest die one lithography
# exposure prints is a reticle of 26 mm x 33 mm; a 300 mm wafer holds pi x 150^2 mm^2 (wafer-scale
# engines such as Cerebras' WSE-2 use 46,225 mm^2 of one).
RETICLE_UM2 = 26e3 * 33e3
WAFER_UM2 = math.pi * 150e3**2

# Wire pitches (CACTI): tile-level trees run on semi-global wires, the chip tree on global wires.
SEMI_GLOBAL_PITCH_F = 4.0
GLOBAL_PITCH_F = 8.0


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


@attrs.frozen
class AreaReport:
    """Chip area in um^2: total, per component category, per tile kind and per array."""

    total_um2: float
    breakdown_um2: dict  # component category (terms.DIE_COMPONENTS) -> um^2
    tile_um2: dict  # "transposable" / "plain" -> area of one tile of that kind
    per_layer: tuple  # (name, tiles, um^2) per array, plus its WGU when per layer
    dram_phy_um2: float  # not in the total
    warnings: tuple[str, ...] = ()  # `chip_warnings`: a chip that is valid but could not be built

    @property
    def shares(self) -> dict:
        return {k: v / self.total_um2 for k, v in self.breakdown_um2.items()}

    def to_json(self) -> dict:
        doc = {
            "total_um2": self.total_um2,
            "breakdown_um2": dict(self.breakdown_um2),
            "shares": self.shares,
            "tile_um2": dict(self.tile_um2),
            "per_layer": [{"name": n, "tiles": t, "area_um2": a} for n, t, a in self.per_layer],
            "dram_phy_um2_excluded": self.dram_phy_um2,
        }
        if self.warnings:  # only then: a sane chip's document is unchanged
            doc["warnings"] = list(self.warnings)
        return doc


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
        group = _SUMMARY_GROUP.get(component, component)
        self.components[component] = self.components.get(component, 0.0) + a
        self.groups[group] = self.groups.get(group, 0.0) + a

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


def neurosim_summary(breakdown: dict) -> dict:
    """NeuroSim's six-group summary of a component breakdown (um^2 or shares, e.g. results.json's
    `area.shares`): buffers counted as "other", keys in `SUMMARY_GROUPS` order; this is what the
    paper's area pie charts show."""
    out = dict.fromkeys(SUMMARY_GROUPS, 0.0)
    for component, value in breakdown.items():
        out[_SUMMARY_GROUP.get(component, component)] += value
    return out


def subarray_parts(workload, node: tech.Node, *, transposed: bool) -> dict[str, c.Cost]:
    """The parts of one of the workload's subarrays (`circuits.subarray`): as the forward read sees
    it (`adc_bits`, activations as inputs) or, `transposed`, with BP's transposed-read periphery
    (`ag_adc_bits`, errors as inputs)."""
    chip, prec = workload.chip, workload.precision
    return c.subarray(
        node, chip.clock_hz, device=workload.device, rows=chip.subarray, cols=chip.subarray,
        cols_per_adc=chip.cols_per_adc, adc_bits=chip.ag_adc_bits if transposed else chip.adc_bits,
        adc_kind=chip.adc_type, input_bits=prec.error if transposed else prec.activation,
        transposable=transposed,
    )  # fmt: skip


def tile_breakdown(workload, fp: Floorplan, node: tech.Node, transposable: bool) -> AreaTally:
    """Area of one tile (all its PEs built) per component and summary group, with or without BP's
    transposed read."""
    chip, prec = workload.chip, workload.precision
    clk = chip.clock_hz
    sub, per = chip.subarray, chip.cols_per_adc
    out = AreaTally()
    parts = subarray_parts(workload, node, transposed=False)
    if transposable:
        tr = subarray_parts(workload, node, transposed=True)
        for key in ("row_mux", "adc_transposed", "shift_add_transposed"):
            parts[key] = tr[key]
    subs_per_pe = fp.pe_size**2
    pes = fp.tile_size**2
    for key, cost in parts.items():
        out.add(_SUBARRAY_COMPONENT[key], cost.area_um2, subs_per_pe * pes)
    # PE: an adder tree per ADC lane sums the PE's row of subarrays; a PE buffer holds its inputs
    # and outputs (register file, NeuroSim's default buffer type).
    psum_bits = chip.adc_bits + prec.activation + math.ceil(math.log2(sub))
    lanes = fp.pe_size * sub // per
    directions = 2 if transposable else 1
    tree = c.adder_tree(node, clk, inputs=fp.pe_size, bits=psum_bits)
    out.add("accumulation", tree.area_um2, lanes * directions * pes)
    pe_buf_bits = 2 * fp.pe_size * sub * prec.activation
    out.add("buffer", c.register_file(node, clk, bits_capacity=pe_buf_bits, port_bits=sub).area_um2, pes)
    # Tile: adder trees over its rows of PEs, a tile buffer, and the H-tree to its PEs.
    tile_lanes = fp.tile_size * fp.pe_size * sub // per
    tile_tree = c.adder_tree(node, clk, inputs=fp.tile_size, bits=psum_bits + math.ceil(math.log2(fp.pe_size + 1)))
    out.add("accumulation", tile_tree.area_um2, tile_lanes * directions)
    tile_buf_bits = 2 * fp.tile_size * fp.pe_size * sub * prec.activation
    out.add("buffer", c.register_file(node, clk, bits_capacity=tile_buf_bits, port_bits=sub).area_um2)
    side = math.sqrt(out.total_um2 * 1e-12)
    width = math.ceil(math.sqrt(pes)) * sub  # NeuroSim's tile bus: ceil(sqrt(#PE)) x 128 bits
    tree = htree(node, clk, side_m=side, leaves=pes, width_bits=width, pitch_f=SEMI_GLOBAL_PITCH_F)
    out.add("interconnect", tree.area_um2)
    return out


def chip_area(workload, fp: Floorplan) -> AreaReport:
    """Area of the chip that `fp` lays out, by component category, tile kind and array."""
    chip, prec = workload.chip, workload.precision
    clk = chip.clock_hz
    node = tech.node(chip.node, chip.flavor)
    kinds = {a.transposable for a in fp.arrays}
    tiles = {t: tile_breakdown(workload, fp, node, t) for t in kinds}
    total = AreaTally(dict.fromkeys(DIE_COMPONENTS, 0.0), dict.fromkeys(SUMMARY_GROUPS, 0.0))
    per_layer = []
    for a in fp.arrays:
        total.add_tally(tiles[a.transposable], a.tiles)
        per_layer.append((a.name, a.tiles, tiles[a.transposable].total_um2 * a.tiles))
    # Weight-gradient units: SRAM arrays holding a layer's gradient at `gradient` bits.
    for i, (rows, cols) in enumerate(fp.wgu_shapes):
        wgu = c.weight_gradient_unit(node, clk, rows=rows, cols=cols, bits=prec.gradient)
        total.add("weight_gradient", wgu.area_um2)
        if fp.wgu == "per_layer":
            per_layer.append((f"wgu{i + 1}", 0, wgu.area_um2))
    # Global buffer: every layer's activations and errors of one sample, double-buffered.
    sizes = workload.network.sizes
    gbuf_bits = 2 * sum(sizes) * (prec.activation + prec.error)
    total.add("buffer", c.register_file(node, clk, bits_capacity=gbuf_bits, port_bits=chip.subarray).area_um2)
    # Activation units (ReLU + requantisation), one per ADC lane of a tile row.
    lanes = fp.tile_size * fp.pe_size * chip.subarray // chip.cols_per_adc
    total.add("other", c.activation_unit(node, clk, bits=prec.activation).area_um2, lanes)
    # Chip accumulation: layers spanning several tile rows add their partial sums.
    acc_bits = chip.adc_bits + prec.activation + math.ceil(math.log2(max(sizes)))
    total.add("accumulation", c.accumulator(node, clk, bits=acc_bits).area_um2, lanes)
    if fp.feedback_sram_bits:
        store = c.sram_buffer(node, clk, bits_capacity=fp.feedback_sram_bits, port_bits=min(128, fp.feedback_sram_bits))
        total.add("buffer", store.area_um2)
    # Chip H-tree between tiles.
    core = total.total_um2 * 1e-12
    width = math.ceil(math.sqrt(fp.tile_size**2)) * chip.subarray  # carries one tile's bus
    tree = htree(node, clk, side_m=math.sqrt(core), leaves=fp.tiles, width_bits=width, pitch_f=GLOBAL_PITCH_F)
    total.add("interconnect", tree.area_um2)
    dram = tech.dram(chip.dram)
    phy = c.dram_interface(node, clk, dram=dram).area_um2 * dram.channels
    if not math.isfinite(total.total_um2):  # each part is finite (circuits.Cost); their sum must be too
        raise c.CostError(
            f"the chip's total area is not finite ({total.total_um2!r} um^2) for {fp.tiles} tiles of "
            f"chip.tile_size={chip.tile_size}, chip.pe_size={chip.pe_size}, chip.subarray={chip.subarray}: "
            f"lower them or shrink network.sizes",
            "area",
            priced=True,
        )
    report = AreaReport(
        total_um2=total.total_um2,
        breakdown_um2=total.components,
        tile_um2={("transposable" if k else "plain"): v.total_um2 for k, v in tiles.items()},
        per_layer=tuple(per_layer),
        dram_phy_um2=phy,
    )
    return attrs.evolve(report, warnings=tuple(chip_warnings(workload, fp, report)))


def chip_warnings(workload, fp: Floorplan, area: AreaReport) -> list[str]:
    """Why `workload`'s chip, valid as configured, could not be built as modelled (empty for a sane
    chip): an area beyond one reticle or one wafer; a clock period shorter than one FO4 gate delay;
    reads at or above the write voltage. Each string names the figure, the limit and the settings."""
    chip, dev = workload.chip, workload.device
    out = []
    mm2 = area.total_um2 / 1e6
    layout = (
        f"network.sizes, chip.duplication (now {chip.duplication}) or chip.tile_size/pe_size/subarray "
        f"(now {chip.tile_size}/{chip.pe_size}/{chip.subarray})"
    )
    if area.total_um2 > WAFER_UM2:
        out.append(
            f"the chip's area is {mm2:,.0f} mm² ({area.total_um2 / 1e12:.3g} m²), {area.total_um2 / WAFER_UM2:,.1f} "
            f"times a whole 300 mm wafer ({WAFER_UM2 / 1e6:,.0f} mm²): no such chip can be built; shrink {layout}"
        )
    elif area.total_um2 > RETICLE_UM2:
        out.append(
            f"the chip's area is {mm2:,.0f} mm², beyond one reticle ({RETICLE_UM2 / 1e6:.0f} mm², 26 x 33 mm): "
            f"it would need several dies or wafer-scale integration; shrink {layout} for one die"
        )
    node = tech.node(chip.node, chip.flavor)
    fo4_s = c.fo4_delay_s(node)
    if 1.0 / chip.clock_hz < fo4_s:
        out.append(
            f"chip.clock_hz={chip.clock_hz:g} gives a {1e12 / chip.clock_hz:.3g} ps cycle, shorter than one "
            f"fan-out-of-4 gate delay at {node.name} {node.flavor} ({fo4_s * 1e12:.3g} ps): no logic runs at "
            f"that clock; lower chip.clock_hz below {1 / fo4_s:.3g}"
        )
    if dev.read_v >= dev.write_v:
        out.append(
            f"device.read_v={dev.read_v:g} V is not below device.write_v={dev.write_v:g} V: every read would "
            f"program the cells (reads are normally a fraction of the write voltage)"
        )
    return out
