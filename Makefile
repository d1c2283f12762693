# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) examples/hello/app.py

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest --cov --cov-report=term --cov-fail-under=90 $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/inprocess.py --write
	$(PY) benchmarks/asgi_inprocess.py --write
	$(PY) benchmarks/e2e.py --write
