# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
# `make run PORT=8080`: the port examples/hello/app.py listens on.
PORT ?= 5000

.PHONY: run test bench lint

$(PY):
	$(PYTHON) -m venv $(VENV)

# `make run` installs only what running needs: kettle itself (the hello example needs nothing
# else). `make test` installs the test and bench extras on top, in the same venv.
$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,torch-example]'
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	PORT=$(PORT) $(PY) examples/hello/app.py

test: $(STAMP)
	bash scripts/ensure-browser.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	@# Flask 3.1's public names, less the documented omissions (shared/ sits beside the repo).
	@if [ -f ../shared/flask-parity/check.py ]; then \
		out=$$($(PY) ../shared/flask-parity/check.py --allow docs/flask-omissions.txt); rc=$$?; \
		echo "$$out" | tail -n 1; exit $$rc; fi
	@# The full door (taken while a request signal has a receiver) must answer as the fast path.
	KETTLE_TEST_SIGNAL_RECEIVER=1 $(PY) -m pytest -q tests/test_hardening.py tests/test_views.py \
		tests/test_sessions.py tests/test_fuzz.py tests/test_asgi.py tests/test_full_door_parity.py
	$(PY) -m pytest --cov --cov-report=term --cov-fail-under=90 $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/inprocess.py --write
	$(PY) benchmarks/asgi_inprocess.py --write
	$(PY) benchmarks/e2e.py --write
	$(PY) benchmarks/templates.py --write
	$(PY) benchmarks/sessions.py
