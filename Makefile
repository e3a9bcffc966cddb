# doudi: the README's two commands are `make run` and `make test`; both set themselves up.
VENV   := .venv
PY     := $(VENV)/bin/python
DOUDI  := $(VENV)/bin/doudi
SAMPLE_PERIOD ?= 2024-10
# Tongling's policy with the optional standards, so that every rule runs on the sample month
SAMPLE_POLICY ?= data/policy-sample.toml

# Prefect runs embedded (an ephemeral server per process) with its home inside the project.
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install run test test-fast bench lint clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Runs the newest period in data/inbox, with every report (quality/ included); generates the sample
# month first when the inbox is empty.
run: install
	@period=$${PERIOD:-$$(ls data/inbox 2>/dev/null | grep -E '^[0-9]{4}-[0-9]{2}$$' | sort | tail -n 1)}; \
	if [ -z "$$period" ]; then \
		period=$(SAMPLE_PERIOD); \
		$(DOUDI) sample --period $$period --scale 1 --seed 7 --out data/inbox --policy $(SAMPLE_POLICY); \
	fi; \
	$(DOUDI) run --period $$period --quality --policy $(SAMPLE_POLICY)

test: install
	$(PY) -m pytest

# The unit tests only: every module's tests without the generated months run through the flow.
test-fast: install
	$(PY) -m pytest -m "not e2e"

bench: install
	$(PY) -m tests.benchmarks.bench_month
	$(PY) -m tests.benchmarks.bench_reshape

lint: install
	$(VENV)/bin/ruff check flows transforms schemas sample_month tests

clean:
	rm -rf $(VENV) .prefect .pytest_cache
