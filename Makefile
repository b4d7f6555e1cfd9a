# A fresh clone needs only Python 3.11+, the package registries and ../shared.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean-workspace

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# The whole pipeline offline on ../shared with a tiny model; prints the report's path.
demo: $(STAMP)
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/bbcopilot run --profile demo

test: $(STAMP)
	$(BIN)/python -m pytest

clean-workspace:
	rm -rf workspace
