"""The specifications a case is judged feasible by, read from a run summary (the dashboard and the report say
which one an infeasible case misses and by how much)."""

from __future__ import annotations

from typing import Any

__all__ = ["missed_text", "specifications"]


def _num(v: Any) -> float | None:
    if isinstance(v, dict):
        v = v.get("p50")
    return float(v) if isinstance(v, int | float) else None


def specifications(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The specifications a case is judged feasible by, each with its target, the value reached, whether it is
    met and by how much it is missed or cleared (``margin``, in the spec's unit; negative = missed): the Sc2O3
    purity against ``purification.purity_target_frac`` (percentage points), and a positive Sc2O3 output."""
    st = summary.get("stages", {})
    out = []
    hyd = st.get("hydromet", {})
    m = hyd.get("metrics") or {}
    purity, target = _num(m.get("sc2o3_purity_frac")), _num(hyd.get("purity_target_frac"))
    if purity is not None and target is not None:
        out.append({"name": "Sc2O3 purity", "unit": "%", "target": 100 * target, "value": 100 * purity,
                    "margin": 100 * (purity - target), "met": purity + 1e-12 >= target,
                    "rule": "at least the purification target (hydromet.purification.purity_target_frac)"})
    tpa = _num(m.get("sc2o3_production_tpa"))
    if tpa is not None:
        out.append({"name": "Sc2O3 output", "unit": "t/a", "target": 0.0, "value": tpa, "margin": tpa,
                    "met": tpa > 0, "rule": "more than zero (a flowsheet that makes no oxide has no value)"})
    return out


def missed_text(summary: dict[str, Any]) -> list[str]:
    """One sentence per specification the case misses: "Sc2O3 purity 99.21 % misses its target 99.50 % by 0.29
    points" (P50 values for a sampled run)."""
    out = []
    for sp in specifications(summary):
        if not sp["met"]:
            unit = " points" if sp["unit"] == "%" else f" {sp['unit']}"
            out.append(f"{sp['name']} {sp['value']:,.2f} {sp['unit']} misses its target {sp['target']:,.2f} "
                       f"{sp['unit']} by {abs(sp['margin']):,.2f}{unit}")
    return out
