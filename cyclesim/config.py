"""Configuration: frozen, validated descriptions of one simulated experiment.

A `Workload` names the network, the learning rule, the dataset, the training schedule, the
precisions, the synaptic device and the chip. Every class is an immutable attrs record validated
when it is built, so an impossible configuration fails before any work starts; vary one with
`attrs.evolve`. Defaults are DNN+NeuroSim V2.0's training defaults (see docs/PAPER.md).
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import attrs
from attrs import field, frozen

from cyclesim import layers as layer_types
from cyclesim import rules, tech, terms
from cyclesim.errors import show
from cyclesim.rules import base as rule_base

MODES = ("ideal", "quantized", "hardware")
LOSSES = ("sse", "ce")
DATASETS = terms.DATASETS
NAME_MAX_BYTES = 200
"""Longest name (UTF-8 bytes): a workload's name becomes an output folder's name (255 bytes at most
on common file systems, with room for the time stamp)."""
MAX_WIDTH = 1 << 16
"""Widest layer: 65,536 units (784 x 65,536 weights fill 3,136 subarrays of 128 x 128); beyond it
the functional model's matrices alone outgrow a workstation's memory."""
MAX_LAYERS = 100
"""Deepest network: 100 weight layers, far beyond the MLPs on-chip training papers study (2-6)."""


def _where(inst, attribute) -> str:
    return f"{type(inst).__name__.lower()}.{attribute.name}"


def _int_in(lo: int, hi: int):
    """Validator: an int in [lo, hi] (bools are not ints here)."""

    def check(inst, attribute, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{_where(inst, attribute)} must be an integer, got {show(value)}")
        if value < lo or value > hi:
            raise ValueError(f"{_where(inst, attribute)} must be between {lo} and {hi}, got {show(value)}")

    return check


def _float_in(lo: float, hi: float, *, lo_open: bool = False):
    """Validator: a finite real number in [lo, hi] (or (lo, hi] when lo_open)."""
    return _in_limit(tech.Limit(lo, hi, lo_open=lo_open))


def _in_limit(limit: tech.Limit):
    """Validator: a finite real number in a `tech.Limit` (bools are not numbers here)."""

    def check(inst, attribute, value):
        bad = isinstance(value, bool) or not isinstance(value, (int, float))
        if bad or (isinstance(value, float) and not math.isfinite(value)):  # an int is finite (if huge)
            raise ValueError(f"{_where(inst, attribute)} must be a finite number, got {show(value)}")
        if value not in limit:
            raise ValueError(f"{_where(inst, attribute)} must be {limit.describe()}, got {show(value)}")

    return check


def _device(name: str):
    """Validator of a `Device` field: its physical range from `tech.DEVICE_LIMITS` (shared with device
    files); integers for `levels`."""
    limit = tech.DEVICE_LIMITS[name]
    return _int_in(limit.lo, limit.hi) if name == "levels" else _in_limit(limit)


def _one_of(choices):
    def check(inst, attribute, value):
        if not isinstance(value, str) or value not in choices:
            raise ValueError(
                f"{_where(inst, attribute)} must be one of {', '.join(map(str, choices))}; got {show(value)}"
            )

    return check


def _bool(inst, attribute, value):
    """Validator: True or False exactly ('false', 0 or None would silently mean something else)."""
    if not isinstance(value, bool):
        raise ValueError(f"{_where(inst, attribute)} must be True or False, got {show(value)}")


def check_text(what: str, value, *, folder: bool = False) -> None:
    """A name or label: a string of at most NAME_MAX_BYTES UTF-8 bytes without control
    characters (which break one-line messages, terminals and file names); with `folder` (the name
    becomes an output folder's name) also without path separators. ValueError naming `what`."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__} {show(value)}")
    for i, ch in enumerate(value):
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or (folder and ch in "/\\"):
            kind = "a path separator" if ch in "/\\" else "a control character"
            raise ValueError(
                f"{what} contains {kind} ({ch!r} at position {i}) in {show(value)}; "
                f"use letters, digits, '-', '_' and '.'"
            )
    size = len(value.encode("utf-8"))
    if size > NAME_MAX_BYTES:
        raise ValueError(f"{what} is {size} bytes long, at most {NAME_MAX_BYTES} allowed: {show(value)}")


def _text(*, folder: bool = False):
    def check(inst, attribute, value):
        check_text(_where(inst, attribute), value, folder=folder)

    return check


def _section(cls):
    """Validator of a Workload section: an instance of its class (None or a string is not a section)."""

    def check(inst, attribute, value):
        if not isinstance(value, cls):
            raise ValueError(
                f"workload.{attribute.name} must be a cyclesim.{cls.__name__}(...), got "
                f"{type(value).__name__} {show(value)}; e.g. {attribute.name}={cls.__name__}()"
            )

    return check


def _rule(inst, attribute, value):
    if isinstance(value, rules.Rule):
        if not isinstance(value.name, str) or not value.name.strip():
            raise ValueError(f"workload.rule: rule {type(value).__name__} needs a `name` (a non-empty string)")
        check_text(f"workload.rule: the name of rule {type(value).__name__}", value.name)
        return
    if not isinstance(value, str):
        raise ValueError(
            f"workload.rule must be one of {', '.join(rules.NAMES)} or a cyclesim.rules.Rule; got {show(value)}"
        )
    try:
        rules.get(value)
    except ValueError:
        raise ValueError(
            f"workload.rule must be one of {', '.join(rules.NAMES)}, conv:<rule>,dense:<rule> (e.g. "
            f"conv:bp,dense:dfa) or a cyclesim.rules.Rule; got {show(value)}"
        ) from None


def _opt(validator):
    def check(inst, attribute, value):
        if value is not None:
            validator(inst, attribute, value)

    return check


def _sizes(value) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def _layers(value):
    if isinstance(value, list):
        return tuple(value)
    return value


def _duplication(value):
    """chip.duplication as given, a list (from a JSON document) as a tuple."""
    return tuple(value) if isinstance(value, list) else value


def _shape(value):
    if isinstance(value, list):
        return tuple(value)
    return value


DEFAULT_SIZES = (784, 256, 256, 10)


@frozen
class Network:
    """A network, given one of two ways:

    - `sizes` = (inputs, hidden..., outputs): an MLP of Dense layers on the flattened images;
    - `layers`: a sequence of layer objects (`cyclesim.layers`: Conv2d, MaxPool2d, AvgPool2d, Flatten,
      Dense) on the dataset's images (channels, height, width), the last a Dense layer of the classes.

    Without either, the MLP 784-256-256-10. ReLU hidden layers, linear outputs: hidden activations are
    ReLU outputs in fixed point on [0, 1] (WAGE's activation range, as NeuroSim's wrapper quantizes
    them): min(max(a, 0), 1). `input_shape` (channels, height, width) sets the synthetic set's images
    (the other datasets have their own shape, which it must then match).
    """

    sizes: tuple[int, ...] | None = field(default=None, converter=_sizes)
    layers: tuple | None = field(default=None, converter=_layers)
    input_shape: tuple[int, int, int] | None = field(default=None, converter=_shape)
    activation: str = field(default="relu", validator=_one_of(("relu",)))

    def __attrs_post_init__(self):
        if self.sizes is not None and self.layers is not None:
            raise ValueError(
                "network.sizes and network.layers are both given: an MLP needs only sizes, any other "
                "network only layers (set the other to None)"
            )
        if self.sizes is None and self.layers is None:
            object.__setattr__(self, "sizes", DEFAULT_SIZES)

    @sizes.validator
    def _check_sizes(self, attribute, value):
        if value is None:
            return
        if not isinstance(value, tuple):
            raise ValueError(f"network.sizes must be a tuple of layer widths like (784, 256, 10), got {show(value)}")
        if len(value) < 2:
            raise ValueError("network.sizes needs at least two entries (inputs, outputs), e.g. 784,256,10")
        if len(value) > MAX_LAYERS + 1:
            raise ValueError(f"network.sizes has {len(value) - 1} layers, at most {MAX_LAYERS} allowed")
        for n in value:
            if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
                raise ValueError(f"network.sizes must be positive integers, got {show(value)}")
            if n > MAX_WIDTH:
                raise ValueError(
                    f"network.sizes: a layer of {n} units is wider than {MAX_WIDTH:,} (the widest allowed); "
                    f"use narrower layers"
                )

    @layers.validator
    def _check_layers(self, attribute, value):
        if value is None:
            return
        if not isinstance(value, tuple) or not value:
            raise ValueError(f"network.layers must be a non-empty sequence of layers, got {show(value)}")
        for number, layer in enumerate(value, 1):
            if not isinstance(layer, layer_types.LAYER_TYPES):
                names = ", ".join(t.__name__ for t in layer_types.LAYER_TYPES)
                raise ValueError(f"network.layers: entry {number} is {show(layer)}, not a layer ({names})")
        weights = sum(layer.has_weights for layer in value)
        if weights > MAX_LAYERS:
            raise ValueError(f"network.layers has {weights} layers with weights, at most {MAX_LAYERS} allowed")

    @input_shape.validator
    def _check_input_shape(self, attribute, value):
        if value is None:
            return
        if (
            not isinstance(value, tuple)
            or len(value) != 3
            or any(isinstance(n, bool) or not isinstance(n, int) for n in value)
            or not (1 <= value[0] <= 64 and 4 <= value[1] <= 512 and 4 <= value[2] <= 512)
        ):
            raise ValueError(
                "network.input_shape must be (channels, height, width) with 1-64 channels and sides of "
                f"4-512 pixels, got {show(value)}"
            )

    @property
    def layer_objects(self) -> tuple:
        """The layers, an MLP's `sizes` as Dense layers."""
        return layer_types.dense(self.sizes) if self.layers is None else self.layers

    def describe(self) -> str:
        """784-256-256-10 for an MLP; the layers in words otherwise."""
        if self.layers is None:
            return "-".join(map(str, self.sizes))
        return " ".join(layer.describe() for layer in self.layers)


@frozen
class Training:
    """Mini-batch SGD with momentum on WAGE shift-normalised gradients.

    `lr` is the largest weight step of one iteration as a fraction of each layer's weight range;
    `lr_schedule` "cosine" anneals it to zero over the run, "constant" keeps it.
    """

    epochs: int = field(default=10, validator=_int_in(0, 100_000))  # on-chip training runs ~10-100
    # At most 1e6 samples per batch (a million weight-gradient accumulations); it must also fit the
    # training set, which is checked where the data is known (learn.train.check_batch).
    batch_size: int = field(default=200, validator=_int_in(1, 1_000_000))
    lr: float = field(default=0.025, validator=_float_in(0.0, 1.0, lo_open=True))
    momentum: float = field(default=0.9, validator=_float_in(0.0, 0.999))
    lr_schedule: str = field(default="cosine", validator=_one_of(("constant", "cosine")))
    loss: str = field(default="sse", validator=_one_of(LOSSES))
    seed: int = field(default=0, validator=_int_in(0, 2**63 - 1))
    # Limits beyond the datasets' sizes (60,000 / 10,000) only mean "all of it"; 1e9 bounds typos.
    train_limit: int | None = field(default=None, validator=_opt(_int_in(1, 10**9)))
    test_limit: int | None = field(default=None, validator=_opt(_int_in(1, 10**9)))


@frozen
class Precision:
    """Bit widths of weights (= conductance levels), gradients, activations and errors (WAGE-style)."""

    # 16 bits bound every fixed-point word of on-chip training (WAGE uses 2-8).
    weight: int = field(default=5, validator=_int_in(1, 16))
    gradient: int = field(default=5, validator=_int_in(2, 16))
    activation: int = field(default=8, validator=_int_in(1, 16))
    error: int = field(default=8, validator=_int_in(2, 16))
    # The per-sample gradient word the weight-gradient path moves and accumulates (WGU adders, DRAM
    # traffic). None: derived from the functional model, the exact running sum of the batch's
    # activation x error products (hw.inventory.words); 12 is what NeuroSim V2 charges. 64 bits hold
    # any sum of 16-bit x 16-bit products over a batch of up to 2^32.
    gradient_word: int | None = field(default=None, validator=_opt(_int_in(2, 64)))
    # Each weight's momentum as stored off chip; None: 32, the float32 the functional model keeps.
    momentum_word: int | None = field(default=None, validator=_opt(_int_in(1, 64)))


@frozen
class Device:
    """A synaptic device: conductance range, update nonlinearity and variability.

    Spreads: `c2c` is the cycle-to-cycle sigma per programming pulse and `d2d` the device-to-device
    sigma of each cell's Gmax, both relative to (Gmax - Gmin); `nl_d2d` is the sigma of each cell's
    nonlinearity (NeuroSim's definition of D2D). Retention: with `retention_tau_s` set, every cell
    relaxes towards Gmin as g <- g * exp(-retention_interval_s / retention_tau_s) per iteration.

    A measured device: `curve` names a curve table (a CSV of conductance-versus-pulse sweeps, see
    `tech.load_curve`; a relative path is relative to the current folder); None is NeuroSim's
    parametric curve. The table fixes `r_on_ohm` (1 / Gmax), `on_off_ratio` (Gmax / Gmin, the extremes
    of its mean curves) and `levels` (its LTP pulses + 1), and its measured mean curve and step spread
    replace `nl_ltp`, `nl_ltd`, `c2c` and `nl_d2d`, which are then 0 (`tech.CURVE_FIELDS`); a device
    whose fields disagree with its table is refused. `with_curve` builds one; `d2d`, the read and
    write pulses, the access transistor and the cell area apply as for any device.
    """

    # Every range is physical and shared with device files: see tech.DEVICE_LIMITS for the reasons.
    name: str = field(default="rram_neurosim", validator=_text())
    r_on_ohm: float = field(default=100e3, validator=_device("r_on_ohm"))
    on_off_ratio: float = field(default=10.0, validator=_device("on_off_ratio"))
    levels: int = field(default=32, validator=_device("levels"))
    nl_ltp: float = field(default=1.75, validator=_device("nl_ltp"))
    nl_ltd: float = field(default=1.46, validator=_device("nl_ltd"))
    c2c: float = field(default=0.003, validator=_device("c2c"))
    d2d: float = field(default=0.0, validator=_device("d2d"))
    nl_d2d: float = field(default=0.0, validator=_device("nl_d2d"))
    read_v: float = field(default=0.5, validator=_device("read_v"))
    read_pulse_s: float = field(default=10e-9, validator=_device("read_pulse_s"))
    write_v: float = field(default=4.0, validator=_device("write_v"))
    write_pulse_s: float = field(default=50e-9, validator=_device("write_pulse_s"))
    access_r_ohm: float = field(default=15e3, validator=_device("access_r_ohm"))
    cell_area_f2: float = field(default=16.0, validator=_device("cell_area_f2"))
    retention_tau_s: float | None = field(default=None, validator=_opt(_device("retention_tau_s")))
    retention_interval_s: float = field(default=1.0, validator=_device("retention_interval_s"))
    curve: str | None = field(default=None)

    @curve.validator
    def _check_curve(self, attribute, value):
        """A curve table that loads (a TechError naming the file otherwise) and agrees with the fields it
        fixes (checked after every other field: attrs runs validators once all are set)."""
        if value is None:
            return
        if not isinstance(value, str) or not value.strip():
            raise ValueError(
                f"device.curve must be the path of a curve table (CSV), or None for the parametric model; "
                f"got {show(value)}"
            )
        table = tech.load_curve(value)
        for name, want in table.device_fields().items():
            have = getattr(self, name)
            if have == want:
                continue
            why = tech.CURVE_FIELDS[name]
            if want == 0:
                raise ValueError(
                    f"device.{name}={show(have)} does not apply with device.curve {table.file} ({why[3:]}); "
                    f"leave it at 0, or pick a parametric device (device.name=<preset>)"
                )
            raise ValueError(
                f"device.{name}={show(have)} disagrees with device.curve {table.file}, which fixes it at {want:g} "
                f"({why}); edit the table, or build the device with Device.with_curve(path)"
            )

    @classmethod
    def preset(cls, name: str, **overrides) -> Device:
        """The device described by tech/devices/<name>.toml, with `overrides` applied."""
        return cls(name=name, **{**tech.device(name).fields, **overrides})

    def with_curve(self, path, name: str | None = None) -> Device:
        """This device with its conductance given by the curve table at `path` (`tech.load_curve`): the
        fields the table fixes set from it (`tech.CURVE_FIELDS`), named `name` (default: the file's
        stem); the other fields (read and write pulses, access transistor, cell area, D2D) kept."""
        table = tech.load_curve(path)
        label = Path(str(path)).stem if name is None else name
        return attrs.evolve(self, name=label, curve=str(path), **table.device_fields())

    @classmethod
    def presets(cls) -> list[str]:
        """The device presets available (tech/devices/*.toml in the technology directory)."""
        return tech.available("devices")


@frozen
class Chip:
    """The CIM chip: node, clock, subarray size, ADCs and the training periphery.

    `adc_bits` is the forward read's ADC; `ag_adc_bits` the ADC of the transposed read that BP's
    transposable arrays add for the activation gradient (NeuroSim's levelOutputAG = 64, 6 bits).
    `readout` "differential" (the default) subtracts the reference column's current from each column's
    before the ADC (a current mirror per column-subarray), so the ADC's levels cover only the signed
    signal; "digital_reference" digitises each column and the reference column separately and subtracts
    digitally (NeuroSim), spending the levels on the common-mode current g_ref x active rows, which
    varies from sample to sample (docs/RESULTS.md section 2 measures the cost: DFA 19 points short at
    3 bits). Both are priced alike, by the weight columns' ADCs: neither the reference column's own
    conversion (one column in `subarray`: under 1 % of the ADC energy at 128) nor the mirror is priced.
    What the ADCs do (the equations: `kernels.adc_shift_add_ref`):
    - `adc_where`: "training" digitises every read, training's and test's; "test" only the test-time
      evaluation, the training reads being exact (DNN+NeuroSim V2's training script, which applies its
      ADC model only at inference). The chip, its timing and its energy are the same either way.
    - `adc_range`: the currents one ADC range spans: a "subarray" (its columns), a "column_group"
      (the `cols_per_adc` columns one multiplexed ADC converts) or the "layer" (every column of a
      row-subarray's bit plane, NeuroSim's choice).
    - `adc_calibration`: "batch" sets each range from the batch it converts (an auto-ranging ADC);
      "fixed" sets the ranges from a calibration batch, the first training batch of every epoch, and
      keeps them for that epoch's reads (test reads included): currents beyond them clip to the end codes.
    - `adc_rounding`: "midpoint" reads a code back as the centre of its bin (a converter with offset
      correction); "floor" as its lower edge (an uncorrected converter: -1/2 LSB on average).
    - `adc_model`: "cyclesim" (the settings above) or "neurosim", NeuroSim V2's functional quantizer as
      its source defines it: one range per row-subarray and bit plane over the batch and every column
      (the layer), lower edges, the reference digitised separately, and the rows of a ragged last
      row-subarray dropped (its wrapper reads int(rows / subarray) subarrays). It fixes the range,
      rounding, readout and calibration itself (`readout` is not used by it).
    `provision` chooses the training periphery: "tailored" gives each learning rule the chip it
    would naturally get (its `default_wgu` and `default_feedback_store`: BP, FA and sign-symmetry one
    shared weight-gradient unit, DFA and DRTP one per layer; DFA's and DRTP's feedback matrices in
    SRAM with a digital MAC, FA's in RRAM crossbars), "iso" gives every rule the same one (a
    weight-gradient unit per layer, feedback matrices in SRAM), so a comparison separates the rule
    from the hardware built for it. `wgu` ("shared" / "per_layer") and `feedback_store` ("sram" /
    "rram") override either when not "auto".
    `floorplan` sizes the tile: "fixed" builds tiles of `tile_size` x `tile_size` PEs of `pe_size` x
    `pe_size` subarrays; "network" sizes them for the network as DNN+NeuroSim V2 does (the power-of-two
    tile side that maximises memory utilisation, 2 x 2 PEs of half that side; `pe_size` and `tile_size`
    are then not used, and `subarray` must be a power of two). `duplication` copies a layer's weights to
    read several inputs at once (a convolution: several output positions): an int copies every layer that
    many times, each copy on its own tiles; a tuple gives each weight layer its own count (e.g. (4, 2, 1,
    1, 1): the early convolutions, which read the most positions, four and two times); "fill" packs as
    many copies of a layer that fits one tile into that tile as its subarrays fit; None is the
    floorplan's own choice (1 under "fixed", "fill" under "network"). `max_tiles` is the chip-level budget
    every copy counts against. Feedback matrices are held once.
    """

    node: str = field(default="32nm", validator=_text())  # a tech/nodes file (checked when the chip is priced)
    flavor: str = field(default="lstp", validator=_one_of(("lstp", "hp")))
    # 1 kHz .. 100 GHz: no CMOS logic clocks beyond ~10 GHz; below 1 kHz is not a chip clock.
    clock_hz: float = field(default=1e9, validator=_float_in(1e3, 1e11))
    # Subarrays of 8-4096 lines: beyond 4096 rows the IR drop along a line swamps the signal.
    subarray: int = field(default=128, validator=_int_in(8, 4096))
    # Column ADCs of 1-12 bits: past ~12 bits the conversion costs more than the array it reads.
    adc_bits: int = field(default=5, validator=_int_in(1, 12))
    ag_adc_bits: int = field(default=6, validator=_int_in(1, 12))
    cols_per_adc: int = field(default=8, validator=_int_in(1, 4096))
    pe_size: int = field(default=2, validator=_int_in(1, 64))  # subarrays per PE side (PE = n x n)
    tile_size: int = field(default=4, validator=_int_in(1, 64))  # PEs per tile side (tile = n x n)
    # 1..64 copies of each layer, one count per weight layer, "fill", or None
    duplication: int | tuple[int, ...] | str | None = field(default=None, converter=_duplication)
    floorplan: str = field(default="fixed")  # "fixed" (tile_size, pe_size) or "network" (sized for it)
    # None: sized to fit; 1e6 tiles is beyond any wafer (chip_area warns far earlier).
    max_tiles: int | None = field(default=None, validator=_opt(_int_in(1, 10**6)))
    adc_type: str = field(default="mlsa", validator=_one_of(("mlsa", "sar")))
    readout: str = field(default="differential", validator=_one_of(("differential", "digital_reference")))
    adc_where: str = field(default="training", validator=_one_of(("training", "test")))
    adc_range: str = field(default="subarray", validator=_one_of(("subarray", "column_group", "layer")))
    adc_calibration: str = field(default="batch", validator=_one_of(("batch", "fixed")))
    adc_rounding: str = field(default="midpoint", validator=_one_of(("midpoint", "floor")))
    adc_model: str = field(default="cyclesim", validator=_one_of(("cyclesim", "neurosim")))
    wgu: str = field(default="auto", validator=_one_of(("auto", "shared", "per_layer")))
    feedback_store: str = field(default="auto", validator=_one_of(("auto", "rram", "sram")))
    dram: str = field(default="hbm2", validator=_text())  # a tech/dram file (checked when the chip is priced)
    # None: the tech file's; 1024 channels is 128 HBM stacks, beyond any package.
    dram_channels: int | None = field(default=None, validator=_opt(_int_in(1, 1024)))
    dram_interleave: bool = field(default=True, validator=_bool)  # stripe a transfer over channels
    gradient_accumulation: str = field(default="dram", validator=_one_of(("dram", "on_chip")))
    # What the weight-gradient unit stores: "auto" follows gradient_accumulation ("dram": it streams,
    # two rows in flight; "on_chip": it holds a whole layer's running sums); "stream" or "layer"
    # force one ("layer" with "dram" is NeuroSim V2's own chip: a full-layer unit whose sums still
    # go through DRAM, inconsistent but needed to compare with it).
    wgu_capacity: str = field(default="auto", validator=_one_of(("auto", "stream", "layer")))
    provision: str = field(default="tailored", validator=_one_of(("tailored", "iso")))

    @cols_per_adc.validator
    def _check_mux(self, attribute, value):
        if value > self.subarray:
            raise ValueError(f"chip.cols_per_adc ({value}) cannot exceed chip.subarray ({self.subarray}) columns")

    @duplication.validator
    def _check_duplication(self, attribute, value):
        if value is None or value == "fill":
            return
        counts = value if isinstance(value, tuple) else (value,)
        if not counts or any(isinstance(v, bool) or not isinstance(v, int) for v in counts):
            raise ValueError(
                f"chip.duplication must be an integer (copies of every layer), one integer per weight layer "
                f"(e.g. 4,2,1,1,1), fill or None (the floorplan's own: 1 under fixed, fill under network); "
                f"got {show(value)}"
            )
        for v in counts:
            _int_in(1, 64)(self, attribute, v)

    @adc_model.validator
    def _check_adc_model(self, attribute, value):
        if value == "neurosim":
            mine = {"adc_range": "subarray", "adc_rounding": "midpoint", "adc_calibration": "batch"}
            changed = [f"chip.{k}={getattr(self, k)}" for k, default in mine.items() if getattr(self, k) != default]
            if changed:
                raise ValueError(
                    f"chip.adc_model neurosim defines the ADC's range, rounding and calibration itself "
                    f"(NeuroSim's quantizer), so {', '.join(changed)} does not apply: leave it at its default or "
                    f"use chip.adc_model cyclesim"
                )
        if self.adc_where == "test" and self.adc_calibration == "fixed":
            raise ValueError(
                "chip.adc_calibration fixed calibrates on the first training read of an epoch, but with "
                "chip.adc_where test no training read goes through the ADC: use chip.adc_calibration batch"
            )

    @floorplan.validator
    def _check_floorplan(self, attribute, value):
        _one_of(("fixed", "network"))(self, attribute, value)
        if value == "network" and self.subarray & (self.subarray - 1):
            raise ValueError(
                f"chip.floorplan network sizes tiles in powers of two, so chip.subarray must be a power of "
                f"two (8, 16, ..., 4096); got {self.subarray}: pick one or use chip.floorplan fixed"
            )


@frozen
class Effects:
    """Hardware nonidealities, each switchable on its own (used in `hardware` mode only).

    `ir_drop` reads every subarray through resistive row and column wires (the node's wire resistance
    per cell pitch, the access transistor in series with each cell; `irdrop`), so far cells contribute
    less current: it applies to the reads that go through the ADCs (`adc` on)."""

    adc: bool = field(default=True, validator=_bool)
    nonlinearity: bool = field(default=True, validator=_bool)
    c2c: bool = field(default=True, validator=_bool)
    d2d: bool = field(default=True, validator=_bool)
    retention: bool = field(default=True, validator=_bool)
    on_off: bool = field(default=True, validator=_bool)
    ir_drop: bool = field(default=False, validator=_bool)

    @ir_drop.validator
    def _check_ir_drop(self, attribute, value):
        if value and not self.adc:
            raise ValueError(
                "effects.ir_drop degrades the column currents of the bit-serial reads, which effects.adc=false "
                "replaces by exact products: set effects.adc=true or effects.ir_drop=false"
            )


@frozen
class Sim:
    """What the event-driven engine simulates: the first `iterations_per_epoch` iterations of every epoch
    (an integer, 0 for none, clipped to the batches an epoch has) or every one ("all", so latency and
    energy follow training as it converges instead of being extrapolated from a sample), and the
    dataflow."""

    iterations_per_epoch: int | str = field(default=1)
    dataflow: str = field(default="layer_sequential", validator=_one_of(("layer_sequential", "pipelined")))

    @iterations_per_epoch.validator
    def _check_iterations(self, attribute, value):
        if value == "all":
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(
                f"sim.iterations_per_epoch must be an integer (iterations simulated per epoch, 0 for none) or "
                f"all; got {show(value)}"
            )
        _int_in(0, 1_000_000)(self, attribute, value)

    @property
    def simulates(self) -> bool:
        """Whether any iteration is simulated."""
        return self.iterations_per_epoch != 0

    def recorded(self, batches: int) -> int:
        """How many iterations of an epoch of `batches` batches the engine simulates."""
        return batches if self.iterations_per_epoch == "all" else min(self.iterations_per_epoch, batches)


@frozen
class Workload:
    """One experiment: a network trained with a rule on a dataset through a chip."""

    name: str = field(default="workload", validator=_text(folder=True))  # names the output folder
    network: Network = field(factory=Network, validator=_section(Network))
    rule: str | rules.Rule = field(default="dfa", validator=_rule)
    dataset: str = field(default="mnist", validator=_one_of(DATASETS))
    mode: str = field(default="hardware", validator=_one_of(MODES))
    training: Training = field(factory=Training, validator=_section(Training))
    precision: Precision = field(factory=Precision, validator=_section(Precision))
    device: Device = field(factory=Device, validator=_section(Device))
    chip: Chip = field(factory=Chip, validator=_section(Chip))
    effects: Effects = field(factory=Effects, validator=_section(Effects))
    sim: Sim = field(factory=Sim, validator=_section(Sim))

    def __attrs_post_init__(self):
        net, shape = self.network, self.image_shape
        if (
            net.input_shape is not None
            and self.dataset != "synthetic"
            and net.input_shape != terms.SHAPES[self.dataset]
        ):
            raise ValueError(
                f"network.input_shape {show(net.input_shape)} does not match {self.dataset}'s "
                f"{terms.describe_shape(self.dataset)} images {show(terms.SHAPES[self.dataset])}: leave it unset "
                "(it only shapes the synthetic set)"
            )
        what = (
            f"{self.dataset} ({'x'.join(map(str, shape[1:]))}" + (f"x{shape[0]}" if shape[0] > 1 else "") + " images)"
        )
        if net.layers is None:
            inputs = math.prod(shape)
            if net.sizes[0] != inputs:
                raise ValueError(f"network.sizes must start with {inputs} inputs for {what}, got {net.sizes[0]}")
        if self.geometry.stages[-1].units != 10:
            key = "network.sizes must end with" if net.layers is None else "network.layers must end with Dense(10),"
            raise ValueError(f"{key} 10 outputs for {self.dataset}, got {self.geometry.stages[-1].units}")
        if self.sim.dataflow == "pipelined" and self.geometry.has_conv:
            raise ValueError(
                "sim.dataflow pipelined streams one sample at a time through dense stages, but a convolution "
                "reads many positions per sample: use sim.dataflow layer_sequential with Conv2d layers"
            )
        dup, layers = self.chip.duplication, len(self.geometry.stages)
        if isinstance(dup, tuple) and len(dup) != layers:
            raise ValueError(
                f"chip.duplication gives {len(dup)} copy counts ({show(dup)}) but the network has {layers} weight "
                f"layers: give one count per weight layer, or one integer for all"
            )
        for stage in self.geometry.stages:
            if max(stage.rows, stage.cols) > MAX_WIDTH:
                raise ValueError(
                    f"network.layers: layer {stage.number} ({stage.layer.describe()}) has a weight matrix of "
                    f"{stage.rows} x {stage.cols}, larger than {MAX_WIDTH:,} on a side: use fewer channels or units"
                )
        if (1 << self.precision.weight) > self.device.levels:
            raise ValueError(
                f"precision.weight={self.precision.weight} needs {1 << self.precision.weight} conductance "
                f"levels but device {self.device.name} has {self.device.levels}; lower precision.weight "
                f"or set device.levels"
            )

        sigs = self.signals  # checks the rule against the network (one clear error if it does not fit)
        needs_store = bool(rule_base.feedback_shapes(sigs, self.geometry))
        if self.chip.feedback_store != "auto" and not needs_store:
            what = (
                "keeps sign(W) in its SRAM sign store"
                if rule_base.sign_bits(sigs, self.geometry)
                else ("uses no feedback matrices")
            )
            raise ValueError(f"rule {self.rule_object.name} {what}; chip.feedback_store does not apply (leave it auto)")
        if self.chip.adc_where == "test" and not (self.mode == "hardware" and self.effects.adc):
            raise ValueError(
                "chip.adc_where test applies the ADC at test time, but this run has no ADC (it needs "
                "mode=hardware and effects.adc=true): leave chip.adc_where at training"
            )

    @property
    def rule_object(self) -> rules.Rule:
        """The learning rule (`rule` is a built-in rule's name or a Rule)."""
        return rules.get(self.rule)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of the dataset's images: the synthetic set's `network.input_shape`
        if given, else the dataset's own."""
        if self.dataset == "synthetic" and self.network.input_shape is not None:
            return self.network.input_shape
        return terms.SHAPES[self.dataset]

    @property
    def geometry(self) -> layer_types.Geometry:
        """The network on its inputs (`layers.Geometry`): every weight layer's shapes. An MLP reads the
        flattened images."""
        net = self.network
        shape = (net.sizes[0],) if net.layers is None else self.image_shape
        return layer_types.geometry(net.layer_objects, shape)

    @property
    def signals(self) -> list:
        """The rule's learning signal of every hidden layer (`rules.Signal`), checked against the network."""
        return rule_base.signals(self.rule_object, self.geometry.kinds)

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
        if not rule_base.feedback_shapes(self.signals, self.geometry):
            return "none"
        if self.chip.feedback_store != "auto":
            return self.chip.feedback_store
        return "sram" if self.chip.provision == "iso" else self.rule_object.default_feedback_store


def _plain(_inst, _field, value):
    if isinstance(value, tuple):
        return list(value)
    return value.name if isinstance(value, rules.Rule) else value


def to_dict(obj) -> dict:
    """A config as plain JSON-able data (tuples become lists, a rule object its name, a layer
    {"type": "Conv2d", its fields}); a network lists only the way it is given (`sizes` or `layers`)."""
    out = attrs.asdict(obj, recurse=True, value_serializer=_plain)
    net, doc = (obj.network, out["network"]) if isinstance(obj, Workload) else (obj, out)
    if isinstance(net, Network):
        for key in ("sizes", "layers", "input_shape"):
            if getattr(net, key) is None:
                del doc[key]
        if net.layers is not None:
            doc["layers"] = [{"type": layer.name, **attrs.asdict(layer)} for layer in net.layers]
    return out
