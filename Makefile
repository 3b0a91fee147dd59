# Two commands for a fresh clone:  `make demo` (set up, then compare every model on the bundled airline data)
# and `make test` (set up, then run the whole test suite). Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch goes in first and on its own, so the package's `torch>=2.2` is already met and pip never pulls a
# multi-gigabyte build on machines that keep a CPU wheel locally. Override with TORCH=torch for the newest.
TORCH ?= torch==2.13.0
# Tests and benchmarks read the real datasets from a local mirror laid out like ../shared/data.
export CNNLSTM_DATA_DIR ?= $(abspath ../shared/data)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser demo test clean

$(BIN)/cnnlstm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[dev,baselines,parquet,report,serve,onnx,tune]"
	touch $@

setup: $(BIN)/cnnlstm

demo: setup
	$(BIN)/cnnlstm --threads 1 compare --out runs/demo  # tiny models: one thread is fastest

# The report test opens the HTML in a real browser: Debian's chromium, installed here when missing.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		{ command -v apt-get >/dev/null || { echo "make browser: chromium is missing and there is no apt-get here." \
			"Install Chromium with your package manager (the report test opens a real browser), then rerun."; exit 1; }; \
		$(SUDO) apt-get install -y -q chromium || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }; }

test: setup browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) runs .pytest_cache
