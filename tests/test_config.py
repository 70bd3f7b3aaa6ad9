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

    assert all(attrs.asdict(wl.effects).values())  # every nonideality on in hardware mode


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


def test_layers():
    assert Network(sizes=(784, 256, 256, 10)).layers == 3


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
