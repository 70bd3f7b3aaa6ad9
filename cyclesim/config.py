"""Configuration: frozen, validated descriptions of one simulated experiment.

A `Workload` names the network, the learning rule, the dataset, the training schedule, the
precisions, the synaptic device and the chip. Every class is an immutable attrs record validated
when it is built, so an impossible configuration fails before any work starts; vary one with
`attrs.evolve`. Defaults are DNN+NeuroSim V2.0's training defaults (see docs/PAPER.md).
"""

from __future__ import annotations

import math

import attrs
from attrs import field, frozen

from cyclesim import rules, tech
from cyclesim.rules import base as rule_base

MODES = ("ideal", "quantized", "hardware")
LOSSES = ("sse", "ce")
DATASETS = ("mnist", "fashion-mnist", "synthetic")


def _where(inst, attribute) -> str:
    return f"{type(inst).__name__.lower()}.{attribute.name}"


def _int_in(lo: int, hi: int | None = None):
    """Validator: an int in [lo, hi] (bools are not ints here)."""

    def check(inst, attribute, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{_where(inst, attribute)} must be an integer, got {value!r}")
        if value < lo or (hi is not None and value > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise ValueError(f"{_where(inst, attribute)} must be {rng}, got {value}")

    return check


def _float_in(lo: float, hi: float | None = None, *, lo_open: bool = False):
    """Validator: a finite real number in [lo, hi] (or (lo, hi] when lo_open)."""

    def check(inst, attribute, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{_where(inst, attribute)} must be a finite number, got {value!r}")
        bad_lo = value <= lo if lo_open else value < lo
        if bad_lo or (hi is not None and value > hi):
            lo_s = f"> {lo}" if lo_open else f">= {lo}"
            rng = f"{lo_s} and <= {hi}" if hi is not None else lo_s
            raise ValueError(f"{_where(inst, attribute)} must be {rng}, got {value}")

    return check


def _one_of(choices):
    def check(inst, attribute, value):
        if value not in choices:
            raise ValueError(f"{_where(inst, attribute)} must be one of {', '.join(map(str, choices))}; got {value!r}")

    return check


def _rule(inst, attribute, value):
    if isinstance(value, rules.Rule):
        if not isinstance(value.name, str) or not value.name.strip():
            raise ValueError(f"workload.rule: rule {type(value).__name__} needs a `name` (a non-empty string)")
        return
    if value not in rules.NAMES:
        raise ValueError(
            f"workload.rule must be one of {', '.join(rules.NAMES)} or a cyclesim.rules.Rule; got {value!r}"
        )


def _opt(validator):
    def check(inst, attribute, value):
        if value is not None:
            validator(inst, attribute, value)

    return check


def _sizes(value) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


@frozen
class Network:
    """An MLP: `sizes` = (inputs, hidden..., outputs); ReLU hidden layers, linear output.

    Hidden activations are ReLU outputs in fixed point on [0, 1] (WAGE's activation range, as
    NeuroSim's wrapper quantizes them): min(max(a, 0), 1).
    """

    sizes: tuple[int, ...] = field(default=(784, 256, 256, 10), converter=_sizes)
    activation: str = field(default="relu", validator=_one_of(("relu",)))

    @sizes.validator
    def _check_sizes(self, attribute, value):
        if not isinstance(value, tuple) or len(value) < 2:
            raise ValueError("network.sizes needs at least two entries (inputs, outputs), e.g. 784,256,10")
        for n in value:
            if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
                raise ValueError(f"network.sizes must be positive integers, got {value}")

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1


@frozen
class Training:
    """Mini-batch SGD with momentum on WAGE shift-normalised gradients.

    `lr` is the largest weight step of one iteration as a fraction of each layer's weight range;
    `lr_schedule` "cosine" anneals it to zero over the run, "constant" keeps it.
    """

    epochs: int = field(default=10, validator=_int_in(0, 100_000))
    batch_size: int = field(default=200, validator=_int_in(1, 1_000_000))
    lr: float = field(default=0.025, validator=_float_in(0.0, 1.0, lo_open=True))
    momentum: float = field(default=0.9, validator=_float_in(0.0, 0.999))
    lr_schedule: str = field(default="cosine", validator=_one_of(("constant", "cosine")))
    loss: str = field(default="sse", validator=_one_of(LOSSES))
    seed: int = field(default=0, validator=_int_in(0, 2**63 - 1))
    train_limit: int | None = field(default=None, validator=_opt(_int_in(1)))
    test_limit: int | None = field(default=None, validator=_opt(_int_in(1)))


@frozen
class Precision:
    """Bit widths of weights (= conductance levels), gradients, activations and errors (WAGE-style)."""

    weight: int = field(default=5, validator=_int_in(1, 16))
    gradient: int = field(default=5, validator=_int_in(2, 16))
    activation: int = field(default=8, validator=_int_in(1, 16))
    error: int = field(default=8, validator=_int_in(2, 16))


@frozen
class Device:
    """A synaptic device: conductance range, update nonlinearity and variability.

    Spreads: `c2c` is the cycle-to-cycle sigma per programming pulse and `d2d` the device-to-device
    sigma of each cell's Gmax, both relative to (Gmax - Gmin); `nl_d2d` is the sigma of each cell's
    nonlinearity (NeuroSim's definition of D2D). Retention: with `retention_tau_s` set, every cell
    relaxes towards Gmin as g <- g * exp(-retention_interval_s / retention_tau_s) per iteration.
    """

    name: str = "rram_neurosim"
    r_on_ohm: float = field(default=100e3, validator=_float_in(0.0, lo_open=True))
    on_off_ratio: float = field(default=10.0, validator=_float_in(1.0, lo_open=True))
    levels: int = field(default=32, validator=_int_in(2, 1 << 16))
    nl_ltp: float = field(default=1.75, validator=_float_in(0.0, 9.0))
    nl_ltd: float = field(default=1.46, validator=_float_in(0.0, 9.0))
    c2c: float = field(default=0.003, validator=_float_in(0.0, 1.0))
    d2d: float = field(default=0.0, validator=_float_in(0.0, 1.0))
    nl_d2d: float = field(default=0.0, validator=_float_in(0.0, 9.0))
    read_v: float = field(default=0.5, validator=_float_in(0.0, lo_open=True))
    read_pulse_s: float = field(default=10e-9, validator=_float_in(0.0, lo_open=True))
    write_v: float = field(default=4.0, validator=_float_in(0.0, lo_open=True))
    write_pulse_s: float = field(default=50e-9, validator=_float_in(0.0, lo_open=True))
    access_r_ohm: float = field(default=15e3, validator=_float_in(0.0))
    cell_area_f2: float = field(default=16.0, validator=_float_in(0.0, lo_open=True))
    retention_tau_s: float | None = field(default=None, validator=_opt(_float_in(0.0, lo_open=True)))
    retention_interval_s: float = field(default=1.0, validator=_float_in(0.0))

    @classmethod
    def preset(cls, name: str, **overrides) -> Device:
        """The device described by tech/devices/<name>.toml, with `overrides` applied."""
        return cls(name=name, **{**tech.device(name).fields, **overrides})


@frozen
class Chip:
    """The CIM chip: node, clock, subarray size, ADCs and the training periphery.

    `adc_bits` is the forward read's ADC; `ag_adc_bits` the ADC of the transposed read that BP's
    transposable arrays add for the activation gradient (NeuroSim's levelOutputAG = 64, 6 bits).
    `readout` "digital_reference" digitises each column and the reference column separately and
    subtracts digitally (NeuroSim); "differential" subtracts the reference current before the ADC,
    so the ADC's levels cover only the signed signal.
    `provision` chooses the training periphery: "tailored" gives each learning rule the chip it
    would naturally get (its `default_wgu` and `default_feedback_store`: BP, FA and sign-symmetry one
    shared weight-gradient unit, DFA and DRTP one per layer; DFA's and DRTP's feedback matrices in
    SRAM with a digital MAC, FA's in RRAM crossbars), "iso" gives every rule the same one (a
    weight-gradient unit per layer, feedback matrices in SRAM), so a comparison separates the rule
    from the hardware built for it. `wgu` ("shared" / "per_layer") and `feedback_store` ("sram" /
    "rram") override either when not "auto".
    """

    node: str = "32nm"
    flavor: str = field(default="lstp", validator=_one_of(("lstp", "hp")))
    clock_hz: float = field(default=1e9, validator=_float_in(1e3, 1e11))
    subarray: int = field(default=128, validator=_int_in(8, 4096))
    adc_bits: int = field(default=5, validator=_int_in(1, 12))
    ag_adc_bits: int = field(default=6, validator=_int_in(1, 12))
    cols_per_adc: int = field(default=8, validator=_int_in(1, 4096))
    pe_size: int = field(default=2, validator=_int_in(1, 64))  # subarrays per PE side (PE = n x n)
    tile_size: int = field(default=4, validator=_int_in(1, 64))  # PEs per tile side (tile = n x n)
    duplication: int = field(default=1, validator=_int_in(1, 64))  # copies of every layer's weights
    max_tiles: int | None = field(default=None, validator=_opt(_int_in(1)))  # None: sized to fit
    adc_type: str = field(default="mlsa", validator=_one_of(("mlsa", "sar")))
    readout: str = field(default="digital_reference", validator=_one_of(("digital_reference", "differential")))
    wgu: str = field(default="auto", validator=_one_of(("auto", "shared", "per_layer")))
    feedback_store: str = field(default="auto", validator=_one_of(("auto", "rram", "sram")))
    dram: str = "hbm2"
    dram_channels: int | None = field(default=None, validator=_opt(_int_in(1, 1024)))  # None: tech default
    gradient_accumulation: str = field(default="dram", validator=_one_of(("dram", "on_chip")))
    provision: str = field(default="tailored", validator=_one_of(("tailored", "iso")))

    @cols_per_adc.validator
    def _check_mux(self, attribute, value):
        if value > self.subarray:
            raise ValueError(f"chip.cols_per_adc ({value}) cannot exceed chip.subarray ({self.subarray}) columns")


@frozen
class Effects:
    """Hardware nonidealities, each switchable on its own (used in `hardware` mode only)."""

    adc: bool = True
    nonlinearity: bool = True
    c2c: bool = True
    d2d: bool = True
    retention: bool = True
    on_off: bool = True


@frozen
class Sim:
    """What the event-driven engine simulates: iterations sampled per epoch and the dataflow."""

    iterations_per_epoch: int = field(default=1, validator=_int_in(0, 1_000_000))
    dataflow: str = field(default="layer_sequential", validator=_one_of(("layer_sequential", "pipelined")))


@frozen
class Workload:
    """One experiment: a network trained with a rule on a dataset through a chip."""

    name: str = "workload"
    network: Network = field(factory=Network)
    rule: str | rules.Rule = field(default="dfa", validator=_rule)
    dataset: str = field(default="mnist", validator=_one_of(DATASETS))
    mode: str = field(default="hardware", validator=_one_of(MODES))
    training: Training = field(factory=Training)
    precision: Precision = field(factory=Precision)
    device: Device = field(factory=Device)
    chip: Chip = field(factory=Chip)
    effects: Effects = field(factory=Effects)
    sim: Sim = field(factory=Sim)

    def __attrs_post_init__(self):
        if self.network.sizes[0] != 784:
            raise ValueError(
                f"network.sizes must start with 784 inputs for {self.dataset} (28x28 images), "
                f"got {self.network.sizes[0]}"
            )
        if self.network.sizes[-1] != 10:
            raise ValueError(f"network.sizes must end with 10 outputs for {self.dataset}, got {self.network.sizes[-1]}")
        if (1 << self.precision.weight) > self.device.levels:
            raise ValueError(
                f"precision.weight={self.precision.weight} needs {1 << self.precision.weight} conductance "
                f"levels but device {self.device.name} has {self.device.levels}; lower precision.weight "
                f"or set device.levels"
            )

        sigs = self.signals  # checks the rule against the network (one clear error if it does not fit)
        needs_store = bool(rule_base.feedback_shapes(sigs, self.network.sizes))
        if self.chip.feedback_store != "auto" and not needs_store:
            what = (
                "keeps sign(W) in its SRAM sign store"
                if rule_base.sign_bits(sigs, self.network.sizes)
                else ("uses no feedback matrices")
            )
            raise ValueError(f"rule {self.rule_object.name} {what}; chip.feedback_store does not apply (leave it auto)")

    @property
    def rule_object(self) -> rules.Rule:
        """The learning rule (`rule` is a built-in rule's name or a Rule)."""
        return rules.get(self.rule)

    @property
    def signals(self) -> list:
        """The rule's learning signal of every hidden layer (`rules.Signal`), checked against the network."""
        return rule_base.signals(self.rule_object, self.network.sizes)

    @property
    def wgu(self) -> str:
        """Resolved weight-gradient-unit arrangement: `chip.wgu`, else per layer for an iso chip, else the
        rule's own."""
        if self.chip.wgu != "auto":
            return self.chip.wgu
        return "per_layer" if self.chip.provision == "iso" else self.rule_object.default_wgu

    @property
    def feedback_store(self) -> str:
        """Where the rule's fixed random matrices live ("none" when it has none): `chip.feedback_store`,
        else SRAM for an iso chip, else the rule's own choice."""
        if not rule_base.feedback_shapes(self.signals, self.network.sizes):
            return "none"
        if self.chip.feedback_store != "auto":
            return self.chip.feedback_store
        return "sram" if self.chip.provision == "iso" else self.rule_object.default_feedback_store


def _plain(_inst, _field, value):
    if isinstance(value, tuple):
        return list(value)
    return value.name if isinstance(value, rules.Rule) else value


def to_dict(obj) -> dict:
    """A config as plain JSON-able data (tuples become lists, a rule object its name)."""
    return attrs.asdict(obj, recurse=True, value_serializer=_plain)
