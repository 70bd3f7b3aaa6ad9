"""cyclesim.report.findings, the analysis helpers of the paper experiments: statistics over seeds,
accuracy tables, figures (with and without matplotlib) and report sections."""

from __future__ import annotations

import math

import pytest

from cyclesim.report import findings


def doc(rule: str, acc: float | None, adc_bits: int = 5, sizes=(784, 8, 8, 10)) -> dict:
    """A results document with just what the helpers read."""
    return {
        "config": {"rule": rule, "chip": {"adc_bits": adc_bits}, "network": {"sizes": list(sizes)}},
        "accuracy": {"final_test": acc},
    }


def test_stats_and_cfg():
    assert findings.stats([0.5, None, 0.7]) == pytest.approx((0.6, math.sqrt(0.02)))
    assert findings.stats([0.5]) == (0.5, 0.0)
    assert all(math.isnan(x) for x in findings.stats([None]))
    assert findings.cfg(doc("bp", 0.5), "network.sizes") == (784, 8, 8, 10)
    assert findings.cfg(doc("bp", 0.5, adc_bits=3), "chip.adc_bits") == 3


def test_accuracy_by_groups_rules_and_values_in_percent():
    docs = [doc("bp", 0.9, 3), doc("bp", 0.8, 3), doc("dfa", 0.5, 3), doc("dfa", 0.6, 6), doc("dfa", 0.1, 1)]
    acc = findings.accuracy_by(docs, "chip.adc_bits", keep=lambda d: findings.final(d) > 0.2)
    assert set(acc) == {("bp", 3), ("dfa", 3), ("dfa", 6)}
    assert acc[("bp", 3)] == pytest.approx((85.0, 100 * math.sqrt(0.005)))
    assert acc[("dfa", 6)] == pytest.approx((60.0, 0.0))


def test_md_accuracy_table_puts_none_last_and_marks_missing_cells():
    table = findings.md_accuracy_table(
        {("bp", None): (90.0, 1.0), ("bp", 4): (80.0, 0.5), ("dfa", 4): (70.0, 0.25)}, "tau"
    )
    assert table.splitlines() == [
        "| tau | BP (%) | DFA (%) |",
        "|---|---|---|",
        "| 4 | 80.00 ± 0.50 | 70.00 ± 0.25 |",
        "| None | 90.00 ± 1.00 | – |",
    ]


def test_section_includes_figure_and_why_only_when_given():
    plain = findings.section("1. T", "claim", "| t |", "reproduced", "because.", None)
    assert plain == "## 1. T\n\n**Paper:** claim\n\n| t |\n\n**Verdict: reproduced.** because.\n"
    full = findings.section("1. T", "claim", "| t |", "partly", "because.", "![f](figures/f.png)", why="reasons")
    assert "\n![f](figures/f.png)\n" in full and full.endswith("**Why:** reasons\n")


def test_figure_lines_writes_a_png_or_returns_none_without_matplotlib(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    acc = {("bp", 1): (50.0, 1.0), ("bp", 2): (60.0, 1.0), ("dfa", 1): (40.0, 2.0), ("dfa", None): (1.0, 0.0)}
    link = findings.figure_lines(acc, tmp_path / "figures" / "x.png", "bits", "Accuracy vs bits", logx=True)
    assert link == "![Accuracy vs bits](figures/x.png)"
    assert (tmp_path / "figures" / "x.png").read_bytes().startswith(b"\x89PNG")
    monkeypatch.setattr(findings, "pyplot_or_none", lambda: None)
    assert findings.figure_lines(acc, tmp_path / "y.png", "bits", "t") is None
    assert not (tmp_path / "y.png").exists()


def test_clause_verdict_and_reason_count_only_decided_clauses():
    held, failed, pending = ("a", True, "1 pt"), ("b", False, "2 pt"), ("c", None, "–")
    assert findings.clause_verdict([held, pending]) == "reproduced"
    assert findings.clause_verdict([failed, pending]) == "not reproduced"
    assert findings.clause_verdict([held, failed]) == "partly"
    assert findings.clause_verdict([pending]) == "pending (points missing)"
    assert findings.clause_reason([held, failed, pending]) == "✓ a: 1 pt; ✗ b: 2 pt; … (pending) c: –."
