# samskab: `make reproduce` sets up and reruns the whole study; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
JOBS ?=
ARGS ?=

.PHONY: setup reproduce site data test lint benchmark screenshots clean-reports dist

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

site: setup
	$(BIN)/samskab site $(ARGS)

data: setup
	$(BIN)/samskab data

reproduce: setup
	$(BIN)/samskab reproduce $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

test: setup
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile $(ARGS)

screenshots: setup
	SAMSKAB_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:nbval -o addopts= tests/test_browser.py tests/test_explore_browser.py -k screenshots -q

lint: setup
	$(BIN)/python -m ruff check .

# the sdist and the wheel (which carries the study) into dist/, checked by twine
dist: setup
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check dist/*

benchmark: setup
	$(BIN)/python benchmarks/bench_runner.py

clean-reports:
	rm -rf reports/notebooks reports/figures reports/site reports/pdf reports/.site-src reports/index.html reports/manifest.json
