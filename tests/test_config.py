"""Tests of cyclesim.config: NeuroSim V2.0 defaults, immutability, validation, derived settings."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import attrs
import pytest

try:
    import cyclesim  # noqa: F401
except ModuleNotFoundError:  # not installed: run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cyclesim import tech
from cyclesim.config import (
    Chip,
    Device,
    Effects,
    Network,
    Precision,
    Sim,
    Training,
    Workload,
    to_dict,
)
from cyclesim.errors import TechError, UserError
from cyclesim.layers import AvgPool2d, Conv2d, Dense, Flatten, MaxPool2d

# ----------------------------------------------------------------------------------------------
# Defaults: DNN+NeuroSim V2.0's training baseline


def test_defaults_are_the_neurosim_v2_baseline():
    wl = Workload()
    assert wl.network.sizes == (784, 256, 256, 10)
    assert wl.rule == "dfa" and wl.dataset == "mnist" and wl.mode == "hardware"

    p = wl.precision
    assert (p.weight, p.gradient, p.activation, p.error) == (5, 5, 8, 8)

    c = wl.chip
    assert c.subarray == 128
    assert c.adc_bits == 5
    assert c.cols_per_adc == 8
    assert c.node == "32nm"
    assert c.clock_hz == 1e9

    t = wl.training
    assert t.batch_size == 200
    assert t.momentum == 0.9
    assert t.loss == "sse"
    assert t.train_limit is None and t.test_limit is None

    d = wl.device
    assert d.name == "rram_neurosim"
    assert d.levels == 32
    assert d.on_off_ratio == 10.0
    assert (d.nl_ltp, d.nl_ltd) == (1.75, 1.46)
    assert d.c2c == 0.003
    assert d.d2d == 0.0 and d.nl_d2d == 0.0
    assert d.r_on_ohm == 100e3

    effects = attrs.asdict(wl.effects)
    assert effects.pop("ir_drop") is False  # NeuroSim V2's training wrapper models no IR drop
    assert all(effects.values())  # every other nonideality on in hardware mode


def test_default_device_matches_its_preset():
    assert Device.preset("rram_neurosim") == Device()


def test_device_preset_matches_tech_file():
    rec = tech.device("rram_neurosim")
    d = Device.preset("rram_neurosim")
    assert d.name == "rram_neurosim"
    assert set(rec.fields) == {f.name for f in attrs.fields(Device)} - {
        "name",
        "retention_tau_s",
        "retention_interval_s",
        "curve",  # a parametric device: no curve table
    }
    for name, value in rec.fields.items():
        assert getattr(d, name) == value, name


def test_device_preset_overrides():
    d = Device.preset("rram_neurosim", c2c=0.01, levels=64)
    assert d.c2c == 0.01 and d.levels == 64 and d.nl_ltp == 1.75


def test_unknown_device_preset_raises_tech_error():
    with pytest.raises(TechError, match="no_such_device"):
        Device.preset("no_such_device")
    assert issubclass(TechError, UserError)


# ----------------------------------------------------------------------------------------------
# Immutability


@pytest.mark.parametrize(
    "obj, name, value",
    [
        (Workload(), "rule", "bp"),
        (Workload(), "chip", Chip()),
        (Network(), "sizes", (784, 10)),
        (Training(), "lr", 0.5),
        (Precision(), "weight", 4),
        (Device(), "c2c", 0.0),
        (Chip(), "adc_bits", 3),
        (Effects(), "adc", False),
        (Sim(), "dataflow", "pipelined"),
    ],
)
def test_configs_are_frozen(obj, name, value):
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(obj, name, value)


def test_nested_config_is_frozen_and_evolve_makes_a_copy():
    wl = Workload()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        wl.chip.adc_bits = 3
    other = attrs.evolve(wl, chip=attrs.evolve(wl.chip, adc_bits=3))
    assert other.chip.adc_bits == 3 and wl.chip.adc_bits == 5


def test_sizes_list_becomes_tuple():
    assert Network(sizes=[784, 64, 10]).sizes == (784, 64, 10)


# ----------------------------------------------------------------------------------------------
# Validation: ValueError naming the field


@pytest.mark.parametrize(
    "build, field_name",
    [
        (lambda: Network(sizes=(784, 0, 10)), "network.sizes"),
        (lambda: Network(sizes=(784, -5, 10)), "network.sizes"),
        (lambda: Network(sizes=(784,)), "network.sizes"),
        (lambda: Network(sizes=()), "network.sizes"),
        (lambda: Network(sizes=(784, 2.5, 10)), "network.sizes"),
        (lambda: Workload(network=Network(sizes=(100, 32, 10))), "network.sizes"),
        (lambda: Workload(network=Network(sizes=(784, 32, 7))), "network.sizes"),
        (lambda: Chip(adc_bits=0), "chip.adc_bits"),
        (lambda: Chip(adc_bits=13), "chip.adc_bits"),
        (lambda: Precision(weight=17), "precision.weight"),
        (lambda: Precision(gradient=17), "precision.gradient"),
        (lambda: Precision(activation=17), "precision.activation"),
        (lambda: Precision(error=17), "precision.error"),
        (lambda: Workload(mode="analog"), "workload.mode"),
        (lambda: Workload(rule="hebbian"), "workload.rule"),
        (lambda: Workload(dataset="cifar"), "workload.dataset"),
        (lambda: Training(loss="mse"), "training.loss"),
        (lambda: Training(lr=0.0), "training.lr"),
        (lambda: Training(lr=float("nan")), "training.lr"),
        (lambda: Training(batch_size=0), "training.batch_size"),
        (lambda: Training(train_limit=0), "training.train_limit"),
        (lambda: Training(epochs=True), "training.epochs"),
        (lambda: Chip(subarray=64, cols_per_adc=128), "chip.cols_per_adc"),
        (lambda: Device(levels=1), "device.levels"),
        (lambda: Device(on_off_ratio=1.0), "device.on_off_ratio"),
    ],
)
def test_invalid_values_raise_value_error_naming_the_field(build, field_name):
    with pytest.raises(ValueError) as info:
        build()
    message = str(info.value)
    assert field_name in message
    assert "\n" not in message


def test_network_sizes_messages_say_what_is_wrong():
    with pytest.raises(ValueError, match="at least two"):
        Network(sizes=(784,))
    with pytest.raises(ValueError, match="positive"):
        Network(sizes=(784, 0, 10))
    with pytest.raises(ValueError, match="784"):
        Workload(network=Network(sizes=(100, 10)))
    with pytest.raises(ValueError, match="10 outputs"):
        Workload(network=Network(sizes=(784, 32, 9)))


def test_cols_per_adc_may_equal_subarray():
    assert Chip(subarray=64, cols_per_adc=64).cols_per_adc == 64


def test_weight_precision_needs_enough_device_levels():
    with pytest.raises(ValueError) as info:
        Workload(precision=Precision(weight=6))  # 64 levels on a 32-level device
    message = str(info.value)
    assert "precision.weight" in message
    assert "64" in message and "32" in message
    assert "device.levels" in message  # says how to fix it
    # the fixes it names both work
    assert Workload(precision=Precision(weight=6), device=Device(levels=64)).precision.weight == 6
    assert Workload(precision=Precision(weight=4)).precision.weight == 4


# ----------------------------------------------------------------------------------------------
# Derived settings


@pytest.mark.parametrize(
    "rule, wgu, store, want_wgu, want_store",
    [
        ("bp", "auto", "auto", "shared", "none"),
        ("dfa", "auto", "auto", "per_layer", "sram"),
        ("bp", "per_layer", "auto", "per_layer", "none"),
        ("dfa", "shared", "sram", "shared", "sram"),
        ("dfa", "auto", "rram", "per_layer", "rram"),
        ("fa", "auto", "auto", "shared", "rram"),
        ("fa", "auto", "sram", "shared", "sram"),
        ("drtp", "auto", "auto", "per_layer", "sram"),
        ("sign_symmetry", "auto", "auto", "shared", "none"),
    ],
)
def test_wgu_and_feedback_store_resolution(rule, wgu, store, want_wgu, want_store):
    wl = Workload(rule=rule, chip=Chip(wgu=wgu, feedback_store=store))
    assert wl.wgu == want_wgu
    assert wl.feedback_store == want_store


@pytest.mark.parametrize("rule", ["bp", "dfa", "fa", "drtp", "sign_symmetry"])
def test_iso_provision_gives_every_rule_the_same_periphery(rule):
    wl = Workload(rule=rule, chip=Chip(provision="iso"))
    assert wl.wgu == "per_layer"
    assert wl.feedback_store in ("none", "sram")
    assert Workload(rule=rule, chip=Chip(provision="iso", wgu="shared")).wgu == "shared"


@pytest.mark.parametrize(
    "rule, needle", [("bp", "bp uses no feedback matrices"), ("sign_symmetry", "keeps sign(W) in its SRAM sign store")]
)
def test_feedback_store_that_does_not_apply_is_an_error(rule, needle):
    with pytest.raises(ValueError, match=re.escape(needle) + ".*chip.feedback_store does not apply"):
        Workload(rule=rule, chip=Chip(feedback_store="rram"))


def test_sizes_are_dense_layers():
    wl = Workload(network=Network(sizes=(784, 256, 256, 10)))
    assert wl.geometry.layers == 3
    assert wl.geometry.units == (784, 256, 256, 10)
    assert Network(sizes=(784, 256, 10)).layer_objects == (Dense(256), Dense(10))


def test_network_layers_on_the_dataset_images():
    lenet = (Conv2d(6, 5, padding=2), MaxPool2d(2), Conv2d(16, 5), AvgPool2d(2), Flatten(), Dense(84), Dense(10))
    wl = Workload(network=Network(layers=lenet))
    assert [(s.rows, s.cols, s.positions) for s in wl.geometry.stages] == [
        (25, 6, 784),
        (150, 16, 100),
        (400, 84, 1),
        (84, 10, 1),
    ]
    assert wl.geometry.units == (784, 6 * 28 * 28, 16 * 10 * 10, 84, 10)
    doc = to_dict(wl)["network"]
    assert "sizes" not in doc and doc["layers"][0] == {
        "type": "Conv2d",
        "out_channels": 6,
        "kernel": 5,
        "stride": 1,
        "padding": 2,
    }
    assert "layers" not in to_dict(Workload())["network"]  # an MLP's document is unchanged


@pytest.mark.parametrize(
    ("network", "dataset", "needle"),
    [
        (
            Network(layers=(Conv2d(4, 5), Flatten(), Conv2d(3, 3), Dense(10))),
            "mnist",
            "layer 3 (Conv2d(3, 3)): Conv2d needs (channels, height, width) inputs",
        ),
        (
            Network(layers=(Conv2d(4, 29), Flatten(), Dense(10))),
            "mnist",
            "layer 1 (Conv2d(4, 29)): Conv2d's 29x29 kernel is larger than its 28x28 input",
        ),
        (
            Network(layers=(Conv2d(4, 3), Dense(10))),
            "mnist",
            "layer 2 (Dense(10)): Dense needs flat inputs but gets a 4x26x26 feature map: put Flatten() before it",
        ),
        (
            Network(layers=(Conv2d(4, 3), *[MaxPool2d(2)] * 5, Flatten(), Dense(10))),
            "mnist",
            "layer 6 (MaxPool2d(2)): MaxPool2d's 2x2 window is larger than its 1x1 input",
        ),
        (Network(layers=(Flatten(), Dense(64), Dense(12))), "mnist", "must end with Dense(10), 10 outputs"),
        (
            Network(layers=(Flatten(), Dense(64), Dense(10), Flatten())),
            "mnist",
            "the last layer (Flatten()) has no weights",
        ),
        (
            Network(layers=(Conv2d(4, 3), Flatten(), Dense(10)), input_shape=(1, 28, 28)),
            "cifar10",
            "network.input_shape (1, 28, 28) does not match cifar10's 32x32x3 images",
        ),
        (
            Network(sizes=(784, 10)),
            "cifar10",
            "network.sizes must start with 3072 inputs for cifar10 (32x32x3 images), got 784",
        ),
    ],
)
def test_impossible_networks_name_the_layer(network, dataset, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        Workload(network=network, dataset=dataset)


def test_pipelined_dataflow_is_for_dense_layers():
    with pytest.raises(ValueError, match="use sim.dataflow layer_sequential with Conv2d layers"):
        Workload(network=Network(layers=(Conv2d(4, 3), Flatten(), Dense(10))), sim=Sim(dataflow="pipelined"))


def test_a_network_is_given_one_way():
    with pytest.raises(ValueError, match="both given"):
        Network(sizes=(784, 10), layers=(Flatten(), Dense(10)))
    with pytest.raises(ValueError, match="entry 2 is 'relu', not a layer"):
        Network(layers=(Flatten(), "relu", Dense(10)))
    with pytest.raises(ValueError, match="Conv2d.kernel must be an integer from 1 to 64"):
        Conv2d(4, 0)


def test_the_synthetic_set_takes_the_networks_input_shape():
    wl = Workload(
        dataset="synthetic", network=Network(layers=(Conv2d(8, 3), Flatten(), Dense(10)), input_shape=(3, 16, 16))
    )
    assert wl.image_shape == (3, 16, 16)
    assert wl.geometry.stages[0].rows == 27


def test_to_dict_is_json_serialisable():
    d = to_dict(Workload(training=Training(train_limit=100)))
    back = json.loads(json.dumps(d))
    assert back["network"]["sizes"] == [784, 256, 256, 10]
    assert back["training"]["train_limit"] == 100
    assert back["device"]["retention_tau_s"] is None
    assert back["chip"]["adc_bits"] == 5
    assert back["effects"]["c2c"] is True
    assert set(back) == {f.name for f in attrs.fields(Workload)}


def test_to_dict_gives_plain_data_with_lists_for_tuples():
    """As its docstring says: tuples become lists, so a JSON round trip changes nothing."""
    d = to_dict(Workload())
    assert isinstance(d["network"]["sizes"], list)
    assert json.loads(json.dumps(d)) == d


# ----------------------------------------------------------------------------------------------
# The shape of the whole configuration (issue 16): sections, field types, names, physical ranges

ROOT = Path(__file__).resolve().parents[1]
DFA = str(ROOT / "workloads" / "dfa_3layer.py")
TINY = [
    *("--set", "dataset=synthetic", "--set", "training.epochs=1", "--set", "training.train_limit=400"),
    *("--set", "training.test_limit=200", "--set", "network.sizes=784,32,10", "--set", "training.batch_size=50"),
]
"""A run of about a second on the synthetic set (as tests/test_cli.py's TINY)."""

SECTIONS = {"network": Network, "training": Training, "precision": Precision, "device": Device, "chip": Chip}
SECTIONS.update(effects=Effects, sim=Sim)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A private folder for the CLI (default outputs go to ./runs), no downloads, a private cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CYCLESIM_NO_DOWNLOAD", "1")
    monkeypatch.setenv("CYCLESIM_CACHE", str(tmp_path / "cache"))
    return tmp_path


def cli_error(capsys, argv) -> str:
    """`python -m cyclesim ARGV` in-process: exit 2, exactly one stderr line `error: ...`, no traceback."""
    from cyclesim import cli

    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in out + err
    return lines[0]


def one_line_value_error(build) -> str:
    with pytest.raises(ValueError) as info:
        build()
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 600, message
    return message


@pytest.mark.parametrize("section", sorted(SECTIONS))
@pytest.mark.parametrize("value", [None, "abc", 3, Workload, {}])
def test_every_section_must_be_its_class(section, value):
    msg = one_line_value_error(lambda: Workload(**{section: value}))
    assert f"workload.{section} must be a cyclesim.{SECTIONS[section].__name__}" in msg


def test_a_section_of_the_wrong_class_is_refused():
    msg = one_line_value_error(lambda: Workload(chip=Training()))
    assert "workload.chip" in msg and "Training" in msg


@pytest.mark.parametrize("field_name", [f.name for f in attrs.fields(Effects)])
@pytest.mark.parametrize("value", ["false", "true", None, 0, 1, 1.0, "", [True]])
def test_effects_must_be_real_bools(field_name, value):
    msg = one_line_value_error(lambda: Effects(**{field_name: value}))
    assert f"effects.{field_name} must be True or False" in msg


def test_effects_accept_bools():
    assert Effects(adc=False, c2c=True).adc is False


@pytest.mark.parametrize(
    "build, where",
    [
        (lambda v: Workload(name=v), "workload.name"),
        (lambda v: Device(name=v), "device.name"),
        (lambda v: Chip(node=v), "chip.node"),
        (lambda v: Chip(dram=v), "chip.dram"),
    ],
)
@pytest.mark.parametrize(
    "value, problem",
    [
        ("a\x00b", "control character"),
        ("tab\there", "control character"),
        ("two\nlines", "control character"),
        ("esc\x1b[31m", "control character"),
        ("del\x7f", "control character"),
        ("sep\u2028arator", "control character"),
        ("surrogate\udc80", "control character"),
        ("x" * 201, "at most 200"),
        ("é" * 101, "at most 200"),
        (None, "must be a string"),
        (5, "must be a string"),
        (b"bytes", "must be a string"),
    ],
)
def test_names_are_printable_strings(build, where, value, problem):
    msg = one_line_value_error(lambda: build(value))
    assert where in msg and problem in msg
    assert len(msg) < 400  # a long value is shortened
    assert "\x00" not in msg and "\x1b" not in msg


@pytest.mark.parametrize("name", ["a/b", "../escape", "back\\slash"])
def test_a_workload_name_names_a_folder_so_no_path_separators(name):
    assert "path separator" in one_line_value_error(lambda: Workload(name=name))
    assert Device(name=name).name == name  # a device's name is only a label


@pytest.mark.parametrize("name", ["dfa_3layer", "bp_c2c0.01", "bp_fashion-mnist_float", "ünï-模型 x", "x" * 200, ""])
def test_ordinary_names_are_accepted(name):
    assert Workload(name=name).name == name


def test_a_rule_object_name_is_checked_too():
    from cyclesim.rules import dfa

    class Odd(dfa.DFA):
        name = "odd\x00rule"

    assert "control character" in one_line_value_error(lambda: Workload(rule=Odd()))


def _numeric_fields():
    """(section class, field name) of every numeric field of every section (bools excluded)."""
    for cls in SECTIONS.values():
        for f in attrs.fields(attrs.resolve_types(cls)):
            if f.type in (int, float, int | None, float | None):
                yield cls, f.name


@pytest.mark.parametrize("cls, name", list(_numeric_fields()), ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("value", [1e300, 10**30, float("inf"), float("nan"), -1e300, True, "1", [1]])
def test_every_numeric_field_has_bounds_and_a_type(cls, name, value):
    msg = one_line_value_error(lambda: cls(**{name: value}))
    assert f"{cls.__name__.lower()}.{name}" in msg


@pytest.mark.parametrize(
    "sizes, needle",
    [
        ((784, 1 << 17, 10), "wider than 65,536"),
        ((784, *[16] * 100, 10), "at most 100"),
        ("784,32,10", "tuple of layer widths"),
        ((784, True, 10), "positive integers"),
    ],
)
def test_network_sizes_are_bounded(sizes, needle):
    assert needle in one_line_value_error(lambda: Network(sizes=sizes))


def test_device_limits_cover_every_numeric_device_field():
    numeric = {name for cls, name in _numeric_fields() if cls is Device}
    assert set(tech.DEVICE_LIMITS) == numeric
    assert set(tech.DEVICE_FIELDS.values()) <= numeric


@pytest.mark.parametrize("name", sorted(tech.DEVICE_LIMITS))
def test_device_limits_are_enforced_at_both_ends(name):
    limit = tech.DEVICE_LIMITS[name]
    below = limit.lo if limit.lo_open else (limit.lo - 1 if name == "levels" else limit.lo * 0.5 - 1e-3)
    above = limit.hi + 1 if name == "levels" else limit.hi * 2
    for bad in (below, above):
        if limit.zero_ok and bad == 0:
            continue
        msg = one_line_value_error(lambda bad=bad: Device(**{name: bad}))
        assert f"device.{name}" in msg and limit.describe() in msg
    assert getattr(Device(**{name: limit.hi}), name) == limit.hi


@pytest.mark.parametrize("name", tech.available("devices"))
def test_every_device_preset_lies_within_the_limits(name):
    for field_name, value in tech.device(name).fields.items():
        if field_name != "curve":  # a measured device's table, checked by tech.load_curve
            assert value in tech.DEVICE_LIMITS[field_name], (name, field_name, value)
    assert Device.preset(name).name == name


@pytest.mark.parametrize("nl, ok", [(0.0, True), (0.01, True), (9.0, True), (0.005, False), (1e-30, False)])
def test_nonlinearity_is_zero_or_within_neurosims_table(nl, ok):
    if ok:
        assert Device(nl_ltp=nl, nl_ltd=nl).nl_ltp == nl
    else:
        assert "0 or between 0.01 and 9" in one_line_value_error(lambda: Device(nl_ltp=nl))


@pytest.mark.parametrize(
    "assignment, needle",
    [
        ("device.nl_ltp=1e-30", "device.nl_ltp must be 0 or between 0.01 and 9"),
        ("device.read_v=1e300", "device.read_v must be between"),
        ("device.read_pulse_s=1e300", "device.read_pulse_s must be between"),
        ("device.read_pulse_s=1e10", "device.read_pulse_s must be between"),
        ("device.write_pulse_s=1e5", "device.write_pulse_s must be between"),
        ("device.r_on_ohm=1e-9", "device.r_on_ohm must be between"),
        ("device.retention_tau_s=inf", "device.retention_tau_s must be a finite number"),
        ("chip.clock_hz=nan", "chip.clock_hz must be a finite number"),
        ("effects.adc=maybe", "expected bool"),
        ("network.sizes=784,100000,10", "wider than 65,536"),
        ("training.train_limit=100000000000", "training.train_limit must be between"),
        ("name=" + "n" * 10_000, "at most 200"),
    ],
)
def test_extreme_values_end_in_one_error_line(capsys, isolated, assignment, needle):
    line = cli_error(capsys, [DFA, *TINY, "--set", assignment, "--out", isolated / "out"])
    assert needle in line and len(line) < 600
    assert not (isolated / "out").exists()  # refused before any work


@pytest.mark.parametrize(
    "source, needle",
    [
        ("Workload(chip=None)", "workload.chip must be a cyclesim.Chip"),
        ("Workload(training='abc')", "workload.training must be a cyclesim.Training"),
        ("Workload(effects=Effects(adc='false'))", "effects.adc must be True or False"),
        ("Workload(effects=Effects(adc=None))", "effects.adc must be True or False"),
        ("Workload(name='bad\\x00name')", "control character"),
        ("Workload(device=Device(read_pulse_s=1e300))", "device.read_pulse_s must be between"),
    ],
)
def test_malformed_workload_files_end_in_one_error_line(capsys, isolated, source, needle):
    path = isolated / "wl.py"
    path.write_text(f"from cyclesim import Device, Effects, Workload\nworkload = {source}\n", encoding="utf-8")
    line = cli_error(capsys, [path, "--out", isolated / "out"])
    assert str(path) in line and needle in line


# ----------------------------------------------------------------------------------------------
# Combinations with the data: a batch must fit the training examples there are


def test_a_batch_larger_than_the_training_set_is_refused():
    import numpy as np

    from cyclesim import data
    from cyclesim.errors import ConfigError
    from cyclesim.learn.train import Trainer

    ds = data.synthetic(0, 300, 50)
    for training, n in ((Training(batch_size=500), 300), (Training(batch_size=200, train_limit=100), 100)):
        wl = Workload(network=Network(sizes=(784, 16, 10)), dataset="synthetic", training=training)
        with pytest.raises(ConfigError) as info:
            Trainer(wl, ds, np.random.SeedSequence(0))
        msg = str(info.value)
        assert f"training.batch_size={training.batch_size}" in msg and f"at most {n}" in msg and "\n" not in msg
    ok = Workload(network=Network(sizes=(784, 16, 10)), training=Training(batch_size=300))
    assert Trainer(ok, ds, np.random.SeedSequence(0)).batches_per_epoch == 1  # exactly the set: one batch


@pytest.mark.parametrize(
    "extra, numbers",
    [
        (["--set", "training.train_limit=none", "--set", "training.batch_size=5000"], ("5000", "2000")),
        (["--set", "training.batch_size=401"], ("401", "400")),
        (["--set", "training.batch_size=401", "--set", "training.epochs=0"], ("401", "400")),
    ],
)
def test_a_batch_larger_than_the_training_set_ends_in_one_error_line(capsys, isolated, extra, numbers):
    line = cli_error(capsys, [DFA, *TINY, *extra, "--out", isolated / "out"])
    assert all(n in line for n in numbers) and "training.batch_size" in line


def test_in_a_sweep_a_batch_too_large_is_a_failed_point_not_a_result(capsys, isolated):
    import json

    from cyclesim import cli

    path = isolated / "sw.py"
    path.write_text(
        "import attrs\nfrom cyclesim import Network, Training, Workload\n"
        "base = Workload(network=Network(sizes=(784, 16, 10)), dataset='synthetic',\n"
        "                training=Training(epochs=1, batch_size=50, train_limit=100, test_limit=50))\n"
        "points = [base, attrs.evolve(base, name='big', training=attrs.evolve(base.training, batch_size=101))]\n",
        encoding="utf-8",
    )
    assert cli.main(["sweep", str(path), "--out", str(isolated / "sw")]) == 1
    capsys.readouterr()
    rows = json.loads((isolated / "sw" / "table.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in rows] == ["complete", "failed"]
    failed = [json.loads(p.read_text(encoding="utf-8")) for p in (isolated / "sw" / "points").glob("*.json")]
    errors = [r["error"] for r in failed if r["status"] == "failed"]
    assert len(errors) == 1 and "training.batch_size=101" in errors[0] and "100" in errors[0]


# ----------------------------------------------------------------------------------------------
# chip.floorplan and chip.duplication


def test_floorplan_and_duplication_defaults_and_choices():
    c = Chip()
    assert (c.floorplan, c.duplication) == ("fixed", None)
    for dup in (None, 1, 64, "fill", (4, 2, 1)):
        assert Chip(duplication=dup, floorplan="network").duplication == dup
    assert Chip(duplication=[4, 1]).duplication == (4, 1)  # as a JSON document gives it
    assert Chip(floorplan="network", subarray=4096, cols_per_adc=8).floorplan == "network"


@pytest.mark.parametrize(
    "build, needles",
    [
        (lambda: Chip(duplication=0), ["chip.duplication", "between 1 and 64"]),
        (lambda: Chip(duplication=65), ["chip.duplication", "between 1 and 64"]),
        (lambda: Chip(duplication=True), ["chip.duplication", "fill or None", "True"]),
        (lambda: Chip(duplication="full"), ["chip.duplication", "fill or None", "'full'"]),
        (lambda: Chip(duplication="2"), ["chip.duplication", "fill or None"]),
        (lambda: Chip(duplication=2.0), ["chip.duplication", "fill or None"]),
        (lambda: Chip(duplication=(4, 0, 1)), ["chip.duplication", "between 1 and 64"]),
        (lambda: Chip(duplication=(4, "fill")), ["chip.duplication", "one integer per weight layer"]),
        (lambda: Chip(duplication=()), ["chip.duplication", "one integer per weight layer"]),
        (
            lambda: Workload(network=Network(sizes=(784, 100, 10)), chip=Chip(duplication=(2, 1, 1))),
            ["chip.duplication gives 3 copy counts", "2 weight layers", "one count per weight layer"],
        ),
        (lambda: Chip(floorplan="auto"), ["chip.floorplan", "fixed, network", "'auto'"]),
        (lambda: Chip(floorplan=None), ["chip.floorplan", "fixed, network"]),
        (lambda: Chip(floorplan="network", subarray=96), ["chip.floorplan", "power of two", "96"]),
    ],
)
def test_floorplan_and_duplication_are_validated(build, needles):
    msg = one_line_value_error(build)
    assert all(n in msg for n in needles), msg


def test_the_engine_simulates_a_count_of_iterations_per_epoch_or_all():
    assert Sim(iterations_per_epoch="all").recorded(300) == 300 and Sim(iterations_per_epoch=5).recorded(3) == 3
    assert Sim(iterations_per_epoch=0).simulates is False and Sim(iterations_per_epoch="all").simulates
    for bad in ("some", True, 2.5, -1):
        with pytest.raises(ValueError, match="sim.iterations_per_epoch"):
            Sim(iterations_per_epoch=bad)


# ----------------------------------------------------------------------------------------------
# A measured device: device.curve


CURVE = "pulse,conductance_s,direction,cycle\n" + "".join(
    f"{p},{g},{d},0\n"
    for d, gs in (("ltp", (1e-6, 5e-6, 8e-6, 1e-5)), ("ltd", (1e-5, 6e-6, 3e-6, 1e-6)))
    for p, g in enumerate(gs)
)


@pytest.fixture
def curve_path(tmp_path):
    path = tmp_path / "measured.csv"
    path.write_text(CURVE, encoding="utf-8")
    return path


def test_device_with_curve_takes_the_tables_fields(curve_path):
    d = Device().with_curve(curve_path)
    assert d.name == "measured" and d.curve == str(curve_path)
    assert d.levels == 4 and d.r_on_ohm == pytest.approx(1e5) and d.on_off_ratio == pytest.approx(10.0)
    assert d.nl_ltp == d.nl_ltd == d.c2c == d.nl_d2d == 0.0
    assert d.read_v == Device().read_v and d.access_r_ohm == Device().access_r_ohm  # the rest is kept
    assert Device().with_curve(curve_path, name="x").name == "x"
    assert Device().curve is None


@pytest.mark.parametrize(
    "change, needle",
    [
        ({"c2c": 0.01}, "device.c2c=0.01 does not apply with device.curve"),
        ({"nl_ltp": 1.75}, "device.nl_ltp=1.75 does not apply"),
        ({"levels": 64}, "device.levels=64 disagrees with device.curve"),
        ({"on_off_ratio": 20.0}, "fixes it at 10"),
    ],
)
def test_device_fields_a_curve_fixes_cannot_be_changed(curve_path, change, needle):
    d = Device().with_curve(curve_path)
    message = one_line_value_error(lambda: attrs.evolve(d, **change))
    assert needle in message and "measured.csv" in message


def test_device_curve_must_load_and_agree(curve_path, tmp_path):
    message = one_line_value_error(lambda: Device(curve=str(curve_path)))
    assert "device.r_on_ohm" in message and "Device.with_curve" in message  # the defaults disagree
    assert "device.curve must be the path" in one_line_value_error(lambda: Device(curve=""))
    assert "device.curve must be the path" in one_line_value_error(lambda: Device(curve=3))
    with pytest.raises(TechError, match="cannot read"):
        Device(curve=str(tmp_path / "missing.csv"))


def test_weight_precision_checks_a_tables_levels(curve_path):
    """A table of 4 levels cannot hold 5-bit weights: the workload says so, naming device.levels."""
    message = one_line_value_error(lambda: Workload(device=Device().with_curve(curve_path)))
    assert "device.levels" in message and "measured" in message


def test_measured_presets_are_devices():
    d = Device.preset("enode")
    assert d.curve.endswith("enode.csv") and d.levels == 218 and d.c2c == 0.0
    assert Workload(device=d).device is d
