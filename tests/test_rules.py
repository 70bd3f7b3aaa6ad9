"""Tests of cyclesim.rules: the built-in rules' declarations, a rule written in a workload file run
through every mode, the engine, compare and the timeline, and every malformed rule refused in one
line before any work."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cyclesim import Chip, Network, Training, Workload, cli, layers, rules
from cyclesim.rules import Rule, Signal
from cyclesim.rules import base as rule_base
from cyclesim.workload import load

ROOT = Path(__file__).resolve().parents[1]
SPARSE = ROOT / "workloads" / "sparse_dfa.py"
SIZES = (784, 256, 128, 64, 10)
GEOMETRY = layers.geometry(layers.dense(SIZES), SIZES[:1])
KINDS = GEOMETRY.kinds
TINY = [
    "--set",
    "dataset=synthetic",
    "--set",
    "training.epochs=1",
    "--set",
    "training.train_limit=200",
    "--set",
    "training.test_limit=100",
    "--set",
    "training.batch_size=50",
    "--set",
    "network.sizes=784,48,32,10",
]


@pytest.mark.parametrize(
    "name, vias, sources",
    [
        ("bp", {"transposed"}, [1, 2, 3]),
        ("dfa", {"feedback"}, ["error"] * 3),
        ("fa", {"feedback"}, [1, 2, 3]),
        ("drtp", {"feedback"}, ["target"] * 3),
        ("sign_symmetry", {"sign_transposed"}, [1, 2, 3]),
    ],
)
def test_built_in_declarations(name, vias, sources):
    sigs = rule_base.signals(rules.get(name), KINDS)
    assert [s.layer for s in sigs] == [0, 1, 2]
    assert {s.via for s in sigs} == vias and [s.source for s in sigs] == sources


def test_chains_follow_the_dependencies():
    def chain(name):
        return [[s.layer for s in c] for c in rule_base.chains(rule_base.signals(rules.get(name), KINDS), 4)]

    assert chain("bp") == chain("fa") == chain("sign_symmetry") == [[2, 1, 0]]  # sequential from the top
    assert chain("dfa") == chain("drtp") == [[0], [1], [2]]  # every layer on its own


def test_hardware_follows_from_the_declaration():
    sigs = {n: rule_base.signals(rules.get(n), KINDS) for n in rules.NAMES}
    assert [n for n in rules.NAMES if rule_base.needs_transposable(sigs[n])] == ["bp"]
    assert rule_base.feedback_shapes(sigs["fa"], GEOMETRY) == {0: (128, 256), 1: (64, 128), 2: (10, 64)}
    assert rule_base.feedback_shapes(sigs["drtp"], GEOMETRY) == {0: (10, 256), 1: (10, 128), 2: (10, 64)}
    assert rule_base.sign_bits(sigs["sign_symmetry"], GEOMETRY) == 256 * 128 + 128 * 64 + 64 * 10


def test_readme_shows_the_user_rule_file_as_it_is():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(\"\"\"A learning rule written in a workload file.*?)```", readme, re.S).group(1)
    assert block == SPARSE.read_text(encoding="utf-8")
    assert len(block.splitlines()) <= 40


def test_user_rule_feedback_is_sparse():
    wl = load(SPARSE)
    rng = np.random.default_rng(0)
    b = wl.rule_object.feedback_matrix(rng, 100, 200)
    assert 0.2 < np.mean(b != 0) < 0.3 and np.abs(b).max() <= 1


@pytest.mark.parametrize("mode", ["ideal", "quantized", "hardware"])
def test_user_rule_runs_in_every_mode(tmp_path, capsys, mode):
    out = tmp_path / mode
    assert cli.main([str(SPARSE), *TINY, "--set", f"mode={mode}", "--quiet", "--out", str(out)]) == 0
    doc = json.loads((out / "results.json").read_text())
    assert doc["status"] == "complete" and doc["config"]["rule"] == "sparse_dfa"
    assert (doc["latency"] is not None) == (mode == "hardware")
    assert doc["floorplan"]["feedback_store"] == "sram" and doc["floorplan"]["wgu"] == "per_layer"


def test_user_rule_timeline_and_compare(tmp_path, capsys):
    assert cli.main([str(SPARSE), *TINY, "--set", "training.epochs=0", "--timeline", "--out", str(tmp_path / "a")]) == 0
    assert "SPARSE_DFA" in capsys.readouterr().out
    dfa = ROOT / "workloads" / "dfa_3layer.py"
    assert cli.main(["compare", str(SPARSE), str(dfa), *TINY, "--out", str(tmp_path / "c")]) == 0
    assert "final test" in capsys.readouterr().out


class NoSignal(Rule):
    name = "nosignal"


class Circle(Rule):
    name = "circle"

    def signal(self, layer, layers):  # layer 0 waits for layer 1, layer 1 for layer 0
        return Signal(layer, source=1 - layer, via="feedback")


class WrongSource(Rule):
    name = "wrong"

    def signal(self, layer, layers):  # W_{l+1}^T needs delta_{l+1}, not the target
        return Signal(layer, source="target", via="transposed")


class Nowhere(Rule):
    name = "nowhere"

    def signal(self, layer, layers):
        return Signal(layer, source=7, via="feedback")


class Nameless(Rule):
    def signal(self, layer, layers):
        return Signal(layer, source="error", via="feedback")


@pytest.mark.parametrize(
    "rule, needle",
    [
        (NoSignal(), "defines no `signal(layer, layers)`"),
        (Circle(), "wait for each other in a circle"),
        (WrongSource(), "its source must be the delta of layer 1"),
        (Nowhere(), "the delta of layer 7, which does not exist"),
        (Nameless(), "needs a `name`"),
    ],
)
def test_malformed_rule_is_refused_when_the_workload_is_built(rule, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        Workload(rule=rule, network=Network(sizes=(784, 32, 32, 10)))


def test_malformed_rule_in_a_workload_file_is_one_error_line(tmp_path, capsys):
    path = tmp_path / "bad.py"
    path.write_text(
        "from cyclesim import Workload\nfrom cyclesim.rules import Rule, Signal\n\n"
        "class Circle(Rule):\n    name = 'circle'\n\n    def signal(self, layer, layers):\n"
        "        return Signal(layer, source=1 - layer, via='feedback')\n\n"
        "workload = Workload(rule=Circle())\n",
        encoding="utf-8",
    )
    assert cli.main([str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "in a circle" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "sets, needle",
    [
        (["rule=hebbian"], "workload.rule must be one of bp, dfa, fa, drtp, sign_symmetry"),
        (["rule=bp", "chip.feedback_store=sram"], "rule bp uses no feedback matrices"),
        (["rule=sign_symmetry", "chip.feedback_store=rram"], "keeps sign(W) in its SRAM sign store"),
        (["chip.provision=shared"], "chip.provision must be one of tailored, iso"),
    ],
)
def test_bad_rule_settings_are_one_error_line(tmp_path, capsys, sets, needle):
    argv = [str(ROOT / "workloads" / "dfa_3layer.py"), "--out", str(tmp_path / "out")]
    for s in sets:
        argv += ["--set", s]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and needle in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", rules.NAMES)
def test_every_rule_by_name_through_the_cli(tmp_path, capsys, name):
    out = tmp_path / name
    assert (
        cli.main(
            [str(ROOT / "workloads" / "dfa_3layer.py"), *TINY, "--set", f"rule={name}", "--quiet", "--out", str(out)]
        )
        == 0
    )
    doc = json.loads((out / "results.json").read_text())
    assert doc["config"]["rule"] == name and doc["latency"]["iteration_s"] > 0


def test_iso_chip_differs_from_tailored_only_in_the_periphery():
    tailored = Workload(rule="bp", network=Network(sizes=(784, 64, 10)))
    iso = Workload(rule="bp", network=Network(sizes=(784, 64, 10)), chip=Chip(provision="iso"))
    assert (tailored.wgu, iso.wgu) == ("shared", "per_layer")
    assert Training() == tailored.training == iso.training


def test_one_rule_for_the_convolutions_and_another_for_the_dense_layers():
    """conv:bp,dense:dfa (Crafton et al. 2019): BP's transposed reads through the convolutions, DFA's
    projections of the error onto the dense layers; the chip is DFA's."""
    rule = rules.get("conv:bp,dense:dfa")
    assert isinstance(rule, rules.ByLayerType) and rule.name == "conv:bp,dense:dfa"
    sigs = rule_base.signals(rule, ("conv", "conv", "dense", "dense", "dense"))
    assert [(s.source, s.via) for s in sigs] == [
        (1, "transposed"),
        (2, "transposed"),
        ("error", "feedback"),
        ("error", "feedback"),
    ]
    assert (rule.default_wgu, rule.default_feedback_store) == (rules.DFA.default_wgu, rules.DFA.default_feedback_store)
    assert rule == rules.get("conv:bp,dense:dfa") and len({rule, rules.get("conv:bp,dense:dfa")}) == 1
    wl = Workload(rule="conv:bp,dense:dfa")  # on an MLP every layer is dense: DFA
    assert [s.via for s in wl.signals] == ["feedback", "feedback"]


@pytest.mark.parametrize("name", ["conv:bp,dense:xx", "conv:bp", "conv:bp,dense:dfa,extra:fa", "dense:dfa,conv:bp"])
def test_unknown_rule_pairs_are_refused(name):
    with pytest.raises(ValueError, match="conv:<rule>,dense:<rule>"):
        Workload(rule=name)
