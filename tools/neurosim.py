"""cyclesim beside DNN+NeuroSim V2.0: area, latency, energy and performance of each reference run.

The reference is six stock runs of DNN+NeuroSim V2.0 (X. Peng, S. Huang, H. Jiang, A. Lu, S. Yu,
"DNN+NeuroSim V2.0: An End-to-End Benchmarking Framework for Compute-in-Memory Accelerators for
On-chip Training", IEEE TCAD 2021; https://github.com/neurosim/DNN_NeuroSim_V2.0), copied to
tests/data/neurosim (run_configs.csv, summary.csv; numbers only, see its README). NeuroSim reports
latency (ns) and energy (pJ) per epoch of 50,000 images; here everything is per image.

For every run, `workload_for` builds the same chip in cyclesim (node, subarray, forward and
transposed ADC bits = log2 of levelOutput_FW / levelOutput_AG, columns per ADC = numColMuxed,
clock, DRAM, batch size; weights 5 bits, gradients 5, activations 8, errors 8), BP in hardware mode
on the synthetic data set (offline, deterministic), with no training epoch: the engine simulates
one iteration (one batch), and cyclesim's figures per image are that iteration's divided by the
batch size. The tables put cyclesim beside NeuroSim with the ratio cs/NS:

1. area: total and NeuroSim's six groups (`area.neurosim_summary`), shares and their difference;
2. latency per image and phase (ns): NeuroSim's L_* / 50,000 and its peak (core-only) Lpk_*
   (NeuroSim adds up every layer's time in a phase; cyclesim's phases share the iteration's
   wall clock, so they add up to it where phases overlap);
3. energy per image and phase (nJ), and per component (NeuroSim's bdE_* against cyclesim's
   `energy.per_component_j`, mapped in `COMPONENTS`);
4. performance: training and inference (forward only) images/s, TOPS and TOPS/W, leakage power.
   Operations as NeuroSim counts them: MACs = sum of fan_in x fan_out per image, a training image
   is 6 x MACs operations, an inference image 2 x MACs; NeuroSim's FPS is epochs per second.

Run from the repository root:
    python tools/neurosim.py [--runs A,D] [--json FILE] [--set key=value ...]
`--runs` takes run ids or their letters; `--set` overrides every run's workload as `cyclesim run
--set` does (e.g. --set precision.gradient=12); `--json` writes every cyclesim figure, rounded to
4 significant figures (deterministic: the same seed gives the same file).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path

import attrs

from cyclesim import api
from cyclesim import workload as workload_file
from cyclesim.config import Chip, Network, Precision, Sim, Training, Workload, to_dict
from cyclesim.errors import ConfigError
from cyclesim.hw import area as area_mod
from cyclesim.terms import PHASES

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "neurosim"
IMAGES_PER_EPOCH = 50_000  # NeuroSim's epoch: 250 iterations x 200 images
GRADIENT_BITS = 5
ERROR_BITS = 8

AREA_COLUMNS = {
    "array": "area_cim_array_um2",
    "interconnect": "area_ic_um2",
    "adc": "area_adc_um2",
    "accumulation": "area_accum_um2",
    "other": "area_other_um2",
    "weight_gradient": "area_wg_um2",
}
"""cyclesim's summary group -> NeuroSim's area column (the same six groups, buffers in "other")."""

COMPONENTS = (
    ("ADC", ("adc",)),
    ("Accum", ("accumulation",)),
    ("ArrayNoADC", ("array_read", "other")),
    ("WUwrite", ("array_write",)),
    ("Buffer", ("buffer",)),
    ("IC", ("interconnect",)),
    ("WGcalc", ("weight_gradient",)),
    ("DRAM", ("dram",)),
)
"""NeuroSim's energy breakdown (bdE_<name>_pJ) -> the cyclesim components summed against it.

cyclesim charges both the cells' read energy and their programming to "array"; the engine's
(component, phase) table splits them: `array_read` is "array" in phases fw and ag, `array_write`
"array" in phase wu. Not one to one: NeuroSim's "Synaptic Array w/o ADC" holds the subarray's
drivers, decoders and multiplexers, which cyclesim counts in "other"; cyclesim's "other" also holds
the activation units, which have no row of their own in NeuroSim's breakdown, so they are compared
with ArrayNoADC too. NeuroSim charges the per-sample weight gradients' trip through its global
buffer to Buffer; cyclesim sends them from the weight-gradient unit to DRAM directly (nothing in
"buffer" or "interconnect" during WG and WU). Leakage is a row of its own on both sides.
"""


PROFILES = {
    # NeuroSim V2's chip: a weight-gradient unit holding a whole layer although its per-sample sums
    # go through DRAM, 12-bit gradient words charged per sample, no optimiser state moved, and the
    # reference column digitised on its own (the read values, hence the data-dependent energies).
    "neurosim": (
        "chip.wgu_capacity=layer",
        "precision.gradient_word=12",
        "training.momentum=0",
        "chip.readout=digital_reference",
    ),
    # cyclesim's consistent chip: words as the functional model computes them (24-bit running sums at
    # batch 200), a streaming WGU for the dram dataflow, momentum kept in DRAM.
    "derived": (),
}
"""Named sets of overrides (`--profile`): the two chips docs/NEUROSIM.md compares."""


def load_reference(folder: Path = REFERENCE) -> dict[str, dict]:
    """run id -> {"config": its run_configs.csv row, "summary": its summary.csv row} (strings)."""
    with open(folder / "run_configs.csv", newline="", encoding="utf-8") as f:
        configs = {row["run_id"]: row for row in csv.DictReader(f)}
    with open(folder / "summary.csv", newline="", encoding="utf-8") as f:
        summaries = {row["run"]: row for row in csv.DictReader(f)}
    if set(configs) != set(summaries):
        raise ValueError(f"{folder}: run_configs.csv and summary.csv list different runs")
    return {run: {"config": configs[run], "summary": summaries[run]} for run in configs}


_REF: dict[str, dict] | None = None


def reference() -> dict[str, dict]:
    global _REF
    if _REF is None:
        _REF = load_reference()
    return _REF


def resolve(run: str) -> str:
    """A run's id from its id or its letter ("A" -> "A_784-256-256-10_sa64_adc6_32nm")."""
    ref = reference()
    if run in ref:
        return run
    hits = [r for r in ref if r.split("_", 1)[0] == run]
    if len(hits) != 1:
        raise KeyError(f"no reference run {run!r}; known: {', '.join(r.split('_', 1)[0] for r in ref)}")
    return hits[0]


def sizes_of(run_id: str) -> tuple[int, ...]:
    return tuple(int(n) for n in reference()[resolve(run_id)]["config"]["network"].split("-"))


def macs(sizes) -> int:
    """Multiply-accumulates of one image's forward pass: sum over layers of fan_in x fan_out."""
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


def _side(text: str) -> int:
    """128 from "128x128"."""
    return int(text.split("x")[0])


def workload_for(run_id: str, **chip_overrides) -> Workload:
    """The cyclesim workload of reference run `run_id` (id or letter), chip fields overridden by
    `chip_overrides`: BP in hardware mode on the synthetic set, one simulated iteration."""
    run_id = resolve(run_id)
    cfg, ns = reference()[run_id]["config"], reference()[run_id]["summary"]
    sub = _side(cfg["subarray"])
    chip = {
        "node": f"{cfg['technode_nm']}nm",
        "clock_hz": float(cfg["clkFreq_Hz"]),
        "subarray": sub,
        "adc_bits": int(math.log2(int(cfg["levelOutput_FW"]))),
        "ag_adc_bits": int(math.log2(int(cfg["levelOutput_AG"]))),
        "cols_per_adc": int(cfg["numColMuxed"]),
        "dram": cfg["dram"].lower(),
    }
    if "floorplan" in attrs.fields_dict(Chip):
        chip["floorplan"] = "network"  # NeuroSim's tile/PE search
    else:  # TEMPORARY, until chip.floorplan exists: the tile and PE sizes NeuroSim chose
        pe_cells = _side(ns["pe"])
        chip.update(pe_size=pe_cells // sub, tile_size=_side(ns["tile"]) // pe_cells)
    chip.update(chip_overrides)
    return Workload(
        name=run_id,
        network=Network(sizes=sizes_of(run_id)),
        rule="bp",
        dataset="synthetic",
        mode="hardware",
        training=Training(epochs=0, batch_size=int(cfg["batchSize"])),
        precision=Precision(
            weight=int(cfg["synapseBit_arg"]),
            gradient=GRADIENT_BITS,
            activation=int(cfg["numBitInput_arg"]),
            error=ERROR_BITS,
        ),
        chip=Chip(**chip),
        sim=Sim(iterations_per_epoch=1),
    )


# -- NeuroSim's figures per image ----------------------------------------------------------------


def neurosim_figures(run_id: str) -> dict:
    """NeuroSim's figures of a run, per image: ns, nJ, um^2, images/s, TOPS, TOPS/W, uW."""
    run_id = resolve(run_id)
    s = reference()[run_id]["summary"]
    num = {k: float(v) for k, v in s.items() if _is_number(v)}
    ops = 6 * macs(sizes_of(run_id)) * IMAGES_PER_EPOCH
    lat = {p: num[f"L_{p.upper()}_ns"] / IMAGES_PER_EPOCH for p in PHASES}
    lat["total"] = num["L_total_ns"] / IMAGES_PER_EPOCH
    peak_lat = {p: num[f"Lpk_{p.upper()}_ns"] / IMAGES_PER_EPOCH for p in PHASES}
    peak_lat["total"] = sum(peak_lat.values())
    en = {p: num[f"E_{p.upper()}_pJ"] / IMAGES_PER_EPOCH / 1e3 for p in PHASES}
    en["dynamic"] = num["E_total_pJ"] / IMAGES_PER_EPOCH / 1e3
    # NeuroSim's E_leak is not P_leak x the epoch's latency (E_leak / P_leak = 0.17 s in run A, whose
    # epoch lasts 4.35 s): the leakage energy row is shown as NeuroSim prints it; compare leakage power.
    en["leakage"] = num["E_leak_pJ"] / IMAGES_PER_EPOCH / 1e3
    en["total"] = en["dynamic"] + en["leakage"]
    peak_en = {p: num[f"Epk_{p.upper()}_pJ"] / IMAGES_PER_EPOCH / 1e3 for p in PHASES}
    peak_en["dynamic"] = sum(peak_en.values())
    comp = {name: num[f"bdE_{name}_pJ"] / IMAGES_PER_EPOCH / 1e3 for name, _ in COMPONENTS}
    comp["sum"] = sum(comp.values())
    l_fw_s, lpk_fw_s = num["L_FW_ns"] * 1e-9, num["Lpk_FW_ns"] * 1e-9
    perf = {
        "training_images_per_s": num["FPS"] * IMAGES_PER_EPOCH,
        "training_tops": num["TOPS"],
        "training_tops_per_w": num["TOPS_W"],
        "inference_images_per_s": IMAGES_PER_EPOCH / l_fw_s,
        "inference_tops_per_w": ops / 3 / (num["E_FW_pJ"] * 1e-12) / 1e12,
        "leakage_uw": num["P_leak_uW"],
    }
    peak_perf = {
        "training_images_per_s": num["peak_FPS"] * IMAGES_PER_EPOCH,
        "training_tops": num["peak_TOPS"],
        "training_tops_per_w": num["peak_TOPS_W"],
        "inference_images_per_s": IMAGES_PER_EPOCH / lpk_fw_s,
        "inference_tops_per_w": ops / 3 / (num["Epk_FW_pJ"] * 1e-12) / 1e12,
        "leakage_uw": None,
    }
    return {
        "area_um2": {"total": num["area_um2"], **{g: num[col] for g, col in AREA_COLUMNS.items()}},
        "latency_ns": lat,
        "peak_latency_ns": peak_lat,
        "energy_nj": en,
        "peak_energy_nj": peak_en,
        "energy_component_nj": comp,
        "performance": perf,
        "peak_performance": peak_perf,
        "floorplan": {k: s[k] for k in ("tile", "pe", "subarray", "tiles_per_layer", "speedup_per_layer")}
        | {"utilization_pct": num["chip_util_pct"]},
    }


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- cyclesim's figures per image ----------------------------------------------------------------


def build(run_id: str, overrides=()) -> Workload:
    """`workload_for(run_id)` with `--set` style overrides applied (ConfigError if one is wrong)."""
    return workload_file.apply(workload_for(run_id), list(overrides))


def cyclesim_figures(wl: Workload) -> dict:
    """Run `wl` and return cyclesim's figures per image, from its results.json document (plus the
    engine's split of "array" energy into reads and writes)."""
    result = api.run(wl)
    doc = result.to_json()
    lat, en, fp = doc["latency"], doc["energy"], doc["floorplan"]
    if lat is None or en is None:
        raise RuntimeError(f"{wl.name}: no iteration was simulated ({doc['engine_note']})")
    batch = wl.training.batch_size
    n_macs = macs(wl.network.sizes)
    per_phase_s, per_phase_j = lat["per_phase_s"], en["per_phase_j"]
    # cyclesim's per-phase seconds split the iteration's wall clock among the phases busy in each cycle
    # (they add up to iteration_s; WU of one layer overlaps WG of another); NeuroSim adds up every
    # layer's latency of each phase, one layer after another.
    latency = {p: per_phase_s[p] / batch * 1e9 for p in (*PHASES, "idle")}
    latency["total"] = lat["iteration_s"] / batch * 1e9
    energy = {p: per_phase_j[p] / batch * 1e9 for p in PHASES}
    energy["dynamic"] = sum(per_phase_j[p] for p in PHASES) / batch * 1e9
    energy["leakage"] = en["leakage_j"] / batch * 1e9
    energy["total"] = en["iteration_j"] / batch * 1e9
    comp = {k: v / batch * 1e9 for k, v in en["per_component_j"].items()}
    table = {}
    for r in result.simulated:  # mean over the simulated iterations, as energy.per_component_j
        for (c, phase), j in r.energy_table.items():
            if c == "array":
                key = "array_write" if phase == "wu" else "array_read"
                table[key] = table.get(key, 0.0) + j / len(result.simulated) / batch * 1e9
    comp.update({"array_read": table.get("array_read", 0.0), "array_write": table.get("array_write", 0.0)})
    perf = doc["performance"]  # results.json's definitions (README: ops = 6 MACs training, 2 inference)
    performance = {
        "training_images_per_s": perf["training_images_per_s"],
        "training_tops": perf["ops_per_image_training"] * perf["training_images_per_s"] / 1e12,
        "training_tops_per_w": perf["training_tops_per_w"],
        "inference_images_per_s": perf["inference_images_per_s"],
        "inference_tops_per_w": perf["inference_tops_per_w"],
        "leakage_uw": perf["leakage_w"] * 1e6,
    }
    area = doc["area"]
    groups = area_mod.neurosim_summary(area["breakdown_um2"])
    return {
        "chip": to_dict(wl.chip),
        "macs_per_image": n_macs,
        "area_um2": {"total": area["total_um2"], **groups},
        "latency_ns": latency,
        "energy_nj": energy,
        "energy_component_nj": comp,
        "performance": performance,
        "floorplan": {
            "tiles": fp["tiles"],
            "tiles_per_layer": [a["tiles"] for a in fp["per_layer"]],
            "copies_per_layer": [a.get("copies", 1) for a in fp["per_layer"]],
            "pe_size": fp["pe_size"],
            "tile_size": fp["tile_size"],
            "utilization_pct": 100 * fp["utilization"],
        },
    }


# -- tables ---------------------------------------------------------------------------------------


def num(x) -> str:
    """A figure: 4 significant figures, thousands separated; '-' for none."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    if -3 <= mag < 9:
        return f"{x:,.{max(0, 3 - mag)}f}"
    return f"{x:.3e}"


def ratio(cs, ns) -> str:
    if cs is None or ns is None or ns == 0:
        return "-"
    return f"{cs / ns:.3g}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


PHASE_LABEL = {"fw": "FW", "ag": "AG", "wg": "WG", "wu": "WU", "idle": "idle (cs)", "total": "total"}
PERF_LABEL = {
    "training_images_per_s": "training images/s",
    "training_tops": "training TOPS",
    "training_tops_per_w": "training TOPS/W",
    "inference_images_per_s": "inference (FW) images/s",
    "inference_tops_per_w": "inference (FW) TOPS/W",
    "leakage_uw": "leakage power (uW)",
}


def render(run_id: str, cs: dict, ns: dict) -> str:
    """The markdown tables of one run: cyclesim (cs) beside NeuroSim (NS)."""
    chip, nfp, cfp = cs["chip"], ns["floorplan"], cs["floorplan"]
    out = [
        f"## {run_id}",
        "",
        f"Chip: {chip['node']}, subarray {chip['subarray']}, ADC {chip['adc_bits']} bits (FW) / "
        f"{chip['ag_adc_bits']} bits (AG), {chip['cols_per_adc']} columns per ADC, {chip['dram']}.  ",
        f"NeuroSim: tile {nfp['tile']}, PE {nfp['pe']}, tiles per layer {nfp['tiles_per_layer']}, layer copies "
        f"{nfp['speedup_per_layer']}, utilisation {nfp['utilization_pct']:.1f} %.  ",
        f"cyclesim: floorplan {chip.get('floorplan', 'fixed')}, tile_size {cfp['tile_size']}, "
        f"pe_size {cfp['pe_size']}, tiles per layer {';'.join(map(str, cfp['tiles_per_layer']))}, layer copies "
        f"{';'.join(map(str, cfp['copies_per_layer']))}, "
        f"utilisation {cfp['utilization_pct']:.1f} %.",
        "",
        "### Area (um^2)",
        "",
    ]
    a_ns, a_cs = ns["area_um2"], cs["area_um2"]
    rows = []
    for g in ("total", *AREA_COLUMNS):
        sh_ns, sh_cs = 100 * a_ns[g] / a_ns["total"], 100 * a_cs[g] / a_cs["total"]
        rows.append(
            [
                g,
                num(a_ns[g]),
                num(a_cs[g]),
                ratio(a_cs[g], a_ns[g]),
                f"{sh_ns:.1f}",
                f"{sh_cs:.1f}",
                f"{sh_cs - sh_ns:+.1f}",
            ]
        )
    out += _table(["group", "NS", "cs", "cs/NS", "NS %", "cs %", "cs-NS pts"], rows)

    out += ["", "### Latency per image (ns)", ""]
    lat_ns, pk_ns, lat_cs = ns["latency_ns"], ns["peak_latency_ns"], cs["latency_ns"]
    rows = []
    for p in (*PHASES, "idle", "total"):
        n, pk, c = lat_ns.get(p), pk_ns.get(p), lat_cs[p]
        rows.append([PHASE_LABEL[p], num(n), num(pk), num(c), ratio(c, n), ratio(c, pk)])
    out += _table(["phase", "NS", "NS peak", "cs", "cs/NS", "cs/NS peak"], rows)

    out += ["", "### Energy per image (nJ)", ""]
    en_ns, pk_ns, en_cs = ns["energy_nj"], ns["peak_energy_nj"], cs["energy_nj"]
    rows = []
    for p in (*PHASES, "dynamic", "leakage", "total"):
        n, pk, c = en_ns[p], pk_ns.get(p), en_cs[p]
        rows.append([PHASE_LABEL.get(p, p), num(n), num(pk), num(c), ratio(c, n), ratio(c, pk)])
    out += _table(["phase", "NS", "NS peak", "cs", "cs/NS", "cs/NS peak"], rows)

    out += ["", "Per component (NeuroSim's breakdown; cyclesim's components mapped to it):", ""]
    c_ns, c_cs = ns["energy_component_nj"], cs["energy_component_nj"]
    rows = []
    for name, parts in COMPONENTS:
        c = sum(c_cs[k] for k in parts)
        rows.append([name, " + ".join(parts), num(c_ns[name]), num(c), ratio(c, c_ns[name])])
    dyn = sum(v for k, v in c_cs.items() if k not in ("array_read", "array_write"))
    rows.append(["sum", "all (dynamic)", num(c_ns["sum"]), num(dyn), ratio(dyn, c_ns["sum"])])
    out += _table(["NeuroSim", "cyclesim", "NS", "cs", "cs/NS"], rows)

    out += ["", "### Performance", ""]
    p_ns, pk_ns, p_cs = ns["performance"], ns["peak_performance"], cs["performance"]
    rows = []
    for k, label in PERF_LABEL.items():
        rows.append(
            [label, num(p_ns[k]), num(pk_ns[k]), num(p_cs[k]), ratio(p_cs[k], p_ns[k]), ratio(p_cs[k], pk_ns[k])]
        )
    out += _table(["figure", "NS", "NS peak", "cs", "cs/NS", "cs/NS peak"], rows)
    return "\n".join(out) + "\n"


def overview(results: dict) -> str:
    """One line per run: the headline ratios cs/NS."""
    rows = []
    for run_id, (cs, ns) in results.items():
        rows.append(
            [
                run_id.split("_", 1)[0],
                ratio(cs["area_um2"]["total"], ns["area_um2"]["total"]),
                ratio(cs["latency_ns"]["fw"], ns["latency_ns"]["fw"]),
                ratio(cs["latency_ns"]["total"], ns["latency_ns"]["total"]),
                ratio(cs["energy_nj"]["fw"], ns["energy_nj"]["fw"]),
                ratio(cs["energy_nj"]["total"], ns["energy_nj"]["total"]),
                ratio(cs["performance"]["training_tops_per_w"], ns["performance"]["training_tops_per_w"]),
                ratio(cs["performance"]["leakage_uw"], ns["performance"]["leakage_uw"]),
            ]
        )
    head = ["run", "area", "latency FW", "latency total", "energy FW", "energy total", "training TOPS/W", "leakage"]
    return "\n".join(["## Overview (cs/NS)", "", *_table(head, rows)]) + "\n"


def rounded(x):
    """`x` with every float rounded to 4 significant figures (recursively)."""
    if isinstance(x, float):
        return float(f"{x:.4g}")
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rounded(v) for v in x]
    return x


def main(argv: list[str] | None = None) -> int:
    t0 = time.process_time()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", default=None, help="comma-separated run ids or letters (default: all)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="write every cyclesim figure here")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override every run's workload, e.g. --set precision.gradient=12")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default="derived",
                   help="neurosim: NeuroSim's own chip and words (a full-layer WGU, 12-bit gradient words in "
                        "DRAM, no momentum state); derived: cyclesim's consistent chip (default)")  # fmt: skip
    args = p.parse_args(argv)
    args.overrides = [*PROFILES[args.profile], *args.overrides]
    try:
        runs = [resolve(r.strip()) for r in args.runs.split(",") if r.strip()] if args.runs else list(reference())
        workloads = {run: build(run, args.overrides) for run in runs}
    except (KeyError, ConfigError) as exc:
        p.error(str(exc).strip("'\""))
    results = {}
    for run, wl in workloads.items():
        results[run] = (cyclesim_figures(wl), neurosim_figures(run))
        print(render(run, *results[run]))
    print(overview(results))
    if args.overrides:
        print(f"Overrides: {' '.join(args.overrides)}\n")
    if args.json is not None:
        doc = {
            "profile": args.profile,
            "overrides": list(args.overrides),
            "images_per_epoch_neurosim": IMAGES_PER_EPOCH,
            "units": "per image: latency ns, energy nJ; area um^2; leakage uW",
            "runs": {run: rounded(cs) for run, (cs, _ns) in results.items()},
        }
        args.json.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"cyclesim figures written to {args.json}")
    print(f"Run time: {time.process_time() - t0:.1f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
