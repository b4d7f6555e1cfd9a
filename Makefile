# A fresh clone needs only Python 3.11+, the package registries and ../shared.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean-workspace

# BlackBox's own compiler (../shared/bbcp/dev0lin) is a 32-bit Linux program: it needs Debian's
# 32-bit C library. Installed when we are root on Debian/Ubuntu; otherwise the one command is printed.
LOADER := /lib/ld-linux.so.2
$(LOADER):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libc6-i386 >/dev/null; } \
			|| echo "could not install libc6-i386; BlackBox's compiler will be unavailable"; \
	else \
		echo "BlackBox's compiler needs the 32-bit C library: run 'sudo apt-get install libc6-i386'"; \
	fi

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# The whole pipeline offline on ../shared with a tiny model; prints the report's path.
demo: $(STAMP) $(LOADER)
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/bbcopilot run --profile demo

# The browser test of the Prefect UI (tests/test_ui.py) drives Debian's Chromium; skipped without it.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
			|| echo "could not install chromium; the browser test will be skipped"; \
	else \
		echo "The browser test needs Chromium: run 'sudo apt-get install chromium'"; \
	fi

test: $(STAMP) $(LOADER) $(CHROMIUM)
	$(BIN)/python -m pytest

clean-workspace:
	rm -rf workspace
