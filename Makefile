# doudi: the README's two commands are `make run` and `make test`; both set themselves up.
# Every path is the checkout's own, whatever directory make is started from (`make -C`, `make -f`):
# runs from anywhere share one inbox, one history and one cache (.doudi/ beside reports/).
ROOT   := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VENV   := $(ROOT)/.venv
PY     := $(VENV)/bin/python
DOUDI  := $(VENV)/bin/doudi
INBOX  := $(ROOT)/data/inbox
OUT    := $(ROOT)/reports
SAMPLE_PERIOD ?= 2024-10
# Tongling's policy with the optional standards, so that every rule runs on the sample month
SAMPLE_POLICY ?= $(ROOT)/data/policy-sample.toml

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install run test test-fast bench lint clean

$(VENV)/.installed: $(ROOT)/pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	cd $(ROOT) && $(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Runs the newest period in data/inbox, with every report (quality/ included); generates the sample
# month first when the inbox is empty. The first run starts doudi's Prefect server, later runs reuse it.
run: install
	@period=$${PERIOD:-$$(ls $(INBOX) 2>/dev/null | grep -E '^[0-9]{4}-[0-9]{2}$$' | sort | tail -n 1)}; \
	if [ -z "$$period" ]; then \
		period=$(SAMPLE_PERIOD); \
		$(DOUDI) sample --period $$period --scale 1 --seed 7 --out $(INBOX) --policy $(SAMPLE_POLICY); \
	fi; \
	$(DOUDI) run --period $$period --inbox $(INBOX) --out $(OUT) --quality --policy $(SAMPLE_POLICY)

test: install
	cd $(ROOT) && $(PY) -m pytest

# The unit tests only: every module's tests without the generated months run through the flow.
test-fast: install
	cd $(ROOT) && $(PY) -m pytest -m "not e2e"

bench: install
	cd $(ROOT) && $(PY) -m tests.benchmarks.bench_month
	cd $(ROOT) && $(PY) -m tests.benchmarks.bench_reshape

lint: install
	cd $(ROOT) && $(VENV)/bin/ruff check flows transforms schemas sample_month tests

# Stops doudi's Prefect server and removes the venv and Prefect's database (the run history in
# reports/warehouse.duckdb and the parse cache in .doudi/cache stay).
clean:
	-[ -x $(DOUDI) ] && $(DOUDI) server stop --out $(OUT)
	rm -rf $(VENV) $(ROOT)/.doudi/prefect $(ROOT)/.pytest_cache
