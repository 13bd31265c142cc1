# scandia: two commands do all the set-up on a fresh machine (see README).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint docs bench bench-alloy calibrate fixture clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=78.1.1"

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "setuptools>=78.1.1"
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "setuptools>=78.1.1"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

## demo: install, run the default scenario end to end (500 samples, tornado, Sobol), write results and out/report.html;
## then drill holes to NPV (the synthetic deposit, examples/crater-lake-mine.yaml) into out/mine/ and its report
demo: $(VENV)/.installed
	$(BIN)/scandia run --out $(OUT) --samples 500 --sobol 128 --routes --report $(OUT)/report.html
	$(BIN)/scandia run examples/crater-lake-mine.yaml --out $(OUT)/mine --report $(OUT)/mine/report.html

## test: install test extras, lint, run the whole test suite
test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/python -m pytest -q

## docs: the documentation site (user guide, API reference from docstrings), offline, strict, into site/
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks docs

## calibrate: refit the concentration, leach and Al-Sc models and rewrite their fitted files in src/scandia/data (scandia calibrate --write --to DIR writes elsewhere; runs read DIR with SCANDIA_FITTED_DIR=DIR)
calibrate: $(VENV)/.installed
	$(BIN)/scandia calibrate --write

## fixture: regenerate the regression fixture of every built-in scenario's metrics (prints what moved)
fixture: $(VENV)/.installed
	$(BIN)/python -m tests.regression.fixture --write

## bench: engine benchmark against BioSTEAM, in its own environment (.venv-bench) so tests stay light
bench:
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet -e ".[bench]"
	.venv-bench/bin/python benchmarks/bench_engine.py

## bench-alloy: KWN against kawin 0.5.0 (own environment .venv-kawin) and solvus against pycalphad
bench-alloy:
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet -e ".[bench]"
	test -x .venv-kawin/bin/python || ($(PYTHON) -m venv .venv-kawin && \
		.venv-kawin/bin/python -m pip install --quiet kawin==0.5.0 pycalphad==0.11.2)
	.venv-bench/bin/python benchmarks/bench_alloy.py --kawin-venv .venv-kawin

clean:
	rm -rf $(VENV) .venv-bench .venv-kawin $(OUT) site .pytest_cache .ruff_cache
