"""Full-dataset accuracy targets of the foundation issue (slow: run with `-m slow`)."""

import os

import pytest

import cyclesim
from cyclesim import workload as workload_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("CYCLESIM_DATA"), reason="needs CYCLESIM_DATA with MNIST"),
]


def final(rule, **overrides):
    wl = workload_file.load(os.path.join(ROOT, "workloads", f"{rule}_3layer.py"))
    wl = workload_file.apply(wl, [f"{k.replace('__', '.')}={v}" for k, v in overrides.items()])
    return cyclesim.run(wl).accuracy()["final_test"]


@pytest.mark.parametrize("rule, target", [("bp", 0.978), ("dfa", 0.973)])
def test_ideal_mnist(rule, target):
    assert final(rule, mode="ideal") >= target


@pytest.mark.parametrize("rule, target", [("bp", 0.88), ("dfa", 0.85)])
def test_ideal_fashion_mnist(rule, target):
    assert final(rule, mode="ideal", dataset="fashion-mnist", training__lr=0.01) >= target


def test_hardware_mnist():
    bp, dfa = final("bp"), final("dfa")
    assert bp >= 0.93 and dfa >= 0.88 and bp >= dfa


def test_one_bit_adc_stops_learning_only_with_a_digitised_reference():
    """The paper's 1-bit finding holds where the reference column is digitised on its own (NeuroSim's
    readout, whose levels go to the common-mode current); the default differential readout spends its one
    bit on the signal and still learns (docs/RESULTS.md, ADC precision: 12.7 and 55.6 % over 3 seeds)."""
    assert final("bp", chip__adc_bits=1, chip__readout="digital_reference", training__epochs=3) <= 0.20
    assert final("bp", chip__adc_bits=1, training__epochs=3) > 0.30
