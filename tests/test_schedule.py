"""The event-driven iteration: same numbers as the functional model, measured (not computed) latency."""

import attrs
import numpy as np
import pytest
import simpy

from cyclesim import data, irdrop, kernels, rules
from cyclesim.config import Chip, Effects, Network, Training, Workload
from cyclesim.engine import schedule
from cyclesim.errors import ConfigError
from cyclesim.hw import inventory
from cyclesim.layers import AvgPool2d, Conv2d, Dense, Flatten, MaxPool2d
from cyclesim.learn import quant, signals
from cyclesim.learn.network import Operand
from cyclesim.learn.train import Trainer
from cyclesim.terms import IDLE, PHASES

DS = data.synthetic(0, 600, 100)


def traced(rule, sizes=(784, 96, 64, 10), batch=20, layers=None, **chip):
    network = Network(sizes=sizes) if layers is None else Network(layers=layers)
    wl = Workload(
        rule=rule, network=network, dataset="synthetic", chip=Chip(**chip),
        training=Training(epochs=1, batch_size=batch, train_limit=200),
    )  # fmt: skip
    tr = Trainer(wl, DS, np.random.SeedSequence(0))
    _, traces = tr.run_epoch(1, record=[3])
    return wl, tr, traces[0]


CONV = (Conv2d(8, 5), MaxPool2d(2), Conv2d(12, 3, padding=1), AvgPool2d(2), Flatten(), Dense(32), Dense(10))
"""A small convolutional network: a 25-row kernel, a 72-row one (two row-subarrays of 64), pooling of
both kinds, and dense layers after Flatten."""


def chip_read(model, l, x, g, transposed, feedback=False):
    """A layer read as the engine's subarrays perform it: every subarray of the array reads its slice
    (its own ADCs, `kernels.mvm_bitserial`) and the PE and tile adder trees sum the row blocks' results
    per output block in order; real units, as `learn.network.Crossbar.read` returns them. ADC ranges
    that span more than one subarray (`chip.adc_range` layer) or were calibrated earlier (fixed) are
    the chip's reference levels: each subarray gets its share of them."""
    xbar, a, subs = model._array(l, feedback)
    wl, sub = model.wl, model.sub
    signed = transposed or feedback
    bits = wl.precision.error if signed else wl.precision.activation
    spec = xbar.ag_adc if transposed else xbar.adc
    gl = g.T if transposed else g
    spans = xbar.spans.get(transposed)
    if spans is None:
        spans = np.zeros(kernels.span_shape(*gl.shape, bits, signed, sub, sub, spec), np.float32)
        kernels.mvm_bitserial(
            x.q, gl, xbar.cells.g_ref, bits, signed, sub, sub, spec._replace(fixed=False), spans=spans
        )
    shared = spec.fixed or spec.group_cols == 0
    nj = -(-gl.shape[1] // sub)
    groups = spans.shape[2] - nj  # then one reference-column range per column-subarray
    parts = {}
    for s, j in subs:
        rs, cs = slice(s * sub, (s + 1) * sub), slice(j * sub, (j + 1) * sub)
        xs, gs = (x.q[:, cs], g[rs, cs].T) if transposed else (x.q[:, rs], g[rs, cs])
        r, c = (j, s) if transposed else (s, j)  # the block's row- and column-subarray in the read
        own = None
        if shared:
            mine = [0] if spec.group_cols == 0 else list(range(c * groups // nj, (c + 1) * groups // nj))
            own = np.ascontiguousarray(spans[r : r + 1, :, mine + [groups + c]])
        parts[s, j] = kernels.mvm_bitserial(
            xs, gs, xbar.cells.g_ref, bits, signed, sub, sub, spec._replace(fixed=shared), spans=own
        )
    out_cols = a.rows if transposed else a.cols
    inner, outer = (a.sub_cols, a.sub_rows) if transposed else (a.sub_rows, a.sub_cols)
    raw = np.zeros((x.q.shape[0], out_cols), dtype=np.float32)
    for o in range(outer):
        block = np.zeros((x.q.shape[0], min(sub, out_cols - o * sub)), dtype=np.float32)
        for i in range(inner):
            block += parts[(o, i) if transposed else (i, o)]
        raw[:, o * sub : o * sub + block.shape[1]] = block
    raw *= np.float32(xbar.cells.weight_per_conductance)
    return raw * np.float32(x.scale * xbar.scale)


@pytest.mark.parametrize("rule", rules.NAMES)
@pytest.mark.parametrize("readout", ["digital_reference", "differential"])
@pytest.mark.parametrize("feedback_store", ["auto", "sram", "rram"])
@pytest.mark.parametrize("duplication", [None, 3])
def test_the_chips_subarrays_compute_the_functional_iteration_bit_for_bit(rule, readout, feedback_store, duplication):
    """The engine times the recorded iteration's values; this proves the chip it times computes them:
    every read through the engine's subarrays (one ADC group each, summed by the adder trees) gives the
    functional pre-activations and, through the rule's signals, its deltas bit for bit, and the WGU's
    exact outer products are the update's gradients."""
    if feedback_store != "auto" and Workload(rule=rule).feedback_store == "none":
        pytest.skip(f"{rule} has no feedback matrices")
    _check_chip_computes_iteration(
        rule, readout=readout, feedback_store=feedback_store, duplication=duplication
    )  # fmt: skip


@pytest.mark.parametrize("rule", ["bp", "dfa"])
@pytest.mark.parametrize(
    "adc",
    [
        {"adc_range": "layer", "adc_rounding": "floor"},
        {"adc_range": "column_group", "cols_per_adc": 8, "readout": "differential"},
        {"adc_calibration": "fixed", "adc_range": "layer"},
        {"adc_calibration": "fixed", "adc_range": "column_group", "cols_per_adc": 16},
    ],
    ids=["layer-floor", "group-differential", "fixed-layer", "fixed-group"],
)
def test_the_chip_computes_the_iteration_under_every_adc_semantics(rule, adc):
    """Ranges spanning a layer, a multiplexed ADC's columns or fixed by an earlier calibration read are
    the chip's ADC reference levels; with each subarray given its share the engine's reads stay exact."""
    _check_chip_computes_iteration(rule, feedback_store="rram" if rule == "dfa" else "auto", **adc)


@pytest.mark.parametrize("transposed", [False, True], ids=["forward", "transposed"])
def test_reads_through_resistive_wires_charge_the_currents_they_carry(transposed):
    """With effects.ir_drop each subarray's cell energy is cell_j_per_gmax times the degraded column
    currents (the drivers' current): lower than with ideal wires by exactly the current the wires take
    away, checked per subarray against the single-subarray IR-drop read of the same block and bits."""
    wl = Workload(
        rule="bp", network=Network(sizes=(784, 128, 64, 10)), dataset="synthetic", chip=Chip(subarray=64),
        effects=Effects(ir_drop=True), training=Training(epochs=1, batch_size=8, train_limit=40),
    )  # fmt: skip
    tr = Trainer(wl, DS, np.random.SeedSequence(1))
    _, traces = tr.run_epoch(1, record=[2])
    trace = traces[0]
    model = schedule.Iteration(inventory.of(wl), tr.net, trace).model
    x = trace.step.deltas[1] if transposed else trace.step.inputs[1]  # layer 1: 128 x 64, whole subarrays
    g, xbar = trace.conductances[1], tr.net.xbars[1]
    bits, signed = (wl.precision.error, True) if transposed else (wl.precision.activation, False)
    wires = {key: e["array"] for key, _sa, e, _c in model.reads(1, x, g, transposed)}
    circuit, xbar.circuit = xbar.circuit, None
    try:
        ideal = {key: e["array"] for key, _sa, e, _c in model.reads(1, x, g, transposed)}
    finally:
        xbar.circuit = circuit
    cell_j = model.read["ag" if transposed else "fw"].cell_j_per_gmax
    planes = kernels.bit_planes(x.q, bits, signed)
    assert len(wires) == 2
    for (s, j), e in wires.items():
        block = g[s * 64 : (s + 1) * 64, j * 64 : (j + 1) * 64]
        driven = j if transposed else s  # the block of input lines this subarray's read drives
        inputs = planes[:, :, driven * 64 : (driven + 1) * 64]
        block = block.T if transposed else block
        sums, _ref = irdrop.degraded_sums(block, inputs, circuit, g_ref=xbar.cells.g_ref)
        exact = np.einsum("pbr,rc->", inputs.astype(np.float64), block.astype(np.float64))
        lost = exact - sums.sum(dtype=np.float64)
        assert 0 < lost < 0.5 * exact
        assert e == pytest.approx(ideal[s, j] - cell_j * lost, rel=1e-6)


def _check_chip_computes_iteration(rule, layers=None, **chip):
    wl, tr, trace = traced(rule, sizes=(784, 150, 140, 10), subarray=64, layers=layers, **chip)
    model = schedule.Iteration(inventory.of(wl), tr.net, trace).model
    step, net, stages = trace.step, tr.net, wl.geometry.stages
    n = len(stages)
    for l, stage in enumerate(stages):
        a = chip_read(model, l, step.inputs[l], trace.conductances[l], transposed=False)
        assert np.array_equal(a, stage.rows_of(step.pre[l]))
        if l < n - 1:
            h, _memos = stage.pool(np.clip(stage.unrows(a), 0, 1))
            q, scale = quant.unsigned(h, wl.precision.activation)
            assert scale == step.inputs[l + 1].scale and np.array_equal(stages[l + 1].patches(q), step.inputs[l + 1].q)
    e = net.error_operand(signals.output_error(step.pre[-1], trace.labels, wl.training.loss))
    assert e.scale == step.deltas[-1].scale and np.array_equal(e.q, step.deltas[-1].q)
    for sig in wl.signals:
        l = sig.layer
        source = signals.source_operand(net, sig, step.deltas, trace.labels)
        if sig.reads_weights is not None or sig.mirrors_next:  # read at every position of layer l + 1
            source = Operand(stages[l + 1].rows_of(source.q), source.scale)
        if sig.via == "transposed":
            back = stages[l + 1].fold(chip_read(model, l + 1, source, trace.conductances[l + 1], transposed=True))
        elif sig.via == "sign_transposed":
            signs = np.sign(trace.conductances[l + 1] - np.float32(net.xbars[l + 1].cells.g_ref))
            back = stages[l + 1].fold((source.q.astype(np.float32) @ signs.T) * np.float32(source.scale))
        elif wl.feedback_store == "rram":
            back = chip_read(model, l, source, net.feedback[l].cells.conductance(), False, feedback=True)
            back = stages[l + 1].fold(back) if sig.mirrors_next else back
        else:
            back = net.feedback_read(l, signals.source_operand(net, sig, step.deltas, trace.labels))
        if sig.reads_weights is not None or sig.mirrors_next:
            back = net.unpool(l, back, step)
        d = net.error_operand(back * net.derivative(step.pre[l]))
        assert d.scale == step.deltas[l].scale and np.array_equal(d.q, step.deltas[l].q)
    for stage, x, d in zip(stages, step.inputs, step.deltas):
        dq = stage.rows_of(d.q)  # a convolution's gradient: the sum over positions of patch (x) delta
        want = kernels.outer_product_ref(x.q, dq).astype(np.float32)  # the WGU's exact sums, rounded once
        assert np.array_equal(kernels.outer_product_blas(x.q, dq), want)
    r = schedule.simulate(inventory.of(wl), tr.net, trace)
    r.probe.check(r.cycles)


@pytest.mark.parametrize("rule", rules.NAMES)
@pytest.mark.parametrize("feedback_store", ["auto", "rram"])
def test_the_chip_computes_a_convolutional_iteration_bit_for_bit(rule, feedback_store):
    """Convolutions read at every output position (im2col), pooled, and their errors read transposed and
    folded back (col2im): the engine's subarrays still compute the functional iteration bit for bit."""
    if feedback_store != "auto" and Workload(rule=rule).feedback_store == "none":
        pytest.skip(f"{rule} has no feedback matrices")
    _check_chip_computes_iteration(rule, layers=CONV, feedback_store=feedback_store)


@pytest.mark.parametrize("rule", rules.NAMES)
def test_conservation(rule):
    wl, tr, trace = traced(rule)
    r = schedule.simulate(inventory.of(wl), tr.net, trace)
    r.probe.check(r.cycles)  # no resource double-booked or busy longer than the iteration
    e = r.probe.energy_by_component()
    assert sum(e.values()) == pytest.approx(r.probe.total_energy_j)
    assert sum(r.phase_time().values()) == pytest.approx(r.cycles)
    assert list(r.phase_time()) == [*PHASES, IDLE]
    assert [list(row) for row in r.per_layer()] == [["layer", *PHASES]] * 3
    assert r.cycles > 0 and r.events > 100


@pytest.mark.parametrize("wgu", ["per_layer", "shared"])
def test_resources_registered_with_kind_and_layer(wgu):
    wl, tr, trace = traced("dfa", wgu=wgu)
    probe = schedule.simulate(inventory.of(wl), tr.net, trace).probe
    subs = [r for r in probe.resources() if probe.kind(r) == "subarray"]
    assert subs and all(r.startswith(f"layer{probe.layer(r) + 1}.sub") for r in subs)
    wgus = {r: probe.layer(r) for r in probe.resources() if probe.kind(r) == "weight_gradient"}
    assert wgus == ({"wgu1": 0, "wgu2": 1, "wgu3": 2} if wgu == "per_layer" else {"wgu": None})
    kinds = {probe.kind(r): probe.layer(r) for r in ("global_buffer", "chip_htree", "dram", "accumulation")}
    assert kinds == {"buffer": None, "interconnect": None, "dram": None, "digital": None}


def test_dfa_advantage_grows_with_depth_and_needs_per_layer_wgus():
    ratios, shared = [], []
    for k in (1, 2, 3):
        sizes = (784,) + (512,) * k + (10,)
        wl, tr, trace = traced("bp", sizes=sizes)
        bp = schedule.simulate(inventory.of(wl), tr.net, trace).cycles
        wl, tr, trace = traced("dfa", sizes=sizes)
        dfa = schedule.simulate(inventory.of(wl), tr.net, trace).cycles
        wl_s = attrs.evolve(wl, chip=attrs.evolve(wl.chip, wgu="shared"))
        dfa_shared = schedule.simulate(inventory.of(wl_s), tr.net, trace).cycles
        ratios.append(bp / dfa)
        shared.append(bp / dfa_shared)
    assert ratios == sorted(ratios) and ratios[-1] > 1.5
    assert all(s < 1.1 for s in shared)  # one shared WGU serialises DFA's layers again


def test_one_dram_channel_limits_dfa():
    sizes = (784, 128, 128, 128, 10)
    wl, tr, trace = traced("dfa", sizes=sizes)
    results = {}
    for ch in (1, 4):
        w = attrs.evolve(wl, chip=attrs.evolve(wl.chip, dram_channels=ch))
        results[ch] = schedule.simulate(inventory.of(w), tr.net, trace)
    assert results[1].cycles > results[4].cycles
    wait = {
        ch: next(r for r in res.probe.contention(res.cycles) if r["resource"] == "dram")["wait_mean_cycles"]
        for ch, res in results.items()
    }
    assert wait[1] > wait[4]


def test_no_progress_is_reported():
    wl, tr, trace = traced("bp")
    it = schedule.Iteration(inventory.of(wl), tr.net, trace)

    def stuck():
        yield it.env.event()  # nothing will ever trigger this

    it.iteration = stuck
    with pytest.raises(ConfigError, match="stopped making progress"):
        it.run()


def test_engine_needs_hardware_mode():
    wl, tr, trace = traced("bp")
    with pytest.raises(ConfigError, match="mode=hardware"):
        schedule.Iteration(inventory.of(attrs.evolve(wl, mode="ideal")), tr.net, trace)


def test_busy_port_makes_the_second_reader_wait():
    """Two PEs sharing one buffer port: the second waits exactly the first's transfer."""
    from cyclesim.engine.components import Buffer
    from cyclesim.engine.probe import Probe
    from cyclesim.hw.circuits import Cost

    env, probe = simpy.Environment(), Probe()
    buf = Buffer(env, "pe_buffer", 128, Cost(0, 1e-12, 2, 0), Cost(0, 1e-12, 2, 0), probe)
    for _ in range(2):
        env.process(buf.read(1280, "fw", 0))
    env.run()
    assert probe.waits("pe_buffer") == [0, 20]


@pytest.mark.parametrize("rule", rules.NAMES)
def test_pipelined_forward_same_numbers_less_time(rule):
    wl, tr, trace = traced(rule, sizes=(784, 150, 140, 10), batch=40)
    seq = schedule.simulate(inventory.of(wl), tr.net, trace)
    wl_p = attrs.evolve(wl, sim=attrs.evolve(wl.sim, dataflow="pipelined"))
    pipe = schedule.simulate(inventory.of(wl_p), tr.net, trace)
    assert pipe.probe.total_energy_j == pytest.approx(seq.probe.total_energy_j, rel=1e-12)
    assert pipe.phase_time()["fw"] < seq.phase_time()["fw"]
    pipe.probe.check(pipe.cycles)


def _fw_busy(r, name: str) -> int:
    """Cycles resource `name` is busy in the forward phase of simulated iteration `r`."""
    return sum(e - s for s, e, phase, *_ in r.probe.intervals(name) if phase == "fw")


def _same_forward_read_energy(one, other) -> None:
    """Both iterations charge the same ADC energy to the forward reads (copies share the batch)."""
    adc_fw_j = [r.probe.energy_table().get(("adc", "fw"), 0.0) for r in (one, other)]
    assert adc_fw_j[0] > 0 and adc_fw_j[0] == pytest.approx(adc_fw_j[1], rel=1e-12)


@pytest.mark.parametrize("rule", ["bp", "dfa"])
@pytest.mark.parametrize("dataflow", ["layer_sequential", "pipelined"])
def test_duplicated_layers_share_the_batch_and_keep_the_numbers(rule, dataflow):
    """Copies of a layer (duplication) read their shares of the batch in parallel: every copy is busy,
    a layer read with 4 copies holds each subarray for a quarter of the samples (rounded up) instead
    of all of them, and the batch's read energy is charged once."""
    from cyclesim.config import Sim

    wl, tr, trace = traced(rule, sizes=(784, 96, 64, 10), subarray=64)
    one = schedule.simulate(inventory.of(attrs.evolve(wl, sim=Sim(dataflow=dataflow))), tr.net, trace)
    wl4 = attrs.evolve(wl, chip=attrs.evolve(wl.chip, duplication=4), sim=Sim(dataflow=dataflow))
    four = schedule.simulate(inventory.of(wl4), tr.net, trace)
    four.probe.check(four.cycles)
    _same_forward_read_energy(one, four)
    batch = len(trace.labels)
    base = _fw_busy(one, "layer1.sub0.0")
    assert base > 0
    for name in ("layer1.sub0.0", "layer1.copy1.sub0.0", "layer1.copy3.sub0.0"):
        assert _fw_busy(four, name) * batch == base * (-(-batch // 4))
    if dataflow == "layer_sequential":  # (pipelined stages are bound by the per-sample transfers)
        assert four.phase_time()["fw"] < one.phase_time()["fw"]


def test_per_layer_duplication_speeds_up_the_layers_copied():
    """chip.duplication per layer: the first convolution in 4 copies reads its batch on 4 arrays at once
    (each copy a quarter of the samples, every position of them), the other layers once; the read energy
    is the same and the forward phase shorter."""
    wl, tr, trace = traced("bp", layers=CONV, subarray=64)
    one = schedule.simulate(inventory.of(wl), tr.net, trace)
    wl4 = attrs.evolve(wl, chip=attrs.evolve(wl.chip, duplication=(4, 1, 1, 1)))
    four = schedule.simulate(inventory.of(wl4), tr.net, trace)
    four.probe.check(four.cycles)
    _same_forward_read_energy(one, four)
    batch = len(trace.labels)
    for name in ("layer1.sub0.0", "layer1.copy1.sub0.0", "layer1.copy3.sub0.0"):
        assert _fw_busy(four, name) * batch == _fw_busy(one, "layer1.sub0.0") * (-(-batch // 4))
    assert _fw_busy(four, "layer2.sub0.0") == _fw_busy(one, "layer2.sub0.0") > 0
    assert "layer2.copy1.sub0.0" not in four.probe.resources()
    assert four.phase_time()["fw"] < one.phase_time()["fw"]


def test_shares_cover_the_batch():
    assert schedule._shares(20, 4) == [5, 5, 5, 5]
    assert schedule._shares(10, 4) == [3, 3, 3, 1]
    assert schedule._shares(2, 4) == [1, 1, 0, 0]
    assert schedule._shares(7, 1) == [7]


@pytest.mark.parametrize("rule", ["bp", "dfa"])
@pytest.mark.parametrize("accumulation", ["dram", "on_chip"])
@pytest.mark.parametrize("dataflow", ["layer_sequential", "pipelined"])
def test_every_dram_bit_of_an_iteration_is_accounted_for(rule, accumulation, dataflow):
    """DRAM traffic of one iteration, in closed form (B samples, layers n_l -> n_{l+1}, a/e activation
    and error bits, g the gradient word, m the momentum word):
        FW: B n_0 a (the images, read) + sum_{l>=1} B n_l a (each hidden layer's output, kept for WG)
        WG: sum_l [B n_{l+1} e (the errors) + B (n_l a + n_{l+1} e) (operands read back per sample)
                   + (2B - 1) n_l n_{l+1} g ("dram": running sums read back and written)]
        WU: sum_l [n_l n_{l+1} g ("dram": the sums read once more) + 2 n_l n_{l+1} m (momentum)]."""
    sizes = (784, 96, 64, 10)
    from cyclesim.config import Sim

    wl, tr, trace = traced(rule, sizes=sizes, gradient_accumulation=accumulation)
    inv = inventory.of(attrs.evolve(wl, sim=Sim(dataflow=dataflow)))
    r = schedule.simulate(inv, tr.net, trace)
    w, batch = inv.words, len(trace.labels)
    assert w.gradient == 8 + 8 + 5 and w.momentum == 32  # batch 20: 16-bit products, sums of 20
    pairs = list(zip(sizes, sizes[1:]))
    sums = accumulation == "dram"
    want = {
        "fw": batch * sizes[0] * w.activation + sum(batch * n * w.activation for n in sizes[1:-1]),
        "wg": sum(
            batch * m * w.error + batch * (n * w.activation + m * w.error) + sums * (2 * batch - 1) * n * m * w.gradient
            for n, m in pairs
        ),
        "wu": sum(sums * n * m * w.gradient + 2 * n * m * w.momentum for n, m in pairs),
    }
    got = dict.fromkeys(want, 0)
    for _s, _e, phase, _layer, bits in r.probe.intervals("dram"):
        got[phase] += bits
    assert got == want
    per_bit = inv.dram_j_per_bit  # the DRAM device and I/O plus the on-chip staging register
    assert r.probe.energy_by_component()["dram"] == pytest.approx(sum(want.values()) * per_bit)


def test_gradient_words_can_be_set_to_what_neurosim_charges():
    wl, tr, trace = traced("bp")
    wl12 = attrs.evolve(wl, precision=attrs.evolve(wl.precision, gradient_word=12))
    derived, twelve = inventory.of(wl), inventory.of(wl12)
    assert derived.words.gradient == 21 and twelve.words.gradient == 12
    e = {k: schedule.simulate(i, tr.net, trace).probe.energy_table() for k, i in (("d", derived), ("t", twelve))}
    assert e["t"][("dram", "wg")] < e["d"][("dram", "wg")]


@pytest.mark.parametrize("rule", ["bp", "dfa"])
def test_every_timed_part_of_the_inventory_works_and_every_cost_is_charged(rule):
    """Every timed part the inventory lists becomes a component that is busy in an iteration (a layer
    spanning several tile rows uses the chip's accumulators too), and each circuit's energy reaches
    its category in the phase that uses it: drivers and multiplexers (other) and buffers in FW, row
    selection (other), pulses (array) and pulse words (interconnect) in WU, BP's transposed ADCs in AG."""
    wl, tr, trace = traced(rule, sizes=(784, 96, 64, 10), subarray=64, pe_size=2, tile_size=2)
    inv = inventory.of(wl)
    r = schedule.simulate(inv, tr.net, trace)
    busy = {res for res in r.probe.resources() if r.probe.busy_cycles(res) > 0}
    suffixes = (".tile0.0.buffer", ".tile0.0.htree", ".tile0.0.adder_tree", ".pe0.0.buffer", ".pe0.0.adder_tree")
    for suffix in suffixes:
        assert f"layer1{suffix}" in busy, suffix
    chip = {p.name for p in inv.chip_parts} - {"wgu", "wgu1", "wgu2", "wgu3"}
    assert chip - busy == set(), chip - busy
    assert any(res.startswith("wgu") for res in busy) and "dram" in busy
    e = r.probe.energy_table()
    for key in [("other", "fw"), ("buffer", "fw"), ("interconnect", "fw"), ("other", "wu"), ("array", "wu")]:
        assert e.get(key, 0) > 0, key
    assert e.get(("interconnect", "wu"), 0) > 0  # the pulse words to the tiles
    if rule == "bp":
        assert e.get(("adc", "ag"), 0) > 0 and e.get(("other", "ag"), 0) > 0  # transposed read, its drivers


def test_phase_time_is_its_definition_cycle_by_cycle():
    """time[p] = sum over cycles of [p busy] / max(1, phases busy), nothing busy counting as idle:
    the piecewise sum equals the per-cycle definition (exact rationals) on random intervals."""
    import random
    from fractions import Fraction

    from cyclesim.engine.probe import Probe

    rng = random.Random(0)
    for _ in range(200):
        probe, end_max = Probe(), 0
        for r in range(rng.randint(0, 5)):
            probe.register(f"r{r}", 1, kind="digital")
            t = rng.randint(0, 20)
            for _ in range(rng.randint(0, 6)):
                d = rng.choice([0, 1, 2, 5, 9])
                probe.busy(f"r{r}", t, t + d, rng.choice(PHASES))
                t += d + rng.choice([0, 1, 3])
                end_max = max(end_max, t)
        it = schedule.IterationResult(cycles=end_max + 3, clock_hz=1e9, probe=probe, leakage_w=0.0, events=0)
        want = dict.fromkeys((*PHASES, IDLE), Fraction(0))
        for cycle in range(it.cycles):
            on = {ph for res in probe.resources() for s, e, ph, *_ in probe.intervals(res) if s <= cycle < e}
            for ph in on or {IDLE}:
                want[ph] += Fraction(1, max(len(on), 1))
        got = it.phase_time()
        assert got == pytest.approx({k: float(v) for k, v in want.items()}, rel=1e-12, abs=1e-9)
        assert sum(got.values()) == pytest.approx(it.cycles)


@pytest.mark.parametrize(("bits", "signed"), [(8, False), (5, False), (8, True), (16, True)])
def test_active_bits_count_every_set_input_bit_of_every_plane(bits, signed):
    """The bits a read drives per input line, over the batch and every plane: bit k of x (unsigned),
    bit k of |x| (signed, sign-magnitude), k below the magnitude bits; counted bit by bit here."""
    rng = np.random.default_rng(3)
    mag = bits - 1 if signed else bits
    lo = -(2**mag - 1) if signed else 0
    x = rng.integers(lo, 2**mag, size=(50, 37)).astype(np.int32)
    x[rng.random(x.shape) < 0.3] = 0
    v = np.abs(x.astype(np.int64))
    want = sum(((v >> k) & 1).sum(axis=0) for k in range(mag)).astype(np.float64)
    got = schedule._active_bits(x, bits, signed)
    assert got.dtype == np.float64 and np.array_equal(got, want)


@pytest.mark.parametrize("shape", [(784, 256), (256, 784), (300, 10), (130, 129)])
def test_line_sums_are_each_subarrays_row_sums_bit_for_bit(shape):
    """The conductance every driven line sees in each column block equals the float64 row sum of that
    block alone, bit for bit (values over a wide range, so the order of the additions would show)."""
    rng = np.random.default_rng(7)
    g = (rng.standard_normal(shape) * np.exp(rng.uniform(-30, 30, shape))).astype(np.float32)
    sums = schedule._line_sums(g, 128)
    for k in range(-(-shape[1] // 128)):
        want = g[:, k * 128 : (k + 1) * 128].sum(axis=1, dtype=np.float64)
        assert sums[k].flags.c_contiguous and np.array_equal(sums[k].view(np.int64), want.view(np.int64))
