"""Floorplan: how a workload's matrices are mapped onto the chip (pure mapping, no costs).

NeuroSim organises a chip as a hierarchy: the chip holds tiles, a tile holds `tile_size` x
`tile_size` processing elements (PEs), and a PE holds `pe_size` x `pe_size` crossbar subarrays of
`subarray` x `subarray` RRAM cells. Each matrix (a layer's weights W_l, or a rule's feedback B_l) is cut
into subarray-sized blocks, the blocks are grouped into PEs and the PEs into tiles, and -- as in
NeuroSim's conventional mapping -- a tile is never shared between two matrices, so a layer that just
crosses a tile boundary allocates a nearly empty tile (the "1025 hidden" utilisation sawtooth).

Conventions:
- W_l has rows = fan_in (inputs) and cols = fan_out (outputs); one cell per weight.
- `chip.duplication` copies every *weight* array; a rule's feedback arrays are held once (they are
  only read to project a learning signal, never on the forward path that duplication speeds up).
- The weight arrays of a rule that reads W^T (BP) need transposed-read periphery
  (`transposable=True`), all of them, as in NeuroSim; other rules' and feedback arrays never do.
- The shared WGU is sized to the largest layer (most cells, first on ties); per-layer WGUs are
  sized to their own layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from cyclesim.errors import MappingError
from cyclesim.rules import base as rule_base

if TYPE_CHECKING:  # pragma: no cover
    from cyclesim.config import Workload


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@attrs.frozen
class ArrayMap:
    """One matrix (a layer's W, or DFA's B_l) mapped onto subarrays, PEs and tiles."""

    name: str  # "layer1", ..., "feedback1", ...
    kind: str  # "weight" | "feedback"
    rows: int  # inputs for W; the source's entries for B (classes for DFA/DRTP)
    cols: int  # outputs for W; hidden width for B
    sub_rows: int  # ceil(rows / subarray)
    sub_cols: int  # ceil(cols / subarray)
    subarrays: int  # sub_rows * sub_cols * copies
    pe_rows: int  # ceil(sub_rows / pe_size)   (one copy)
    pe_cols: int  # ceil(sub_cols / pe_size)   (one copy)
    pes: int  # pe_rows * pe_cols * copies
    tile_rows: int  # ceil(pe_rows / tile_size) (one copy)
    tile_cols: int  # ceil(pe_cols / tile_size) (one copy)
    tiles: int  # tile_rows * tile_cols * copies
    cells_mapped: int  # rows * cols * copies
    cells_allocated: int  # tiles * cells per tile
    transposable: bool  # needs transposed-read periphery (BP weights)

    @property
    def utilization(self) -> float:
        """Mapped cells / cells of the tiles this array occupies."""
        return self.cells_mapped / self.cells_allocated

    def to_json(self) -> dict:
        d = attrs.asdict(self)
        d["utilization"] = self.utilization
        return d


def map_array(
    name: str,
    kind: str,
    rows: int,
    cols: int,
    *,
    subarray: int,
    pe_size: int,
    tile_size: int,
    copies: int = 1,
    transposable: bool = False,
) -> ArrayMap:
    """Map one rows x cols matrix (`copies` times) onto its own tiles."""
    sub_rows, sub_cols = _ceil_div(rows, subarray), _ceil_div(cols, subarray)
    pe_rows, pe_cols = _ceil_div(sub_rows, pe_size), _ceil_div(sub_cols, pe_size)
    tile_rows, tile_cols = _ceil_div(pe_rows, tile_size), _ceil_div(pe_cols, tile_size)
    tiles = tile_rows * tile_cols * copies
    tile_side = subarray * pe_size * tile_size
    return ArrayMap(
        name=name,
        kind=kind,
        rows=rows,
        cols=cols,
        sub_rows=sub_rows,
        sub_cols=sub_cols,
        subarrays=sub_rows * sub_cols * copies,
        pe_rows=pe_rows,
        pe_cols=pe_cols,
        pes=pe_rows * pe_cols * copies,
        tile_rows=tile_rows,
        tile_cols=tile_cols,
        tiles=tiles,
        cells_mapped=rows * cols * copies,
        cells_allocated=tiles * tile_side * tile_side,
        transposable=transposable,
    )


@attrs.frozen
class Floorplan:
    """The whole chip's mapping: every array, totals, and the training periphery's arrangement."""

    arrays: tuple[ArrayMap, ...]
    tiles: int
    pes: int
    subarrays: int
    cells_mapped: int
    cells_allocated: int
    utilization: float
    wgu: str  # "shared" | "per_layer"
    wgu_shapes: tuple[tuple[int, int], ...]  # (rows, cols) of each WGU
    feedback_store: str  # "none" | "rram" | "sram"
    feedback_sram_bits: int  # backward-path data in SRAM: B at weight precision (feedback_store "sram"), sign(W) bits
    subarray: int
    pe_size: int
    tile_size: int
    duplication: int

    @property
    def weights(self) -> tuple[ArrayMap, ...]:
        """The weight arrays, layer order."""
        return tuple(a for a in self.arrays if a.kind == "weight")

    @property
    def feedback(self) -> tuple[ArrayMap, ...]:
        """The rule's feedback arrays (empty unless feedback_store == "rram")."""
        return tuple(a for a in self.arrays if a.kind == "feedback")

    @property
    def cells_per_tile(self) -> int:
        side = self.subarray * self.pe_size * self.tile_size
        return side * side

    def per_layer(self) -> list[dict]:
        """One JSON-able row per array (weights then feedback), for results.json."""
        return [a.to_json() for a in self.arrays]

    def to_json(self) -> dict:
        return {
            "tiles": self.tiles,
            "pes": self.pes,
            "subarrays": self.subarrays,
            "utilization": self.utilization,
            "cells_mapped": self.cells_mapped,
            "cells_allocated": self.cells_allocated,
            "wgu": self.wgu,
            "wgu_shapes": [list(s) for s in self.wgu_shapes],
            "feedback_store": self.feedback_store,
            "feedback_sram_bits": self.feedback_sram_bits,
            "subarray": self.subarray,
            "pe_size": self.pe_size,
            "tile_size": self.tile_size,
            "duplication": self.duplication,
            "per_layer": self.per_layer(),
        }


def plan(workload: Workload) -> Floorplan:
    """Map `workload`'s network (and its rule's feedback matrices) onto `workload.chip`.

    Raises MappingError when `chip.max_tiles` is set and the mapping needs more tiles.
    """
    chip = workload.chip
    sizes = workload.network.sizes
    geom = dict(subarray=chip.subarray, pe_size=chip.pe_size, tile_size=chip.tile_size)
    sigs = workload.signals
    transposable = rule_base.needs_transposable(sigs)

    shapes = [(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
    arrays = [
        map_array(f"layer{i + 1}", "weight", r, c, copies=chip.duplication, transposable=transposable, **geom)
        for i, (r, c) in enumerate(shapes)
    ]

    feedback_store = workload.feedback_store
    feedback = rule_base.feedback_shapes(sigs, sizes)
    feedback_sram_bits = rule_base.sign_bits(sigs, sizes)
    if feedback_store == "rram":
        arrays += [
            map_array(f"feedback{l + 1}", "feedback", r, c, copies=1, transposable=False, **geom)
            for l, (r, c) in sorted(feedback.items())
        ]
    elif feedback_store == "sram":
        feedback_sram_bits += sum(r * c for r, c in feedback.values()) * workload.precision.weight

    wgu = workload.wgu
    if wgu == "shared":
        wgu_shapes = (max(shapes, key=lambda s: s[0] * s[1]),)
    else:
        wgu_shapes = tuple(shapes)

    tiles = sum(a.tiles for a in arrays)
    if chip.max_tiles is not None and tiles > chip.max_tiles:
        raise MappingError(
            f"network {'-'.join(map(str, sizes))} ({workload.rule_object.name}) needs {tiles} tiles but "
            f"chip.max_tiles allows {chip.max_tiles}; raise chip.max_tiles to >= {tiles}, "
            f"shrink network.sizes, lower chip.duplication (now {chip.duplication}), or enlarge "
            f"chip.tile_size/pe_size/subarray (now {chip.tile_size}/{chip.pe_size}/{chip.subarray})"
        )

    cells_mapped = sum(a.cells_mapped for a in arrays)
    cells_allocated = sum(a.cells_allocated for a in arrays)
    return Floorplan(
        arrays=tuple(arrays),
        tiles=tiles,
        pes=sum(a.pes for a in arrays),
        subarrays=sum(a.subarrays for a in arrays),
        cells_mapped=cells_mapped,
        cells_allocated=cells_allocated,
        utilization=cells_mapped / cells_allocated,
        wgu=wgu,
        wgu_shapes=wgu_shapes,
        feedback_store=feedback_store,
        feedback_sram_bits=feedback_sram_bits,
        subarray=chip.subarray,
        pe_size=chip.pe_size,
        tile_size=chip.tile_size,
        duplication=chip.duplication,
    )
