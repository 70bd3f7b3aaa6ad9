"""Tests of Result.performance (NeuroSim's throughput, TOPS/W and leakage figures) and where they are
shown: results.json, the summary panel and `compare`."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from cyclesim import Network, Training, Workload, runner
from cyclesim.report import compare, console
from cyclesim.result import Result, forward_end

BATCH = 10
MACS = 784 * 256 + 256 * 256 + 256 * 10  # 268,800: NeuroSim's run A network


def workload(**changes) -> Workload:
    """NeuroSim's run A network on a few synthetic images; DRTP learns during the forward pass."""
    args = {
        "name": "perf",
        "rule": "drtp",
        "network": Network(sizes=(784, 256, 256, 10)),
        "dataset": "synthetic",
        "training": Training(epochs=0, batch_size=BATCH, train_limit=2 * BATCH, test_limit=BATCH),
        **changes,
    }
    return Workload(**args)


@pytest.fixture(scope="module")
def result() -> Result:
    return runner.run(workload())


def test_training_throughput_is_the_batch_over_the_iteration(result):
    perf = result.performance()
    assert perf["training_images_per_s"] == pytest.approx(BATCH / result.latency()["iteration_s"], rel=1e-12)


def test_the_forward_pass_ends_with_its_last_fw_interval(result):
    it = result.last_iteration
    perf = result.performance()
    end = forward_end(it)
    assert perf["forward_s"] == pytest.approx(end / it.clock_hz, rel=1e-12)
    assert perf["inference_images_per_s"] == pytest.approx(BATCH / perf["forward_s"], rel=1e-12)
    assert 0 < perf["forward_s"] <= result.latency()["iteration_s"]
    assert perf["inference_images_per_s"] >= perf["training_images_per_s"]
    # DRTP learns while the forward pass runs: the equal-share fw time is shorter than the pass.
    assert it.phase_time()["fw"] < end


def test_operation_counts_are_neurosims(result):
    perf = result.performance()
    assert result.macs_per_image() == MACS == 268_800
    assert perf["ops_per_image_training"] == 6 * 268_800
    assert perf["ops_per_image_inference"] == 2 * 268_800
    # NeuroSim run A: TOPS x epoch latency = training operations of an epoch of 50,000 images.
    neurosim_ops = 0.0185375e12 * 4.3501
    assert perf["ops_per_image_training"] * 50_000 == pytest.approx(neurosim_ops, rel=1e-6)


def test_training_tops_per_w_uses_the_iteration_energy(result):
    perf = result.performance()
    joules = result.energy()["iteration_j"]
    assert perf["training_tops_per_w"] == pytest.approx(6 * MACS * BATCH / joules / 1e12, rel=1e-12)


def test_inference_energy_leaves_out_dram(result):
    it = result.last_iteration
    table = it.probe.energy_table()
    assert table.get(("dram", "fw"), 0.0) > 0  # training's forward pass keeps its inputs in DRAM
    seconds = forward_end(it) / it.clock_hz
    on_chip = sum(j for (comp, phase), j in table.items() if phase == "fw" and comp != "dram")
    expected = on_chip + it.leakage_w * seconds
    with_dram = expected + table["dram", "fw"]
    perf = result.performance()
    assert perf["forward_j"] == pytest.approx(expected, rel=1e-12)
    assert perf["inference_tops_per_w"] == pytest.approx(2 * MACS * BATCH / expected / 1e12, rel=1e-12)
    assert perf["inference_tops_per_w"] > 2 * MACS * BATCH / with_dram / 1e12 * (1 + 1e-6)


def test_leakage_power_is_the_iterations_mean(result):
    assert result.performance()["leakage_w"] == pytest.approx(result.last_iteration.leakage_w, rel=1e-12)
    assert result.performance()["leakage_w"] > 0


def test_none_without_simulated_iterations():
    assert Result(workload()).performance() is None
    ideal = runner.run(workload(name="ideal", mode="ideal"))
    assert ideal.simulated == [] and ideal.performance() is None
    assert ideal.to_json()["performance"] is None


def test_results_json_has_the_block_after_energy(result):
    doc = json.loads(json.dumps(result.to_json()))
    keys = list(doc)
    assert keys.index("performance") == keys.index("energy") + 1
    assert doc["performance"] == pytest.approx(result.performance(), rel=1e-12)


def test_the_summary_panel_shows_the_figures(result):
    con = Console(width=300, record=True, color_system=None)
    con.print(console.headline(result))
    lines = [line for line in con.export_text().splitlines() if "throughput:" in line]
    assert len(lines) == 1
    perf = result.performance()
    line = lines[0]
    assert f"{perf['training_images_per_s']:,.0f} training images/s" in line
    assert f"{perf['inference_images_per_s']:,.0f} inference images/s" in line
    assert "TOPS/W (training / inference)" in line and "leakage" in line and "µW" in line


def test_the_summary_panel_has_no_throughput_without_the_engine():
    con = Console(width=300, record=True, color_system=None)
    con.print(console.headline(runner.run(workload(name="ideal", mode="ideal"))))
    assert "throughput" not in con.export_text()


def test_compare_lists_the_figures(result, tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(result.to_json()), encoding="utf-8")
    doc = compare.load_results(path)
    rows = {(section, item): (va, vb) for section, item, va, vb in compare.rows(doc, doc)}
    perf = result.performance()
    assert rows["throughput images/s", "training"][0] == pytest.approx(perf["training_images_per_s"])
    assert rows["throughput images/s", "inference"][0] == pytest.approx(perf["inference_images_per_s"])
    assert rows["efficiency TOPS/W", "training"][0] == pytest.approx(perf["training_tops_per_w"])
    assert rows["efficiency TOPS/W", "inference"][0] == pytest.approx(perf["inference_tops_per_w"])
    assert rows["power µW", "leakage"][0] == pytest.approx(perf["leakage_w"] * 1e6)
    # a results.json written before `performance` existed still compares, without those rows
    older = {k: v for k, v in doc.items() if k != "performance"}
    assert not any(section == "power µW" for section, *_ in compare.rows(older, doc))


def test_compare_refuses_a_malformed_performance_block(result, tmp_path):
    from cyclesim.errors import ConfigError

    doc = result.to_json()
    doc["performance"]["training_tops_per_w"] = "fast"
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match="performance.training_tops_per_w"):
        compare.load_results(path)
