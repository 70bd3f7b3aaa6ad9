"""Chip area: the floorplan's tiles, PEs and subarrays priced by the circuit models.

A tile is built whole, whatever fraction of it a layer uses: its PEs, each with `pe_size`^2
subarrays and their periphery, an adder tree and a PE buffer; a tile buffer, tile accumulation and
the tile's H-tree. The chip adds the global buffer, chip H-tree, activation units, weight-gradient
units and DFA's feedback store. Areas are grouped into NeuroSim's six categories: CIM arrays (cells),
interconnect (IC, the H-trees), ADC, accumulation (shift-add, adder trees, accumulators), weight
gradient (WGUs), and other (drivers, decoders, muxes, buffers, activation units, feedback SRAM).
The DRAM PHY is reported separately and left out of the total, as NeuroSim and the paper do.
"""

from __future__ import annotations

import math

import attrs

from cyclesim import tech
from cyclesim.hw import circuits as c
from cyclesim.hw.floorplan import Floorplan

CATEGORIES = ("cim", "ic", "adc", "accumulation", "other", "weight_gradient")

# Sorting the subarray parts into the six categories.
_SUBARRAY_CATEGORY = {
    "cells": "cim",
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


# Wire pitches (CACTI): tile-level trees run on semi-global wires, the chip tree on global wires.
SEMI_GLOBAL_PITCH_F = 4.0
GLOBAL_PITCH_F = 8.0


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
    """Chip area in um^2: total, per category, per tile kind and per array."""

    total_um2: float
    breakdown_um2: dict  # category -> um^2
    tile_um2: dict  # "transposable" / "plain" -> area of one tile of that kind
    per_layer: tuple  # (name, tiles, um^2) per array, plus its WGU when per layer
    dram_phy_um2: float  # not in the total

    @property
    def shares(self) -> dict:
        return {k: v / self.total_um2 for k, v in self.breakdown_um2.items()}

    def to_json(self) -> dict:
        return {
            "total_um2": self.total_um2,
            "breakdown_um2": dict(self.breakdown_um2),
            "shares": self.shares,
            "tile_um2": dict(self.tile_um2),
            "per_layer": [{"name": n, "tiles": t, "area_um2": a} for n, t, a in self.per_layer],
            "dram_phy_um2_excluded": self.dram_phy_um2,
        }


def _add(acc: dict, category: str, area_um2: float, n: float = 1.0) -> None:
    acc[category] = acc.get(category, 0.0) + area_um2 * n


def tile_breakdown(workload, fp: Floorplan, node: tech.Node, transposable: bool) -> dict:
    """Area per category of one tile (all its PEs built), with or without BP's transposed read."""
    chip, prec = workload.chip, workload.precision
    clk = chip.clock_hz
    sub, per = chip.subarray, chip.cols_per_adc
    out: dict = {}
    parts = c.subarray(
        node, clk, device=workload.device, rows=sub, cols=sub, cols_per_adc=per,
        adc_bits=chip.adc_bits, adc_kind=chip.adc_type, input_bits=prec.activation,
        transposable=False,
    )  # fmt: skip
    if transposable:
        tr = c.subarray(
            node, clk, device=workload.device, rows=sub, cols=sub, cols_per_adc=per,
            adc_bits=chip.ag_adc_bits, adc_kind=chip.adc_type, input_bits=prec.error,
            transposable=True,
        )  # fmt: skip
        for key in ("row_mux", "adc_transposed", "shift_add_transposed"):
            parts[key] = tr[key]
    subs_per_pe = fp.pe_size**2
    pes = fp.tile_size**2
    for key, cost in parts.items():
        _add(out, _SUBARRAY_CATEGORY[key], cost.area_um2, subs_per_pe * pes)
    # PE: an adder tree per ADC lane sums the PE's row of subarrays; a PE buffer holds its inputs
    # and outputs (register file, NeuroSim's default buffer type).
    psum_bits = chip.adc_bits + prec.activation + math.ceil(math.log2(sub))
    lanes = fp.pe_size * sub // per
    directions = 2 if transposable else 1
    tree = c.adder_tree(node, clk, inputs=fp.pe_size, bits=psum_bits)
    _add(out, "accumulation", tree.area_um2, lanes * directions * pes)
    pe_buf_bits = 2 * fp.pe_size * sub * prec.activation
    _add(out, "other", c.register_file(node, clk, bits_capacity=pe_buf_bits, port_bits=sub).area_um2, pes)
    # Tile: adder trees over its rows of PEs, a tile buffer, and the H-tree to its PEs.
    tile_lanes = fp.tile_size * fp.pe_size * sub // per
    tile_tree = c.adder_tree(node, clk, inputs=fp.tile_size, bits=psum_bits + math.ceil(math.log2(fp.pe_size + 1)))
    _add(out, "accumulation", tile_tree.area_um2, tile_lanes * directions)
    tile_buf_bits = 2 * fp.tile_size * fp.pe_size * sub * prec.activation
    _add(out, "other", c.register_file(node, clk, bits_capacity=tile_buf_bits, port_bits=sub).area_um2)
    side = math.sqrt(sum(out.values()) * 1e-12)
    width = math.ceil(math.sqrt(pes)) * sub  # NeuroSim's tile bus: ceil(sqrt(#PE)) x 128 bits
    tree = htree(node, clk, side_m=side, leaves=pes, width_bits=width, pitch_f=SEMI_GLOBAL_PITCH_F)
    _add(out, "ic", tree.area_um2)
    return out


def chip_area(workload, fp: Floorplan) -> AreaReport:
    """Area of the chip that `fp` lays out, by category, tile kind and array."""
    chip, prec = workload.chip, workload.precision
    clk = chip.clock_hz
    node = tech.node(chip.node, chip.flavor)
    kinds = {a.transposable for a in fp.arrays}
    tiles = {t: tile_breakdown(workload, fp, node, t) for t in kinds}
    total: dict = {k: 0.0 for k in CATEGORIES}
    per_layer = []
    for a in fp.arrays:
        for cat, area in tiles[a.transposable].items():
            _add(total, cat, area, a.tiles)
        per_layer.append((a.name, a.tiles, sum(tiles[a.transposable].values()) * a.tiles))
    # Weight-gradient units: SRAM arrays holding a layer's gradient at `gradient` bits.
    for i, (rows, cols) in enumerate(fp.wgu_shapes):
        wgu = c.weight_gradient_unit(node, clk, rows=rows, cols=cols, bits=prec.gradient)
        _add(total, "weight_gradient", wgu.area_um2)
        if fp.wgu == "per_layer":
            per_layer.append((f"wgu{i + 1}", 0, wgu.area_um2))
    # Global buffer: every layer's activations and errors of one sample, double-buffered.
    sizes = workload.network.sizes
    gbuf_bits = 2 * sum(sizes) * (prec.activation + prec.error)
    _add(total, "other", c.register_file(node, clk, bits_capacity=gbuf_bits, port_bits=chip.subarray).area_um2)
    # Activation units (ReLU + requantisation), one per ADC lane of a tile row.
    lanes = fp.tile_size * fp.pe_size * chip.subarray // chip.cols_per_adc
    _add(total, "other", c.activation_unit(node, clk, bits=prec.activation).area_um2, lanes)
    # Chip accumulation: layers spanning several tile rows add their partial sums.
    acc_bits = chip.adc_bits + prec.activation + math.ceil(math.log2(max(sizes)))
    _add(total, "accumulation", c.accumulator(node, clk, bits=acc_bits).area_um2, lanes)
    if fp.feedback_sram_bits:
        store = c.sram_buffer(node, clk, bits_capacity=fp.feedback_sram_bits, port_bits=min(128, fp.feedback_sram_bits))
        _add(total, "other", store.area_um2)
    # Chip H-tree between tiles.
    core = sum(total.values()) * 1e-12
    width = math.ceil(math.sqrt(fp.tile_size**2)) * chip.subarray  # carries one tile's bus
    tree = htree(node, clk, side_m=math.sqrt(core), leaves=fp.tiles, width_bits=width, pitch_f=GLOBAL_PITCH_F)
    _add(total, "ic", tree.area_um2)
    dram = tech.dram(chip.dram)
    phy = c.dram_interface(node, clk, dram=dram).area_um2 * dram.channels
    return AreaReport(
        total_um2=sum(total.values()),
        breakdown_um2=total,
        tile_um2={("transposable" if k else "plain"): sum(v.values()) for k, v in tiles.items()},
        per_layer=tuple(per_layer),
        dram_phy_um2=phy,
    )
