"""Human labels and number formats of the report: declared units beside readable names, residue printed as 0."""

from __future__ import annotations

from scandia.report.labels import format_number, header, human


def test_headers_carry_the_declared_unit():
    assert header("solids_tph") == "Solids (t/h)"
    assert header("economics.npv_musd") == "NPV after tax (US$ M)"  # a "stage.metric" name, declared label
    assert header("sc_liquor_mg_per_l_water") == "Sc in liquor (mg/L)"
    assert header("stream") == "Stream"  # a label column: no unit
    assert human("hydromet.caustic.temperature_c") == "Caustic: temperature"
    assert header("hydromet.sx.extraction_oa").startswith("SX: extraction O/A")


def test_numbers_to_four_figures_and_residue_as_zero():
    assert format_number(9.114e-21, scale=100.0) == "0"  # solver residue beside 100 t/h is not a number to read
    assert format_number(9.114e-21) == "9.114e-21"  # without a scale it is kept
    assert format_number(1234.56) == "1,235"
    assert format_number(123456.7) == "123,457"
    assert format_number(-236.97) == "-237.0"
    assert format_number(0.0123456) == "0.01235"
    assert format_number(float("nan")) == ""
