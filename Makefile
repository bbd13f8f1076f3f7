# AtlasAI: `make run` starts the platform, `make test` runs the whole test suite.
# Needs only Python 3.11+ and make; everything else is installed into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench schema lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("AtlasAI needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/atlas up

test: $(STAMP)
	$(BIN)/python -m pytest

$(VENV)/.bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	@touch $(VENV)/.bench

bench: $(STAMP) $(VENV)/.bench
	@for name in incidents_list subscriptions subscriber_memory ingest rules impact cmdb_import noise faults metrics_overhead paging rag retrieval ai_gateway jobs rca oncall_import provisioning; do \
		echo "== bench/$$name.py"; $(BIN)/python bench/$$name.py || exit 1; done

schema: $(STAMP)
	$(BIN)/atlas export-schema

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .atlas
