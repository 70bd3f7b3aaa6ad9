"""Chip area: the inventory's tiles, PEs, subarrays and chip-level parts, rolled up.

The parts are sized and priced once, in `hw.inventory`; this module only adds them up. A tile is
built whole, whatever fraction of it a layer uses: its PEs, each with `pe_size`^2 subarrays and
their periphery, an adder tree and a PE buffer; a tile buffer, tile accumulation and the tile's
H-tree. The chip adds the global buffer, chip H-tree, activation units, cross-tile accumulators,
weight-gradient units and the rule's feedback store and MAC. Areas are attributed to the component
categories energy is charged to (`terms.DIE_COMPONENTS`): array (cells), adc, accumulation
(shift-add, adder trees, accumulators), buffer (PE, tile and global buffers, feedback SRAM),
interconnect (the H-trees), weight_gradient (WGUs) and other (drivers, decoders, muxes, activation
units). Totals are sums of NeuroSim's six summary groups (`SUMMARY_GROUPS`, which count buffers as
"other"). The DRAM PHY is reported separately and left out of the total, as NeuroSim and the paper do.
"""

from __future__ import annotations

import math

import attrs

from cyclesim import tech
from cyclesim.hw import circuits as c
from cyclesim.hw import inventory
from cyclesim.hw.floorplan import Floorplan
from cyclesim.hw.inventory import SUMMARY_GROUP, SUMMARY_GROUPS

# Sane sizes, for warnings (not errors: the model prices any chip): the largest die one lithography
# exposure prints is a reticle of 26 mm x 33 mm; a 300 mm wafer holds pi x 150^2 mm^2 (wafer-scale
# engines such as Cerebras' WSE-2 use 46,225 mm^2 of one).
RETICLE_UM2 = 26e3 * 33e3
WAFER_UM2 = math.pi * 150e3**2


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


def neurosim_summary(breakdown: dict) -> dict:
    """NeuroSim's six-group summary of a component breakdown (um^2 or shares, e.g. results.json's
    `area.shares`): buffers counted as "other", keys in `SUMMARY_GROUPS` order; this is what the
    paper's area pie charts show."""
    out = dict.fromkeys(SUMMARY_GROUPS, 0.0)
    for component, value in breakdown.items():
        out[SUMMARY_GROUP.get(component, component)] += value
    return out


def chip_area(workload, fp: Floorplan) -> AreaReport:
    """Area of the chip that `fp` lays out (its inventory rolled up; see `roll_up`)."""
    return roll_up(inventory.build(workload, fp))


def roll_up(inv: inventory.Inventory) -> AreaReport:
    """Area of the inventoried chip by component category, tile kind and array: every array's
    whole tiles, then the chip-level parts (`inventory.die_tally`); the DRAM PHY on its own."""
    workload, fp = inv.workload, inv.floorplan
    chip = workload.chip
    total = inventory.die_tally(inv.tile_kinds, fp, inv.chip_parts)
    tiles = {}
    for t, kind in inv.tile_kinds.items():
        tiles[t] = inventory.AreaTally()
        tiles[t].add_parts(kind.parts)
    per_layer = [(a.name, a.tiles, tiles[a.transposable].total_um2 * a.tiles) for a in fp.arrays]
    if fp.wgu == "per_layer":
        per_layer += [(p.name, 0, p.cost.area_um2) for p in inv.chip_parts if p.category == "weight_gradient"]
    phy = inv.dram_phy.cost.area_um2 * inv.dram_phy.count
    if not math.isfinite(total.total_um2):  # each part is finite (circuits.Cost); their sum must be too
        raise c.CostError(
            f"the chip's total area is not finite ({total.total_um2!r} um^2) for {fp.tiles} tiles of "
            f"tile_size={fp.tile_size}, pe_size={fp.pe_size}, chip.subarray={chip.subarray}: "
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
    if fp.floorplan == "network":
        layout = (
            f"network.sizes, chip.duplication (now {fp.duplication}) or chip.subarray (now {chip.subarray}; "
            f"the network floorplan chose {fp.tile_side_cells}-cell tiles)"
        )
    else:
        layout = (
            f"network.sizes, chip.duplication (now {fp.duplication}) or chip.tile_size/pe_size/subarray "
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
