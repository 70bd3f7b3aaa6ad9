"""Floorplan: how a workload's matrices are mapped onto the chip (pure mapping, no costs).

NeuroSim organises a chip as a hierarchy: the chip holds tiles, a tile holds `tile_size` x
`tile_size` processing elements (PEs), and a PE holds `pe_size` x `pe_size` crossbar subarrays of
`subarray` x `subarray` RRAM cells. Each matrix (a layer's weights W_l, or a rule's feedback B_l) is cut
into subarray-sized blocks, the blocks are grouped into PEs and the PEs into tiles, and -- as in
NeuroSim's conventional mapping -- a tile is never shared between two matrices, so a layer that just
crosses a tile boundary allocates a nearly empty tile (the "1025 hidden" utilisation sawtooth).

Two floorplans (`chip.floorplan`): "fixed" builds the tile the user gives (`chip.tile_size` PEs of
`chip.pe_size` subarrays per side); "network" sizes it for the network as DNN+NeuroSim V2 does
(`network_geometry`: the power-of-two tile side that maximises memory utilisation, 2 x 2 PEs of half
that side). Either way the sawtooth remains, at the chosen tile's boundary.

Conventions:
- W_l has rows = fan_in (inputs) and cols = fan_out (outputs); one cell per weight.
- `chip.duplication` copies *weight* arrays: an int copies every layer that many times, each copy on
  its own tiles (a tuple gives each layer its own count); "fill" (the default under "network") packs a
  layer that fits one tile into that tile as many times as its subarray footprint fits (`fill_grid`).
  A rule's feedback arrays are held once (they are only read to project a learning signal, never on
  the forward path that duplication speeds up).
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


def _pow2ceil(n: int) -> int:
    """The smallest power of two >= n (n >= 1)."""
    return 1 << (n - 1).bit_length()


def fill_grid(sub_rows: int, sub_cols: int, tile_subarrays: int) -> tuple[int, int]:
    """Copies of a matrix that duplication "fill" packs into its one tile, as a grid (rows, cols).

    A matrix of sub_rows x sub_cols subarrays in a tile of t x t subarrays (t = `tile_subarrays`):
        grid = (floor(t / sub_rows), floor(t / sub_cols))   if sub_rows <= t and sub_cols <= t
        grid = (1, 1)                                       otherwise (it spans several tiles)
    """
    if sub_rows > tile_subarrays or sub_cols > tile_subarrays:
        return 1, 1
    return tile_subarrays // sub_rows, tile_subarrays // sub_cols


def place(a: ArrayMap, pe_size: int, tile_size: int, packed: bool) -> dict:
    """Where every subarray of every copy of matrix `a` sits: (copy, s, j) -> (tile, pe), the keys of
    the tile and PE holding row block s, column block j of copy `copy`.

    Each copy on tiles of its own (`packed` False): tile = (copy, s // t, j // t), pe = (copy, s // p,
    j // p), with p = pe_size and t = pe_size * tile_size subarrays per side. Copies packed into the
    matrix's one tile (duplication "fill"): copy k sits at grid cell (k // g_c, k % g_c) of `fill_grid`,
    its block (s, j) at (r, c) = (row * sub_rows + s, col * sub_cols + j) of the tile, tile = (0, 0, 0),
    pe = (0, r // p, c // p).
    """
    t = pe_size * tile_size
    grid_cols = fill_grid(a.sub_rows, a.sub_cols, t)[1] if packed else 1
    out = {}
    for k in range(a.copies):
        for s in range(a.sub_rows):
            for j in range(a.sub_cols):
                if packed:
                    gr, gc = divmod(k, grid_cols)
                    r, c = gr * a.sub_rows + s, gc * a.sub_cols + j
                    out[(k, s, j)] = ((0, 0, 0), (0, r // pe_size, c // pe_size))
                else:
                    out[(k, s, j)] = ((k, s // t, j // t), (k, s // pe_size, j // pe_size))
    return out


@attrs.frozen
class ArrayMap:
    """One matrix (a layer's W, or DFA's B_l) mapped onto subarrays, PEs and tiles."""

    name: str  # "layer1", ..., "feedback1", ...
    kind: str  # "weight" | "feedback"
    rows: int  # inputs for W; the source's entries for B (classes for DFA/DRTP)
    cols: int  # outputs for W; hidden width for B
    sub_rows: int  # ceil(rows / subarray)
    sub_cols: int  # ceil(cols / subarray)
    copies: int  # copies of the matrix (duplication; 1 for feedback)
    subarrays: int  # sub_rows * sub_cols * copies
    pe_rows: int  # ceil(sub_rows / pe_size)   (one copy)
    pe_cols: int  # ceil(sub_cols / pe_size)   (one copy)
    pes: int  # pe_rows * pe_cols * copies; "fill": the PEs its grid of copies covers
    tile_rows: int  # ceil(pe_rows / tile_size) (one copy)
    tile_cols: int  # ceil(pe_cols / tile_size) (one copy)
    tiles: int  # tile_rows * tile_cols * copies; "fill": tile_rows * tile_cols (copies share the tile)
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
    duplication: int | str = 1,
    transposable: bool = False,
) -> ArrayMap:
    """Map one rows x cols matrix onto its own tiles: `duplication` copies each on tiles of their own,
    or under "fill" the grid of copies (`fill_grid`) packed into the matrix's tiles."""
    sub_rows, sub_cols = _ceil_div(rows, subarray), _ceil_div(cols, subarray)
    pe_rows, pe_cols = _ceil_div(sub_rows, pe_size), _ceil_div(sub_cols, pe_size)
    tile_rows, tile_cols = _ceil_div(pe_rows, tile_size), _ceil_div(pe_cols, tile_size)
    if duplication == "fill":
        grid_rows, grid_cols = fill_grid(sub_rows, sub_cols, pe_size * tile_size)
        copies = grid_rows * grid_cols
        pes = _ceil_div(grid_rows * sub_rows, pe_size) * _ceil_div(grid_cols * sub_cols, pe_size)
        tiles = tile_rows * tile_cols
    else:
        copies = duplication
        pes = pe_rows * pe_cols * copies
        tiles = tile_rows * tile_cols * copies
    tile_side = subarray * pe_size * tile_size
    return ArrayMap(
        name=name,
        kind=kind,
        rows=rows,
        cols=cols,
        sub_rows=sub_rows,
        sub_cols=sub_cols,
        copies=copies,
        subarrays=sub_rows * sub_cols * copies,
        pe_rows=pe_rows,
        pe_cols=pe_cols,
        pes=pes,
        tile_rows=tile_rows,
        tile_cols=tile_cols,
        tiles=tiles,
        cells_mapped=rows * cols * copies,
        cells_allocated=tiles * tile_side * tile_side,
        transposable=transposable,
    )


def network_geometry(
    shapes: list[tuple[int, int]], subarray: int, duplication: int | tuple[int, ...] | str
) -> tuple[int, tuple[tuple[int, float], ...]]:
    """DNN+NeuroSim V2's tile for a network: the power-of-two side T (cells) that maximises memory
    utilisation, with 2 x 2 PEs of T/2 cells per side.

    For layers l of r_l x c_l weights (`shapes`), d_l = max(r_l, c_l), the candidate sides are
        T = 2^k,  pow2ceil(min_l d_l) <= T <= pow2ceil(max_l d_l),  T >= 2 * subarray
    (a PE of T/2 holds at least one subarray). Each candidate maps every layer (`map_array` with
    pe_size = T / 2 / subarray, tile_size = 2): a layer takes ceil(r_l / T) * ceil(c_l / T) tiles, and
    under duplication "fill" a layer that fits one tile holds copies_l = floor(t / s_r) * floor(t / s_c)
    copies in it (t = T / subarray, s = its subarrays per side; `fill_grid`), else copies_l = the layer's
    count (`per_layer`), each copy on tiles of its own. Then
        U(T) = sum_l copies_l * r_l * c_l / (T^2 * sum_l tiles_l)
    and the chosen T maximises U, the smaller T on a tie. Returns (T, ((T, U(T)) per candidate)).
    Raises MappingError when no candidate is at least two subarrays wide.
    """
    sides = [max(r, c) for r, c in shapes]
    hi = _pow2ceil(max(sides))
    candidates = []
    side = max(_pow2ceil(min(sides)), 2 * subarray)
    while side <= hi:
        geom = dict(subarray=subarray, pe_size=side // 2 // subarray, tile_size=2)
        arrays = [
            map_array("", "weight", r, c, duplication=d, **geom)
            for (r, c), d in zip(shapes, per_layer(duplication, len(shapes)), strict=True)
        ]
        candidates.append((side, sum(a.cells_mapped for a in arrays) / sum(a.cells_allocated for a in arrays)))
        side *= 2
    if not candidates:
        raise MappingError(
            f"chip.floorplan network finds no tile side: the widest layer ({max(sides)}) calls for tiles of at "
            f"most {hi} cells, narrower than 2 subarrays of chip.subarray={subarray}; lower chip.subarray to "
            f"{hi // 2} or less, or use chip.floorplan fixed"
        )
    best = max(candidates, key=lambda c: (c[1], -c[0]))
    return best[0], tuple(candidates)


def per_layer(duplication: int | tuple[int, ...] | str, layers: int) -> tuple:
    """chip.duplication resolved per weight layer: a tuple as it is, an int or "fill" for every layer."""
    return duplication if isinstance(duplication, tuple) else (duplication,) * layers


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
    floorplan: str  # "fixed" | "network"
    subarray: int
    pe_size: int  # subarrays per PE side: chip.pe_size, or chosen under "network"
    tile_size: int  # PEs per tile side: chip.tile_size, or 2 under "network"
    duplication: int | tuple[int, ...] | str  # chip.duplication resolved: copies of every layer, per layer, or "fill"
    candidates: tuple[tuple[int, float], ...]  # "network": (tile side in cells, utilisation) searched

    @property
    def weights(self) -> tuple[ArrayMap, ...]:
        """The weight arrays, layer order."""
        return tuple(a for a in self.arrays if a.kind == "weight")

    @property
    def feedback(self) -> tuple[ArrayMap, ...]:
        """The rule's feedback arrays (empty unless feedback_store == "rram")."""
        return tuple(a for a in self.arrays if a.kind == "feedback")

    @property
    def pe_side_cells(self) -> int:
        return self.subarray * self.pe_size

    @property
    def tile_side_cells(self) -> int:
        return self.pe_side_cells * self.tile_size

    @property
    def cells_per_tile(self) -> int:
        return self.tile_side_cells**2

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
            "floorplan": self.floorplan,
            "tile_side_cells": self.tile_side_cells,
            "pe_side_cells": self.pe_side_cells,
            "candidates": [list(c) for c in self.candidates],
            "per_layer": self.per_layer(),
        }


def plan(workload: Workload) -> Floorplan:
    """Map `workload`'s network (and its rule's feedback matrices) onto `workload.chip`.

    Raises MappingError when "network" finds no tile side, or when `chip.max_tiles` is set and the
    mapping needs more tiles.
    """
    chip = workload.chip
    geometry = workload.geometry
    sigs = workload.signals
    transposable = rule_base.needs_transposable(sigs)
    duplication = chip.duplication
    if duplication is None:
        duplication = "fill" if chip.floorplan == "network" else 1

    shapes = [(stage.rows, stage.cols) for stage in geometry.stages]  # a convolution's unrolled kernel
    if chip.floorplan == "network":
        # The search weighs the weight layers only, and a rule's feedback matrices then take the tile
        # chosen: NeuroSim (whose rule this is) has none, and so every rule gets the same tile for the
        # same network, and a comparison of rules is not one of tile sizes.
        tile_side, candidates = network_geometry(shapes, chip.subarray, duplication)
        pe_size, tile_size = tile_side // 2 // chip.subarray, 2
    else:
        pe_size, tile_size, candidates = chip.pe_size, chip.tile_size, ()
    geom = dict(subarray=chip.subarray, pe_size=pe_size, tile_size=tile_size)
    arrays = [
        map_array(f"layer{i + 1}", "weight", r, c, duplication=d, transposable=transposable, **geom)
        for i, ((r, c), d) in enumerate(zip(shapes, per_layer(duplication, len(shapes)), strict=True))
    ]

    feedback_store = workload.feedback_store
    feedback = rule_base.feedback_shapes(sigs, geometry)
    feedback_sram_bits = rule_base.sign_bits(sigs, geometry)
    if feedback_store == "rram":
        arrays += [
            map_array(f"feedback{l + 1}", "feedback", r, c, duplication=1, transposable=False, **geom)
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
        # "fill" adds no tiles (its copies share a layer's one tile), so only an int is worth lowering
        shown = ",".join(map(str, duplication)) if isinstance(duplication, tuple) else duplication
        lower = f", lower chip.duplication (now {shown})" if duplication != "fill" else ""
        if chip.floorplan == "network":
            side = tile_side // 2
            tile = (
                f"or use chip.floorplan fixed with larger tiles (network chose {tile_side}x{tile_side}-cell "
                f"tiles of 2x2 PEs of {side}x{side} cells)"
            )
        else:
            tile = f"or enlarge chip.tile_size/pe_size/subarray (now {tile_size}/{pe_size}/{chip.subarray})"
        raise MappingError(
            f"network {workload.network.describe()} ({workload.rule_object.name}) needs {tiles} tiles but "
            f"chip.max_tiles allows {chip.max_tiles}; raise chip.max_tiles to >= {tiles}, "
            f"shrink {'network.sizes' if workload.network.layers is None else 'network.layers'}{lower}, {tile}"
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
        floorplan=chip.floorplan,
        subarray=chip.subarray,
        pe_size=pe_size,
        tile_size=tile_size,
        duplication=duplication,
        candidates=candidates,
    )
