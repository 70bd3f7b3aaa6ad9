"""Fuzz suite: every input a user controls either runs to a truthful, finite result or ends with
exactly one `error:` line and exit code 2, with no traceback and nothing half-written.

Property-based (hypothesis) over each kind of input: `--set` keys and values, workload files (valid,
broken, hostile), technology files (`CYCLESIM_TECH`), data files, results.json files given to
`compare`, sweep files and output paths. Every example runs `cyclesim.cli.main` in this process on a
tiny synthetic workload (about 0.1 s when it trains). The default run draws a bounded number of
examples per kind from a fixed seed (under a minute); `python -m pytest -m slow tests/test_fuzz.py`
draws `SLOW_EXAMPLES` per kind. The property checked for each run:

- exit 0: results.json exists, says `complete`, holds only finite numbers, and (when epochs >= 1)
  at least one training iteration ran;
- exit 2: stderr holds exactly one line starting with `error:` (warnings may precede it), no
  traceback, no temporary file, and any results.json says something other than `running`/`complete`;
- anything else (another exit code, an exception escaping `main`, a run over `HANG_S`) fails.
"""

from __future__ import annotations

import atexit
import contextlib
import gzip
import io
import json
import math
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from cyclesim import cli, data, tech
from cyclesim.config import Workload
from cyclesim.learn import network

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EXAMPLES = 25
SLOW_EXAMPLES = 3000  # x 8 kinds >= 20,000
HANG_S = 120

TINY_SETS = [
    "dataset=synthetic",
    "training.epochs=1",
    "training.train_limit=100",
    "training.test_limit=50",
    "training.batch_size=25",
    "network.sizes=784,8,10",
]
TINY_ARGS = [a for s in TINY_SETS for a in ("--set", s)]
BASE = REPO / "workloads" / "dfa_3layer.py"

WORDS = [
    "bp",
    "dfa",
    "fa",
    "drtp",
    "sign_symmetry",
    "ideal",
    "quantized",
    "hardware",
    "mnist",
    "fashion-mnist",
    "synthetic",
    "sram",
    "rram",
    "dram",
    "on_chip",
    "digital_reference",
    "differential",
    "tailored",
    "iso",
    "sse",
    "ce",
    "rram_neurosim",
    "ag_asi",
    "epiram",
    "alox_hfo2",
    "taox_hfox",
    "hbm2",
    "ddr4",
    "lpddr4",
    "22nm",
    "7nm",
    "130nm",
    "lstp",
    "hp",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "none",
    "None",
]


# ------------------------------------------------------------------------------------ the harness


class Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hang(f"no answer within {HANG_S} s")


@attrs.define
class Outcome:
    argv: list
    code: int
    out: str
    err: str
    updates: int


_UPDATES = [0]


@pytest.fixture(autouse=True)
def count_updates(monkeypatch):
    """Count weight updates (training iterations) of every run in this process."""
    real = network.NetworkState.update

    def update(self, *args, **kwargs):
        _UPDATES[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(network.NetworkState, "update", update)


def invoke(argv: list, env: dict | None = None) -> Outcome:
    """cli.main(argv) with stdout/stderr captured and `env` set; any escaping exception fails."""
    argv = [str(a) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in (env or {})}
    _UPDATES[0] = 0
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    cwd = os.getcwd()
    os.chdir(fresh("cwd"))  # a relative path (".", "") writes into scratch, never into the repository
    try:
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
    except BaseException as exc:  # a traceback, a hang or a stray exit: the property is broken
        pytest.fail(f"cli.main({argv!r}) raised {type(exc).__name__}: {exc!s:.500}\nstderr: {err.getvalue()[-2000:]}")
    finally:
        os.chdir(cwd)
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Outcome(argv, code, out.getvalue(), err.getvalue(), _UPDATES[0])


def _finite(value, where: str = "") -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"non-finite figure at {where}: {value}"
    elif isinstance(value, dict):
        for k, v in value.items():
            _finite(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite(v, f"{where}[{i}]")


def _leftovers(folder: Path | None) -> list[str]:
    if folder is None or not folder.is_dir():
        return []
    return [str(p) for p in folder.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.suffixes]


TALLY: dict = {}


@pytest.fixture(scope="module", autouse=True)
def tally():
    """Count exit codes per test; with CYCLESIM_FUZZ_TALLY=FILE set, append them to FILE as JSON lines."""
    yield
    path = os.environ.get("CYCLESIM_FUZZ_TALLY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(TALLY) + "\n")


def check(o: Outcome, out_dir: Path | None = None, *, results: bool = True) -> Outcome:
    """The fuzz property for one run (see the module docstring)."""
    kind = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split(" ")[0]
    counts = TALLY.setdefault(kind, {})
    counts[str(o.code)] = counts.get(str(o.code), 0) + 1
    if o.code == 2 and os.environ.get("CYCLESIM_FUZZ_TALLY"):
        counts.setdefault("errors", []).append(o.err.strip().splitlines()[-1][:160])
    what = f"argv={o.argv!r}\nstdout tail: {o.out[-800:]}\nstderr: {o.err[-1500:]}"
    assert "Traceback" not in o.err + o.out, what
    assert o.code in (0, 2), f"exit {o.code}: {what}"
    assert not _leftovers(out_dir), f"temporary files left: {_leftovers(out_dir)}; {what}"
    lines = [line for line in o.err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    rj = out_dir / "results.json" if out_dir is not None else None
    if o.code == 2:
        assert len(errors) == 1 and lines[-1] == errors[0], f"want one error: line last; {what}"
        assert len(errors[0]) < 2000, f"error line of {len(errors[0])} characters; {what}"
        if rj is not None and rj.exists():  # work done before the error is kept, and says what it is
            status = json.loads(rj.read_text())["status"]
            assert status != "running", f"results.json says {status} after an error; {what}"
        return o
    assert not errors, what
    if results and rj is not None:
        doc = json.loads(rj.read_text())
        assert doc["status"] == "complete", what
        _finite(doc, "results")
        if doc["config"]["training"]["epochs"] >= 1:
            assert o.updates > 0, f"exit 0 after zero training iterations; {what}"
    return o


# ------------------------------------------------------------------------------------- strategies


def _field_types(cls) -> dict:
    import typing

    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name) for f in attrs.fields(cls)}


# Keys that size the work: fuzzed with small valid values or clearly invalid ones only, so a valid
# draw stays a sub-second run.
BUDGET = {"training.epochs", "training.train_limit", "training.test_limit", "training.batch_size", "network.sizes"}

invalid_number = st.one_of(
    st.integers(-(10**15), 0).map(str),
    st.sampled_from(["1e300", "-1e300", "nan", "inf", "-inf", "1e-300", "0.5", "-0", "", "x", "10**3", "1_000"]),
    st.integers(10**9, 10**18).map(str),
)
small_sizes = st.lists(st.integers(1, 24), min_size=0, max_size=4).map(lambda xs: ",".join(map(str, [784, *xs, 10])))
budget_values = {
    "training.epochs": st.one_of(st.integers(0, 2).map(str), invalid_number),
    "training.train_limit": st.one_of(st.integers(1, 300).map(str), invalid_number),
    "training.test_limit": st.one_of(st.integers(1, 100).map(str), invalid_number),
    "training.batch_size": st.one_of(st.integers(1, 400).map(str), invalid_number),
    "network.sizes": st.one_of(
        small_sizes,
        st.lists(st.integers(-(10**12), 10**12), max_size=5).map(lambda xs: ",".join(map(str, xs))),
        st.text(max_size=12),
        st.sampled_from(["784,100000,100000,10", "784,30000,30000,10", "784,10", "10", "784,,10", "784;10"]),
    ),
}
any_value = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1e3, 1e3).map(lambda v: f"{v:.6g}"),
    st.sampled_from(WORDS),
    st.text(max_size=24),
    st.lists(st.integers(-3, 600), max_size=5).map(lambda xs: ",".join(map(str, xs))),
    st.just("x" * 10_000),
)


def _defaults(obj, prefix: str = "") -> dict:
    out = {}
    for f in attrs.fields(type(obj)):
        value = getattr(obj, f.name)
        if attrs.has(type(value)):
            out.update(_defaults(value, f"{prefix}{f.name}."))
        else:
            out[prefix + f.name] = value
    return out


DEFAULTS = _defaults(Workload())
SET_KEYS = sorted(DEFAULTS)  # every leaf field, dotted


@st.composite
def plausible(draw, key: str) -> str:
    """A value near the key's default: what a user exploring the design space would type."""
    value = DEFAULTS.get(key)
    if isinstance(value, bool):
        return draw(st.sampled_from(["true", "false"]))
    if isinstance(value, int):
        return str(max(0, value + draw(st.integers(-2, 2)) * max(1, value // 4)))
    if isinstance(value, float):
        return repr(value * draw(st.floats(0.25, 4.0)))
    return draw(st.sampled_from(WORDS))


@st.composite
def assignment(draw) -> str:
    key = draw(st.sampled_from(SET_KEYS)) if draw(st.integers(0, 4)) else draw(st.text(max_size=16))
    if key in BUDGET:
        value = draw(budget_values[key])
    elif key in DEFAULTS and draw(st.integers(0, 2)):
        value = draw(plausible(key))
    else:
        value = draw(any_value)
    return f"{key}={value}"


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=False,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


def fuzz(body, **strategies):
    """Two tests of `body` over `strategies`: the default bounded run (fixed seed, DEFAULT_EXAMPLES)
    and the long run marked slow (SLOW_EXAMPLES)."""

    def make(n: int, root_seed: int):
        def test(**drawn):
            body(**drawn)

        test.__doc__ = body.__doc__
        return seed(root_seed)(_settings(n)(given(**strategies)(test)))

    return make(DEFAULT_EXAMPLES, 16), pytest.mark.slow(make(SLOW_EXAMPLES, 1616))


_SCRATCH: list[Path] = []


def fresh(stem: str) -> Path:
    """A new empty folder under this session's scratch folder (removed at exit)."""
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="cyclesim-fuzz-")))
        atexit.register(shutil.rmtree, _SCRATCH[0], True)
    return Path(tempfile.mkdtemp(prefix=stem + "-", dir=_SCRATCH[0]))


# ---------------------------------------------------------------------------------- --set values


def _set_property(assignments, mode):
    """`--set` assignments of any key and value on the tiny workload."""
    out = fresh("set") / "out"
    sets = [a for s in assignments for a in ("--set", s)]
    check(invoke([BASE, *TINY_ARGS, "--set", f"mode={mode}", *sets, "--quiet", "--out", out]), out)


test_set_values, test_set_values_slow = fuzz(
    _set_property,
    assignments=st.lists(assignment(), min_size=1, max_size=2),
    mode=st.sampled_from(["ideal", "hardware"]),
)


# ------------------------------------------------------------------------------- workload files

literal = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=10),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
).map(repr)

SECTION_CALLS = {
    "network": "Network(sizes=(784, 8, 10))",
    "training": "Training(epochs=1, train_limit=100, test_limit=50, batch_size=25)",
    "precision": "Precision()",
    "device": "Device()",
    "chip": "Chip()",
    "effects": "Effects()",
    "sim": "Sim()",
}
SECTION_FIELDS = {
    name: list(_field_types(getattr(__import__("cyclesim.config", fromlist=[cls.split("(")[0]]), cls.split("(")[0])))
    for name, cls in SECTION_CALLS.items()
}


@st.composite
def workload_source(draw) -> bytes:
    head = "from cyclesim.config import *\n"
    sections = dict(SECTION_CALLS)
    kind = draw(st.sampled_from(["valid", "valid", "field", "field", "section", "top", "broken", "hostile", "bytes"]))
    extra = ""
    if kind == "field":  # one field of one section gets an arbitrary Python value
        sec = draw(st.sampled_from(sorted(SECTION_FIELDS)))
        name = draw(st.sampled_from(SECTION_FIELDS[sec]))
        call = sections[sec]
        cls, args = call.split("(", 1)
        args = args[:-1]
        kept = ", ".join(a for a in args.split(", ") if a and not a.startswith(name + "="))
        sections[sec] = f"{cls}({kept}{', ' if kept else ''}{name}={draw(literal)})"
    elif kind == "section":  # a whole section replaced by something else
        sec = draw(st.sampled_from(sorted(SECTION_CALLS)))
        sections[sec] = draw(st.one_of(literal, st.sampled_from(list(SECTION_CALLS.values()))))
    elif kind == "top":
        name = draw(st.sampled_from(["name", "rule", "mode", "dataset"]))
        value = draw(st.one_of(literal, st.sampled_from(WORDS).map(repr), st.just(repr("a\x00b"))))
        extra = f"{name}={value}, "
    body = ", ".join(f"{k}={v}" for k, v in sections.items())
    text = f"{head}workload = Workload({extra}{body}, dataset='synthetic')\n"
    if "dataset=" in extra:
        text = text.replace(", dataset='synthetic'", "")
    if kind == "broken":
        text = draw(
            st.sampled_from(
                [
                    "workload = Workload(\n",
                    "import no_such_module\n",
                    "from cyclesim.config import *\nworkload = 3\n",
                    "from cyclesim.config import *\n",
                    "from cyclesim.config import *\nworkload = Workload(bogus=1)\n",
                    "raise ValueError('x' * 5000)\n",
                    "1/0\n",
                    "def f():\n    return f()\nf()\n",
                    "",
                ]
            )
        )
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] if draw(st.booleans()) else text
    elif kind == "hostile":
        text = draw(
            st.sampled_from(
                [
                    "import sys\nsys.exit(0)\n",
                    "import sys\nsys.exit('bye')\n",
                    "raise SystemExit(3)\n",
                    "raise MemoryError()\n",
                    "raise RecursionError('deep')\n",
                    "raise OSError(28, 'No space left on device')\n",
                    "print('x' * 100000)\nraise RuntimeError('boom')\n",
                    "import sys\nsys.stderr.write('Traceback (most recent call last):\\n')\nraise Exception()\n",
                ]
            )
        )
        if "Traceback" in text:  # the file itself prints the word; the property would misread it
            text = "raise Exception('\\n'.join(['line'] * 50))\n"
    raw = text.encode("utf-8")
    if kind == "bytes":
        raw = draw(st.binary(max_size=200))
    return raw


def _workload_file_property(source: bytes, mode: str):
    """Workload files: valid, with a field or section of any value, broken, hostile, random bytes."""
    folder = fresh("wl")
    path = folder / "workload.py"
    path.write_bytes(source)
    out = folder / "out"
    check(invoke([path, "--set", f"mode={mode}", "--quiet", "--out", out]), out)


test_workload_files, test_workload_files_slow = fuzz(
    _workload_file_property, source=workload_source(), mode=st.sampled_from(["ideal", "hardware"])
)


# ---------------------------------------------------------------------------------- tech files

TECH_FILES = sorted(p.relative_to(tech.tech_dir()) for p in tech.tech_dir().rglob("*.toml"))


@st.composite
def tech_mutation(draw) -> tuple[Path, bytes]:
    rel = draw(st.sampled_from(TECH_FILES))
    text = (tech.tech_dir() / rel).read_text(encoding="utf-8")
    lines = text.splitlines()
    assigned = [i for i, line in enumerate(lines) if " = " in line and not line.lstrip().startswith("#")]
    how = draw(
        st.sampled_from(["scale", "scale", "scale", "same", "value", "value", "drop", "truncate", "bytes", "garbage"])
    )
    numeric = [i for i in assigned if re.match(r'^[^=]+= "?-?[0-9]', lines[i])]
    if how == "same":
        raw = text.encode("utf-8")
    elif how == "scale" and numeric:  # a plausible edit: one number scaled by 1/4 .. 4
        i = draw(st.sampled_from(numeric))
        factor = draw(st.floats(0.25, 4.0))
        lines[i] = re.sub(
            r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", lambda m: f"{float(m.group()) * factor:.6g}", lines[i], count=1
        )
        raw = ("\n".join(lines) + "\n").encode("utf-8")
    elif how == "value" and assigned:
        i = draw(st.sampled_from(assigned))
        key = lines[i].split(" = ", 1)[0]
        value = draw(
            st.one_of(
                st.sampled_from(
                    ["0", "0.0", "-1", "1e300", "1e-300", "nan", "inf", '""', '"0 V"', '"1 furlong"', "[]"]
                ),
                st.floats(allow_nan=False, allow_infinity=False).map(repr),
                st.integers(-(10**6), 10**6).map(str),
                st.text(max_size=12).map(json.dumps),
                st.sampled_from(['"0 pJ/bit"', '"0 bit/s"', '"0 fF"', '"0 uA/um"', '"-5 ns"', '"1e300 ohm"']),
            )
        )
        lines[i] = f"{key} = {value}"
        raw = ("\n".join(lines) + "\n").encode("utf-8")
    elif how == "drop" and assigned:
        del lines[draw(st.sampled_from(assigned))]
        raw = ("\n".join(lines) + "\n").encode("utf-8")
    elif how == "truncate":
        raw = text.encode("utf-8")[: draw(st.integers(0, len(text)))]
    elif how == "bytes":
        raw = text.encode("utf-8") + b"\xff\xfe\x00" + draw(st.binary(max_size=20))
    else:
        raw = draw(st.binary(max_size=300))
    return rel, raw


def _tech_property(mutation):
    """A copy of the shipped technology folder with one file damaged, used through CYCLESIM_TECH."""
    rel, raw = mutation
    folder = fresh("tech")
    shutil.copytree(tech.tech_dir(), folder / "tech")
    (folder / "tech" / rel).write_bytes(raw)
    sets = []
    if rel.parts[0] == "devices":
        sets = ["--set", f"device.name={rel.stem}"]
    elif rel.parts[0] == "dram":
        sets = ["--set", f"chip.dram={rel.stem}"]
    elif rel.parts[0] == "nodes":
        sets = ["--set", f"chip.node={rel.stem}"]
    out = folder / "out"
    argv = [BASE, *TINY_ARGS, "--set", "mode=hardware", *sets, "--quiet", "--out", out]
    check(invoke(argv, env={"CYCLESIM_TECH": str(folder / "tech")}), out)


test_tech_files, test_tech_files_slow = fuzz(_tech_property, mutation=tech_mutation())


# ---------------------------------------------------------------------------------- data files


def _idx(array: np.ndarray) -> bytes:
    codes = {np.dtype(np.uint8): 0x08}
    head = bytes([0, 0, codes[array.dtype], array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return head + array.tobytes()


@st.composite
def idx_file(draw) -> tuple[str, bytes]:
    """One of the four MNIST files, small and then possibly damaged."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    stem = draw(st.sampled_from(data.FILES))
    n = draw(st.integers(1, 40))
    if "labels" in stem:
        arr = rng.integers(0, draw(st.sampled_from([10, 10, 11, 256])), n).astype(np.uint8)
    else:
        arr = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    raw = _idx(arr)
    how = draw(st.sampled_from(["none", "truncate", "magic", "count", "flip", "append", "gzip", "bytes"]))
    if how == "truncate":
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif how == "magic":
        raw = draw(st.binary(min_size=4, max_size=4)) + raw[4:]
    elif how == "count":
        raw = raw[:4] + draw(st.integers(0, 2**32 - 1)).to_bytes(4, "big") + raw[8:]
    elif how == "flip":
        i = draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + bytes([raw[i] ^ 0xFF]) + raw[i + 1 :]
    elif how == "append":
        raw = raw + draw(st.binary(min_size=1, max_size=50))
    elif how == "gzip":
        raw = gzip.compress(raw)[: draw(st.integers(0, 200))]
    elif how == "bytes":
        raw = draw(st.binary(max_size=300))
    return stem, raw


def _read_idx_property(file):
    """The IDX reader returns an array or raises DataError; nothing else."""
    stem, raw = file
    path = fresh("idx") / stem
    path.write_bytes(raw)
    try:
        arr = data.read_idx(path)
    except data.DataError:
        return
    assert isinstance(arr, np.ndarray)


test_idx_reader, test_idx_reader_slow = fuzz(_read_idx_property, file=idx_file())


def _data_dir_property(files, dataset):
    """A data folder of small or damaged files: the run refuses it in one line (md5 or format)."""
    folder = fresh("data")
    for stem, raw in files:
        (folder / stem).write_bytes(raw)
    out = folder / "out"
    argv = [BASE, *TINY_ARGS, "--set", f"dataset={dataset}", "--set", "mode=ideal", "--data-dir", folder]
    check(invoke([*argv, "--quiet", "--out", out], env={"HOME": str(folder)}), out)


test_data_dirs, test_data_dirs_slow = fuzz(
    _data_dir_property,
    files=st.lists(idx_file(), min_size=1, max_size=4),
    dataset=st.sampled_from(["mnist", "fashion-mnist"]),
)


# ------------------------------------------------------------------------------ compare inputs


_DOC: list[dict] = []


def results_doc() -> dict:
    """results.json of one tiny hardware run (made once)."""
    if not _DOC:
        out = fresh("reference-run") / "out"
        check(invoke([BASE, *TINY_ARGS, "--set", "mode=hardware", "--quiet", "--out", out]), out)
        _DOC.append(json.loads((out / "results.json").read_text()))
    return _DOC[0]


def _paths(doc, prefix=()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            out += _paths(v, (*prefix, i))
    return out


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**9), 10**9), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=5,
)


@st.composite
def results_file(draw) -> bytes:
    doc = results_doc()
    how = draw(st.sampled_from(["replace", "replace", "delete", "truncate", "bytes", "valid"]))
    doc = json.loads(json.dumps(doc))
    if how in ("replace", "delete"):
        path = draw(st.sampled_from([p for p in _paths(doc) if p]))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        if how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_value)
        return json.dumps(doc, allow_nan=True).encode("utf-8")
    if how == "truncate":
        text = json.dumps(doc)
        return text[: draw(st.integers(0, len(text) - 1))].encode("utf-8")
    if how == "bytes":
        return draw(st.binary(max_size=200))
    return json.dumps(doc).encode("utf-8")


def _compare_property(a: bytes, b: bytes):
    """`compare` of two results.json files, damaged in any block."""
    folder = fresh("cmp")
    (folder / "a.json").write_bytes(a)
    (folder / "b.json").write_bytes(b)
    check(invoke(["compare", folder / "a.json", folder / "b.json"]), None, results=False)


test_compare_files, test_compare_files_slow = fuzz(_compare_property, a=results_file(), b=results_file())


# ---------------------------------------------------------------------------------- sweep files


@st.composite
def sweep_source(draw) -> bytes:
    head = "from cyclesim.config import *\nfrom cyclesim.sweep import grid\n"
    tiny = (
        "Workload(name='p', dataset='synthetic', network=Network(sizes=(784, 8, 10)), "
        "training=Training(epochs=1, train_limit=50, test_limit=25, batch_size=25))"
    )
    odd_name = st.one_of(literal, st.sampled_from(["'a/b'", "'..'", "''", "'x' * 300", "'\\x00'"]))
    name = draw(st.just("'fz'") if draw(st.integers(0, 2)) else odd_name)
    seeds = draw(st.integers(0, 2).map(str) if draw(st.integers(0, 2)) else literal)
    points = draw(
        st.one_of(
            st.integers(1, 2).map(lambda n: f"[{tiny}] * {n}"),
            st.integers(1, 2).map(lambda n: f"[{tiny}] * {n}"),
            st.just(f"[grid.evolve({tiny}, name='q', chip={{'adc_bits': 3}})]"),
            literal,
            st.sampled_from(["[]", "[None]", "[1, 2]", f"({tiny},)", f"iter([{tiny}])", f"{{'a': {tiny}}}"]),
        )
    )
    text = f"{head}name = {name}\nseeds = {seeds}\npoints = {points}\n"
    if draw(st.integers(0, 5)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8")


def _sweep_property(source: bytes):
    """Sweep files with any name, seeds and points, run in process."""
    folder = fresh("sweep")
    path = folder / "sweep.py"
    path.write_bytes(source)
    out = folder / "out"
    o = invoke(["sweep", path, "--out", out])
    check(o, out, results=False)
    for rj in out.glob("**/results.json") if out.is_dir() else ():
        doc = json.loads(rj.read_text())
        if o.code == 0:
            assert doc["status"] == "complete", rj
            _finite(doc, str(rj))


test_sweep_files, test_sweep_files_slow = fuzz(_sweep_property, source=sweep_source())


# ---------------------------------------------------------------------------------- output paths


@st.composite
def output_case(draw):
    option = draw(st.sampled_from(["--out", "--trace", "--plots"]))
    kind = draw(
        st.sampled_from(["under_file", "is_file", "is_dir", "empty", "long", "nul", "fine", "nested_new", "dot"])
    )
    return option, kind


def _target(folder: Path, kind: str) -> str:
    blocker = folder / "a_file"
    blocker.write_text("not a folder")
    (folder / "a_dir").mkdir()
    return {
        "under_file": str(blocker / "x"),
        "is_file": str(blocker),
        "is_dir": str(folder / "a_dir"),
        "empty": "",
        "long": str(folder / ("n" * 300)),
        "nul": str(folder / "a\x00b"),
        "fine": str(folder / "fine"),
        "nested_new": str(folder / "new" / "deeper" / "x"),
        "dot": ".",
    }[kind]


def _output_property(case):
    """--out, --trace and --plots pointing under a file, at a file or folder, nowhere, or somewhere new."""
    option, kind = case
    folder = fresh("outp")
    target = _target(folder, kind)
    out = folder / "run"
    argv = [BASE, *TINY_ARGS, "--set", "mode=hardware", "--quiet"]
    if option == "--out":
        argv += ["--out", target]
        out = Path(target) if target not in ("", ".") and "\x00" not in target else None
    else:
        argv += ["--out", out, option, target]
    o = invoke(argv)
    check(o, out if out is not None and o.code == 0 else None, results=option != "--out" or kind == "fine")


test_output_paths, test_output_paths_slow = fuzz(_output_property, case=output_case())
