"""Tests of cyclesim.workload: the shipped workload files, `--set` overrides and load errors."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import attrs
import pytest

try:
    import cyclesim  # noqa: F401
except ModuleNotFoundError:  # not installed: run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cyclesim import workload as wf
from cyclesim.config import Workload, to_dict
from cyclesim.errors import ConfigError, UserError

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ROOT / "workloads"


@pytest.fixture(scope="module")
def dfa() -> Workload:
    return wf.load(WORKLOADS / "dfa_3layer.py")


@pytest.fixture(scope="module")
def bp() -> Workload:
    return wf.load(WORKLOADS / "bp_3layer.py")


def one_line_config_error(call) -> str:
    """Run `call`, expect a ConfigError with a one-line message; return the message."""
    with pytest.raises(ConfigError) as info:
        call()
    message = str(info.value)
    assert message.strip(), "empty error message"
    assert "\n" not in message, f"message is not one line: {message!r}"
    return message


def write(tmp_path: Path, source: str, name: str = "wl.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------
# The shipped workloads


def test_shipped_workloads_load(dfa, bp):
    assert isinstance(dfa, Workload) and isinstance(bp, Workload)
    assert (dfa.name, dfa.rule) == ("dfa_3layer", "dfa")
    assert (bp.name, bp.rule) == ("bp_3layer", "bp")
    for wl in (dfa, bp):
        assert wl.network.sizes == (784, 256, 256, 10)
        assert wl.dataset == "mnist" and wl.mode == "hardware"
        assert wl.training.epochs == 10


def test_shipped_workloads_differ_only_in_name_and_rule(dfa, bp):
    a, b = to_dict(dfa), to_dict(bp)
    for key in ("name", "rule"):
        assert a.pop(key) != b.pop(key)
    assert a == b


def test_shipped_workloads_are_equal_after_evolving_name_and_rule(dfa, bp):
    assert attrs.evolve(bp, name=dfa.name, rule=dfa.rule) == dfa


def test_shipped_workloads_use_neurosim_defaults(dfa):
    # the files spell out the baseline; it must agree with the config defaults
    assert attrs.evolve(dfa, name="workload") == Workload()


def test_load_accepts_str_path():
    assert wf.load(str(WORKLOADS / "bp_3layer.py")).rule == "bp"


# ----------------------------------------------------------------------------------------------
# Overrides: parsed by the declared type of the field


def test_override_int(dfa):
    wl = wf.override(dfa, "chip.adc_bits=3")
    assert wl.chip.adc_bits == 3 and type(wl.chip.adc_bits) is int
    assert dfa.chip.adc_bits == 5  # the original is untouched


def test_override_tuple(dfa):
    wl = wf.override(dfa, "network.sizes=784,512,10")
    assert wl.network.sizes == (784, 512, 10)
    assert isinstance(wl.network.sizes, tuple)
    assert all(type(n) is int for n in wl.network.sizes)


def test_override_tuple_tolerates_spaces(dfa):
    assert wf.override(dfa, "network.sizes= 784, 64 ,10").network.sizes == (784, 64, 10)


@pytest.mark.parametrize("order", [0, 1])
def test_a_dataset_and_its_networks_inputs_are_set_together(dfa, order):
    sets = ["dataset=cifar10", "network.sizes=3072,128,10"]
    wl = wf.apply(dfa, sets[order:] + sets[:order])
    assert (wl.dataset, wl.network.sizes) == ("cifar10", (3072, 128, 10))
    with pytest.raises(ConfigError, match=r"^--set dataset and network.sizes: .*3072 inputs for cifar10"):
        wf.apply(dfa, ["dataset=cifar10", "network.sizes=784,10"])
    with pytest.raises(ConfigError, match=r"^--set dataset: .*3072 inputs for cifar10 \(32x32x3 images\), got 784"):
        wf.apply(dfa, ["dataset=cifar10"])


def test_override_top_level_str(dfa):
    wl = wf.override(dfa, "rule=bp")
    assert wl.rule == "bp"
    assert wl.wgu == "shared" and wl.feedback_store == "none"


@pytest.mark.parametrize("text, want", [("false", False), ("true", True), ("0", False), ("on", True), ("No", False)])
def test_override_bool(dfa, text, want):
    wl = wf.override(dfa, f"effects.c2c={text}")
    assert wl.effects.c2c is want


@pytest.mark.parametrize("text", ["none", "None", "null"])
def test_override_optional_none(dfa, text):
    wl = wf.override(dfa, "training.train_limit=100")
    assert wl.training.train_limit == 100
    assert wf.override(wl, f"training.train_limit={text}").training.train_limit is None


def test_override_optional_float(dfa):
    assert wf.override(dfa, "device.retention_tau_s=1e4").device.retention_tau_s == 1e4


def test_override_float(dfa):
    wl = wf.override(dfa, "device.c2c=0.01")
    assert wl.device.c2c == 0.01 and isinstance(wl.device.c2c, float)


def test_override_float_field_accepts_integer_text(dfa):
    assert wf.override(dfa, "training.lr=1").training.lr == 1.0


def test_apply_in_order(dfa):
    wl = wf.apply(dfa, ["chip.adc_bits=3", "chip.adc_bits=4", "dataset=synthetic", "training.epochs=2"])
    assert wl.chip.adc_bits == 4 and wl.dataset == "synthetic" and wl.training.epochs == 2
    assert wf.apply(dfa, []) == dfa


def test_override_value_may_contain_equals(dfa):
    assert wf.override(dfa, "name=a=b").name == "a=b"


def test_override_revalidates_cross_field_rules(dfa):
    # each alone is invalid across fields; together they are fine, in this order
    msg = one_line_config_error(lambda: wf.override(dfa, "precision.weight=6"))
    assert "precision.weight" in msg
    wl = wf.apply(dfa, ["device.levels=64", "precision.weight=6"])
    assert wl.precision.weight == 6


# ----------------------------------------------------------------------------------------------
# Override errors: ConfigError, one line


def test_unknown_key_lists_valid_keys(dfa):
    msg = one_line_config_error(lambda: wf.override(dfa, "chip.adc_bitz=3"))
    assert "adc_bitz" in msg
    assert "adc_bits" in msg and "subarray" in msg and "cols_per_adc" in msg


def test_unknown_top_level_key_lists_sections(dfa):
    msg = one_line_config_error(lambda: wf.override(dfa, "chipp.adc_bits=3"))
    assert "chipp" in msg
    for name in ("chip", "network", "training", "precision", "device"):
        assert name in msg


@pytest.mark.parametrize(
    "assignment, key",
    [
        ("chip.adc_bits=abc", "chip.adc_bits"),
        ("chip.adc_bits=3.5", "chip.adc_bits"),
        ("chip.adc_bits=", "chip.adc_bits"),
        ("device.c2c=lots", "device.c2c"),
        ("effects.c2c=maybe", "effects.c2c"),
        ("training.train_limit=abc", "training.train_limit"),
        ("network.sizes=784,x,10", "network.sizes"),
    ],
)
def test_wrong_type(dfa, assignment, key):
    msg = one_line_config_error(lambda: wf.override(dfa, assignment))
    assert key in msg


def test_wrong_type_says_what_was_expected(dfa):
    assert "int" in one_line_config_error(lambda: wf.override(dfa, "chip.adc_bits=abc"))
    assert "float" in one_line_config_error(lambda: wf.override(dfa, "device.c2c=lots"))
    assert "bool" in one_line_config_error(lambda: wf.override(dfa, "effects.c2c=maybe"))


def test_missing_equals(dfa):
    msg = one_line_config_error(lambda: wf.override(dfa, "chip.adc_bits"))
    assert "chip.adc_bits" in msg and "KEY=VALUE" in msg


def test_setting_a_section(dfa):
    msg = one_line_config_error(lambda: wf.override(dfa, "chip=3"))
    assert "chip" in msg and "section" in msg


def test_setting_a_field_of_a_plain_value(dfa):
    msg = one_line_config_error(lambda: wf.override(dfa, "chip.adc_bits.x=3"))
    assert "adc_bits" in msg


@pytest.mark.parametrize("assignment", ["=3", ".=3", "chip.=3"])
def test_empty_key(dfa, assignment):
    one_line_config_error(lambda: wf.override(dfa, assignment))


@pytest.mark.parametrize(
    "assignment, key",
    [
        ("chip.adc_bits=0", "chip.adc_bits"),
        ("precision.weight=17", "precision.weight"),
        ("network.sizes=784,0,10", "network.sizes"),
        ("network.sizes=784", "network.sizes"),
        ("network.sizes=100,10", "network.sizes"),
        ("dataset=cifar", "dataset"),
        ("mode=analog", "mode"),
        ("training.lr=nan", "training.lr"),
        ("training.lr=inf", "training.lr"),
        ("chip.cols_per_adc=256", "chip.cols_per_adc"),
    ],
)
def test_invalid_value(dfa, assignment, key):
    msg = one_line_config_error(lambda: wf.override(dfa, assignment))
    assert key in msg


def test_apply_stops_at_first_bad_assignment(dfa):
    msg = one_line_config_error(lambda: wf.apply(dfa, ["chip.adc_bits=3", "chip.adc_bits=0", "chip.x=1"]))
    assert "chip.adc_bits" in msg


def test_config_error_is_a_user_error():
    assert issubclass(ConfigError, UserError)


# ----------------------------------------------------------------------------------------------
# Workload file errors: ConfigError, one line


GOOD = """\
from cyclesim import Network, Workload
workload = Workload(name="tmp", network=Network(sizes=(784, 16, 10)), dataset="synthetic")
"""


def test_minimal_workload_file(tmp_path):
    wl = wf.load(write(tmp_path, GOOD))
    assert wl.name == "tmp" and wl.network.sizes == (784, 16, 10)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.py"
    msg = one_line_config_error(lambda: wf.load(path))
    assert str(path) in msg and "not found" in msg


def test_directory_is_not_a_workload_file(tmp_path):
    one_line_config_error(lambda: wf.load(tmp_path))


def test_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "from cyclesim import Workload\n\nworkload = Workload(\n  name='x',,\n)\n")
    msg = one_line_config_error(lambda: wf.load(path))
    assert f"{path}:4" in msg
    assert "syntax" in msg


def test_file_without_workload(tmp_path):
    path = write(tmp_path, "from cyclesim import Workload\nwl = Workload()\n")
    msg = one_line_config_error(lambda: wf.load(path))
    assert str(path) in msg and "workload" in msg


def test_workload_of_wrong_type(tmp_path):
    path = write(tmp_path, "workload = 3\n")
    msg = one_line_config_error(lambda: wf.load(path))
    assert str(path) in msg and "int" in msg


def test_file_raising_an_exception(tmp_path):
    path = write(tmp_path, "raise RuntimeError('boom in workload')\n")
    msg = one_line_config_error(lambda: wf.load(path))
    assert str(path) in msg and "RuntimeError" in msg and "boom in workload" in msg


def test_file_raising_an_exception_with_a_multiline_message(tmp_path):
    # the user's message may span lines; the ConfigError must still be one line
    path = write(tmp_path, "raise RuntimeError('first line\\nsecond line')\n")
    msg = one_line_config_error(lambda: wf.load(path))
    assert "first line" in msg and "second line" in msg


def test_syntax_error_in_an_imported_module_names_that_module(tmp_path):
    (tmp_path / "helper_mod_with_bad_syntax.py").write_text("x = 1\ny = (\n", encoding="utf-8")
    path = write(
        tmp_path,
        f"""\
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import helper_mod_with_bad_syntax
        """,
    )
    try:
        msg = one_line_config_error(lambda: wf.load(path))
    finally:
        sys.modules.pop("helper_mod_with_bad_syntax", None)
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))
    assert "helper_mod_with_bad_syntax.py" in msg


def test_file_importing_a_missing_module(tmp_path):
    path = write(tmp_path, "import cyclesim_no_such_module\n")
    msg = one_line_config_error(lambda: wf.load(path))
    assert "cyclesim_no_such_module" in msg


def test_file_with_invalid_config(tmp_path):
    path = write(
        tmp_path,
        """\
        from cyclesim import Network, Workload
        workload = Workload(network=Network(sizes=(784, 0, 10)))
        """,
    )
    msg = one_line_config_error(lambda: wf.load(path))
    assert str(path) in msg and "network.sizes" in msg


def test_file_with_impossible_precision(tmp_path):
    path = write(
        tmp_path,
        """\
        from cyclesim import Precision, Workload
        workload = Workload(precision=Precision(weight=6))
        """,
    )
    msg = one_line_config_error(lambda: wf.load(path))
    assert "precision.weight" in msg


def test_file_with_unknown_keyword(tmp_path):
    path = write(
        tmp_path,
        "from cyclesim import Chip\nfrom cyclesim import Workload\nworkload = Workload(chip=Chip(adc_bitz=3))\n",
    )
    msg = one_line_config_error(lambda: wf.load(path))
    assert "adc_bitz" in msg


def test_file_with_unknown_device_preset(tmp_path):
    path = write(
        tmp_path,
        """\
        from cyclesim import Device, Workload
        workload = Workload(device=Device.preset("no_such_device"))
        """,
    )
    with pytest.raises(UserError) as info:
        wf.load(path)
    assert "no_such_device" in str(info.value) and "\n" not in str(info.value)


# ----------------------------------------------------------------------------------------------
# device.name loads a preset (issue 16: a rename alone would label one device's numbers with another's name)


@pytest.mark.parametrize("name", ["ag_asi", "taox_hfox", "rram_neurosim"])
def test_device_name_loads_the_preset(dfa, name):
    from cyclesim.config import Device

    wl = wf.override(dfa, f"device.name={name}")
    assert wl.device == Device.preset(name)


def test_device_name_then_other_overrides_in_any_order(dfa):
    from cyclesim.config import Device

    a = wf.apply(dfa, ["device.c2c=0.1", "device.name=taox_hfox", "precision.weight=7"])
    b = wf.apply(dfa, ["precision.weight=7", "device.name=taox_hfox", "device.c2c=0.1"])
    c = wf.apply(dfa, ["device.name=taox_hfox", "device.c2c=0.1", "precision.weight=7"])
    assert a == b == c
    assert a.device == Device.preset("taox_hfox", c2c=0.1) and a.precision.weight == 7  # 128 levels


def test_the_last_device_name_wins(dfa):
    wl = wf.apply(dfa, ["device.name=ag_asi", "device.name=epiram"])
    assert wl.device.name == "epiram" and wl.device.levels == 256


def test_unknown_device_name_is_refused_with_the_presets(dfa):
    msg = one_line_config_error(lambda: wf.override(dfa, "device.name=my_device"))
    assert "my_device" in msg and "ag_asi" in msg and "rram_neurosim" in msg
    msg = one_line_config_error(lambda: wf.apply(dfa, ["device.c2c=0.1", "device.name=" + "z" * 10_000]))
    assert len(msg) < 600


def test_device_name_with_surrounding_spaces(dfa):
    assert wf.override(dfa, "device.name= ag_asi ").device.name == "ag_asi"


def test_device_name_run_records_the_presets_numbers(capsys, tmp_path, monkeypatch):
    import json

    from cyclesim import cli, tech

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CYCLESIM_NO_DOWNLOAD", "1")
    argv = [str(WORKLOADS / "dfa_3layer.py"), "--set", "dataset=synthetic", "--set", "training.epochs=0"]
    argv += ["--set", "network.sizes=784,16,10", "--set", "device.name=ag_asi", "--quiet", "--out", str(tmp_path / "o")]
    assert cli.main(argv) == 0
    capsys.readouterr()
    device = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))["config"]["device"]
    assert device["name"] == "ag_asi"
    for key, value in tech.device("ag_asi").fields.items():
        assert device[key] == value, key


# ----------------------------------------------------------------------------------------------
# Echoed values are shortened; messages stay one line


@pytest.mark.parametrize(
    "assignment",
    [
        "chip.adc_bits=" + "9" * 10_000,
        "chip.adc_bits=x" + "y" * 10_000,
        "chip." + "k" * 10_000 + "=3",
        "k" * 10_000,
        "name=" + "n" * 10_000,
        "chip.node=" + "\n" * 50,
        "device.name=" + "d" * 10_000,
    ],
)
def test_long_values_are_shortened_in_messages(dfa, assignment):
    msg = one_line_config_error(lambda: wf.override(dfa, assignment))
    assert len(msg) < 600


def test_a_file_raising_a_huge_message_is_shortened(tmp_path):
    path = write(tmp_path, "raise RuntimeError('x' * 100_000)\n")
    assert len(one_line_config_error(lambda: wf.load(path))) < 600


# ----------------------------------------------------------------------------------------------
# device.curve


@pytest.fixture
def table(tmp_path):
    rows = [(p, g, d) for d, gs in (("ltp", (1, 3, 5, 6, 7)), ("ltd", (7, 5, 3, 2, 1))) for p, g in enumerate(gs)]
    for n in range(32 - 5):  # 32 levels: 5-bit weights fit
        rows.append((5 + n, 7 + 0.1 * (n + 1), "ltp"))
    path = tmp_path / "my device.csv"
    path.write_text("pulse,conductance_s,direction,cycle\n" + "".join(f"{p},{g}e-6,{d},0\n" for p, g, d in rows))
    return path


def test_curve_override_gives_the_device_its_table(dfa, table):
    wl = wf.override(dfa, f"device.curve={table}")
    assert wl.device.curve == str(table) and wl.device.name == "my device" and wl.device.levels == 32
    assert wl.device.on_off_ratio == pytest.approx(9.7) and wl.device.c2c == 0.0
    assert wl.device.write_v == dfa.device.write_v  # the rest of the device stays
    assert to_dict(wl)["device"]["curve"] == str(table)


def test_curve_override_comes_after_a_preset_and_before_other_device_settings(dfa, table):
    wl = wf.apply(dfa, [f"device.curve={table}", "device.name=ag_asi", "device.d2d=0.05"])
    assert wl.device.curve == str(table) and wl.device.write_pulse_s == 300e-6 and wl.device.d2d == 0.05
    msg = one_line_config_error(lambda: wf.apply(dfa, ["device.c2c=0.01", f"device.curve={table}"]))
    assert "device.c2c=0.01 does not apply with device.curve" in msg


def test_curve_none_keeps_a_parametric_device_and_refuses_to_strip_a_table(dfa, table):
    assert wf.override(dfa, "device.curve=none") == dfa
    with_table = wf.override(dfa, f"device.curve={table}")
    msg = one_line_config_error(lambda: wf.override(with_table, "device.curve=none"))
    assert "device.name=" in msg
    assert "name a curve table" in one_line_config_error(lambda: wf.override(dfa, "device.curve= "))


def test_curve_override_errors_name_the_file(dfa, tmp_path):
    with pytest.raises(UserError, match="nope.csv.*cannot read"):
        wf.override(dfa, f"device.curve={tmp_path / 'nope.csv'}")
    short = tmp_path / "short.csv"
    short.write_text("pulse,conductance_s,direction,cycle\n0,1e-6,ltp,0\n1,2e-6,ltp,0\n2,3e-6,ltp,0\n"
                     "0,3e-6,ltd,0\n1,2e-6,ltd,0\n2,1e-6,ltd,0\n")  # fmt: skip
    msg = one_line_config_error(lambda: wf.override(dfa, f"device.curve={short}"))
    assert "device.levels" in msg and "precision.weight" in msg


def test_apply_device_takes_device_settings_only():
    from cyclesim.config import Device

    d = wf.apply_device(Device(), ["device.nl_ltp=2.5", "device.name=ag_asi"])
    assert d.name == "ag_asi" and d.nl_ltp == 2.5
    assert wf.apply_device(Device(), ["device.levels=8"]).levels == 8  # no workload's precision applies
    assert "only device.*" in one_line_config_error(lambda: wf.apply_device(Device(), ["chip.adc_bits=3"]))


@pytest.mark.parametrize(
    "name", ["lenet_mnist", "lenet_mnist_dfa", "lenet_fashion", "lenet_fashion_dfa", "vgg8_cifar10", "vgg8_cifar10_dfa"]
)
def test_convolutional_workloads_load_and_differ_only_in_what_they_say(name):
    wl = wf.load(WORKLOADS / f"{name}.py")
    base = wf.load(WORKLOADS / ("vgg8_cifar10.py" if name.startswith("vgg8") else "lenet_mnist.py"))
    assert wl.name == name and wl.rule == ("dfa" if name.endswith("_dfa") else "bp")
    assert wl.dataset == {"lenet_m": "mnist", "lenet_f": "fashion-mnist", "vgg8_ci": "cifar10"}[name[:7]]
    assert attrs.evolve(wl, name=base.name, rule=base.rule, dataset=base.dataset) == base


def test_vgg8_is_neurosims():
    """NeuroSim V2.0's VGG-8: 2x conv128, pool, 2x conv256, pool, 2x conv512, pool, dense 1024, dense 10."""
    g = wf.load(WORKLOADS / "vgg8_cifar10.py").geometry
    assert [(s.rows, s.cols, s.positions) for s in g.stages] == [
        (27, 128, 1024), (1152, 128, 1024), (1152, 256, 256), (2304, 256, 256),
        (2304, 512, 64), (4608, 512, 64), (8192, 1024, 1), (1024, 10, 1),
    ]  # fmt: skip
