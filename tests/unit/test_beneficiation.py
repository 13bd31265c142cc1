"""Concentration stage: partitions, devices, liberation, vectorization."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scandia.beneficiation.devices import (
    LIMS,
    WHIMS,
    Comminution,
    DenseMediaSeparator,
    HeavyLiquidSeparator,
    Screen,
    XRTSorter,
)
from scandia.beneficiation.ore import ore_model, rrsb_fractions
from scandia.beneficiation.partition import log_logistic, magnetic_force_ratio, tromp, whiten
from scandia.beneficiation.stage import feed_stream, run_beneficiation, stage_arrays
from scandia.core.conformance import check_unit
from scandia.core.errors import ScenarioError
from scandia.core.unit import check_element_balance
from scandia.scenario import load_scenario

pytestmark = pytest.mark.unit

ORE = ore_model("met01")


def _feed(n=3, sample="met01", p80=None):
    scen = load_scenario()
    scen.beneficiation.sample = sample
    a = stage_arrays(scen, n)
    if p80 is not None:
        a["beneficiation.feed.rom_p80_mm"] = np.asarray(p80, dtype=float)
    stream, _ = feed_stream(ore_model(sample), a)
    return stream


def test_tromp_half_at_cut_and_quartiles_at_ep():
    # by definition of Ep (Napier-Munn 1991): P(d50) = 0.5, P(d50 +/- Ep) = 0.75 / 0.25
    p = tromp(np.array([2.9, 3.0, 3.1]), 3.0, 0.1)
    np.testing.assert_allclose(p, [0.25, 0.5, 0.75], atol=1e-4)


def test_whiten_half_at_d50():
    assert whiten(np.array([2.0]), 2.0, 5.0)[0] == pytest.approx(0.5, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.floats(2.5, 3.8), st.floats(0.005, 0.3), st.floats(0.1, 8.0))
def test_partitions_monotone_and_bounded(d50, ep, k):
    x = np.linspace(2.0, 5.2, 200)
    for p in (tromp(x, d50, ep), log_logistic(x - 2.5, 1.0, k), whiten(x, d50, k)):
        assert np.all((p >= 0) & (p <= 1))
        assert np.all(np.diff(p) >= -1e-15)


def test_magnetic_force_ratio_hand_value():
    # chi 1e-6 m3/kg, B 1 T, grad 1000 T/m -> Fm/m = 1e-3/mu0 = 795.77 N/kg; coarse particle: drag ~ 0
    r = magnetic_force_ratio(1e-6, 1.0, 1000.0, 1e3, 3.5, 0.0, 1e-3)
    assert r == pytest.approx(795.7747 / 9.80665, rel=1e-6)


def test_rrsb_p80_is_p80():
    edges = ORE.size_upper_mm
    f = rrsb_fractions(np.array([edges[5]]), np.array([1.1]), edges)
    assert f.sum() == pytest.approx(1.0)
    assert np.cumsum(f[0])[5] == pytest.approx(0.8, abs=1e-12)  # mass passing P80 is 80 %


def test_head_grade_matches_resource_scale():
    # Crater Lake resource 2021: 282 g/t Sc2O3 indicated (184 ppm Sc); CL20037 165 ppm Sc. Sample 1 is a
    # higher-grade pyroxene-rich sample; within 25 % of both.
    sc = ORE.head_assay()["Sc"]
    assert 165 * 0.8 < sc < 184 * 1.25


def test_liberation_conserves_minerals_and_finer_is_more_liberated():
    minerals = 100.0 * ORE.modal_mass_frac[None, :].repeat(2, axis=0)
    sizes = rrsb_fractions(np.array([0.3, 30.0]), np.array([1.1, 1.1]), ORE.size_upper_mm)
    ct, status = ORE.liberate(minerals, sizes, np.full((2, 1), 2.0), np.full((2, 1), 1.5))
    np.testing.assert_allclose(ct @ ORE.class_mineral_frac, minerals, rtol=1e-12)
    assert np.all(status == 0)
    lib_idx = [ORE.class_index(s, 0, 0) for s in range(ORE.n_sizes)]
    host = [ORE.class_index(s, 0, g) for s in range(ORE.n_sizes) for g in range(ORE.grades.size)]
    liberated = ct[:, lib_idx].sum(axis=1) / ct[:, host].sum(axis=1)
    assert liberated[0] > liberated[1]


def _units():
    n = 3
    return [
        Comminution(ORE, np.array([0.2, 1.0, 5.0]), 1.1, np.array([0.5, 2.0, 6.0]), 1.5),
        Screen(np.array([0.5, 1.0, 10.0])),
        LIMS(0.1, 0.03, 0.05, 1e-3, 2.0, 0.01),
        WHIMS(np.array([0.3, 1.0, 1.8]), 1.5e-3, 0.05, 1e-3, 1.6, 0.03),
        DenseMediaSeparator(np.array([2.7, 2.9, 3.3]), 0.04, 4.0, 0.5, 0.05),
        HeavyLiquidSeparator(np.array([2.7, 2.96, 3.3])),
        XRTSorter(np.array([1.7, 1.95, 2.3]), 60.0, 100.0, 0.6, 0.02, 0.95, 0.03),
    ], n


@pytest.mark.parametrize("index", range(7))
def test_every_device_passes_conformance(index):
    units, n = _units()
    check_unit(units[index], {"feed": _feed(n)})


@settings(max_examples=25, deadline=None)
@given(
    field=st.floats(0.1, 2.0), d50=st.floats(2.6, 3.6), ep=st.floats(0.015, 0.12), thr=st.floats(1.2, 3.5),
    p80=st.floats(0.05, 60.0), d_lib=st.floats(0.1, 15.0),
)
def test_route_element_balance_closes_over_random_parameters(field, d50, ep, thr, p80, d_lib):
    scen = load_scenario()
    arrays = {
        "beneficiation.whims.field_t": np.array([field]), "beneficiation.dms.d50_t_m3": np.array([d50]),
        "beneficiation.dms.ep_t_m3": np.array([ep]), "beneficiation.xrt.ratio_threshold": np.array([thr]),
        "beneficiation.feed.dms_crush_p80_mm": np.array([p80]), "beneficiation.d_lib_mm": np.array([d_lib]),
    }
    res = run_beneficiation(scen, 1, arrays, routes=["lims_whims", "dms", "xrt", "hls"])
    feed = res.feed
    for rr in res.routes.values():
        fs = rr.flowsheet
        outs = [fs.streams[p] for p in fs.products]
        check_element_balance([feed], outs, 1e-9)
        for key in ("sc_recovery_frac", "tree_recovery_frac", "mass_pull_frac"):
            assert 0.0 <= rr.metrics[key][0] <= 1.0 + 1e-12


def test_vectorized_equals_loop_over_scenarios():
    scen = load_scenario()
    n = 6
    rng = np.random.default_rng(0)
    arrays = {
        "beneficiation.whims.field_t": rng.uniform(0.2, 1.8, n),
        "beneficiation.dms.d50_t_m3": rng.uniform(2.7, 3.4, n),
        "beneficiation.xrt.ratio_threshold": rng.uniform(1.6, 2.4, n),
        "plant.ore_feed_rate_tph": rng.uniform(50, 150, n),
        "beneficiation.d_lib_mm": rng.uniform(0.5, 8, n),
    }
    batch = run_beneficiation(scen, n, arrays)
    for i in range(n):
        one = run_beneficiation(scen, 1, {k: v[i : i + 1] for k, v in arrays.items()})
        for route in batch.routes:
            for key, value in batch.routes[route].metrics.items():
                assert one.routes[route].metrics[key][0] == pytest.approx(value[i], rel=1e-12, abs=1e-15), key


def test_recovery_rises_with_whims_field_and_falls_with_dms_cut():
    scen = load_scenario()
    fields = np.linspace(0.1, 2.0, 8)
    res = run_beneficiation(scen, 8, {"beneficiation.whims.field_t": fields}, routes=["lims_whims"])
    assert np.all(np.diff(res.routes["lims_whims"].metrics["sc_recovery_frac"]) > 0)
    cuts = np.linspace(2.6, 3.6, 8)
    res = run_beneficiation(scen, 8, {"beneficiation.dms.d50_t_m3": cuts}, routes=["dms"])
    assert np.all(np.diff(res.routes["dms"].metrics["sc_recovery_frac"]) < 0)
    assert np.all(np.diff(res.routes["dms"].metrics["mass_pull_frac"]) < 0)
    # grade rises while the cut rejects felsic gangue (up to about 3.0 t/m3); above that the sinks become
    # fayalite and magnetite, which carry no Sc (M.Plan 2019), so the grade falls again: a real maximum.
    grade = res.routes["dms"].metrics["concentrate_grade_sc_ppm"]
    assert np.all(np.diff(grade[cuts <= 3.0]) > 0)
    assert grade.argmax() not in (0, len(cuts) - 1)


def test_hls_is_the_sharp_limit_of_dms():
    """An ideal separator at the same cut: as Ep falls across its declared range (0.12 to 0.015 t/m3, no fine
    shift) DMS approaches HLS monotonically; the Tromp curve itself tends to the step of HLS as Ep -> 0
    (definition of the ecart probable)."""
    scen = load_scenario()
    eps = np.array([0.12, 0.06, 0.03, 0.015])
    a = {"beneficiation.dms.ep_t_m3": eps, "beneficiation.dms.d50_fine_shift_t_m3": np.zeros(4),
         "beneficiation.dms.d50_t_m3": np.full(4, 2.96), "beneficiation.hls.liquid_density_t_m3": np.full(4, 2.96)}
    res = run_beneficiation(scen, 4, a, routes=["dms", "hls"])
    gap = np.abs(res.routes["dms"].metrics["sc_recovery_frac"] - res.routes["hls"].metrics["sc_recovery_frac"])
    assert np.all(np.diff(gap) < 0), gap
    rho = np.linspace(2.5, 3.5, 201)
    step = (rho > 2.96).astype(float)
    off = np.abs(tromp(rho, 2.96, 1e-6) - step)
    assert off[np.abs(rho - 2.96) > 1e-3].max() < 1e-12


def test_chunked_run_equals_single_chunk():
    scen = load_scenario()
    cuts = np.linspace(2.6, 3.6, 10)
    a = run_beneficiation(scen, 10, {"beneficiation.dms.d50_t_m3": cuts}, chunk_size=3)
    b = run_beneficiation(scen, 10, {"beneficiation.dms.d50_t_m3": cuts})
    np.testing.assert_allclose(a.routes["dms"].metrics["sc_recovery_frac"], b.routes["dms"].metrics["sc_recovery_frac"])


def test_modal_override_changes_head_grade_in_proportion():
    # all Sc hosts doubled at the expense of felsic: head Sc rises by the hand-computed amount
    scen = load_scenario()
    base = dict(zip(ORE.minerals, ORE.modal_mass_frac, strict=True))
    richer = dict(base)
    richer["hedenbergite"] += 0.10
    richer["felsic"] -= 0.10
    scen.beneficiation.modal_mass_frac = richer
    r1 = run_beneficiation(load_scenario(), routes=["dms"]).routes["dms"].metrics["head_grade_sc_ppm"][0]
    r2 = run_beneficiation(scen, routes=["dms"]).routes["dms"].metrics["head_grade_sc_ppm"][0]
    samples = __import__("scandia.scenario.schema", fromlist=["load_data"]).load_data("beneficiation/samples.yaml")
    sc = samples["samples"]["met01"]["sc_ppm"]
    assert r2 - r1 == pytest.approx(0.10 * (sc["hedenbergite"] - sc["felsic"]), rel=1e-9)


def test_head_grade_override_scales_grades_not_recoveries():
    """Same mineralogy, Sc scaled in every host: Sc recovery of every route is unchanged (partition acts on
    particle classes) to 1e-4 (XRT sorts on X-ray attenuation, which the few hundred ppm of extra Sc2O3 change by
    about 1e-5), and head and concentrate grades scale by the same factor."""
    base = load_scenario(None)
    natural = ore_model(base.beneficiation.sample).head_assay()["Sc"]
    rich = base.model_copy(deep=True)
    rich.beneficiation.head_grade_sc_ppm = 250.0
    r0, r1 = run_beneficiation(base), run_beneficiation(rich)
    for route in base.beneficiation.routes:
        m0, m1 = r0.routes[route].metrics, r1.routes[route].metrics
        assert float(m1["head_grade_sc_ppm"][0]) == pytest.approx(250.0, rel=1e-9)
        assert float(m1["sc_recovery_frac"][0]) == pytest.approx(float(m0["sc_recovery_frac"][0]), rel=1e-4)
        assert float(m1["concentrate_grade_sc_ppm"][0]) == pytest.approx(
            float(m0["concentrate_grade_sc_ppm"][0]) * 250.0 / natural, rel=1e-4)
        assert float(m1["tree_recovery_frac"][0]) == pytest.approx(float(m0["tree_recovery_frac"][0]), rel=1e-4)


def test_head_grade_cannot_vary_per_scenario():
    s = load_scenario(None).model_copy(deep=True)
    s.beneficiation.head_grade_sc_ppm = 200.0
    with pytest.raises(ScenarioError, match=r"beneficiation\.head_grade_sc_ppm: cannot vary per scenario"):
        run_beneficiation(s, 2, {"beneficiation.head_grade_sc_ppm": np.array([150.0, 250.0])})
    same = run_beneficiation(s, 2, {"beneficiation.head_grade_sc_ppm": np.array([200.0, 200.0])})
    assert same.routes["dms"].metrics["head_grade_sc_ppm"].shape == (2,)
