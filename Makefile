# The two quick-start commands: `make demo` and `make test` (`make test-fast`: the unit tier). Both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch is pinned here (not in pyproject) so this machine's local CPU wheel is used, not a CUDA build.
TORCH_PIN ?= torch==2.13.0
# Every other package at the version the benchmark results were measured with: other versions of
# transformers & co. give other answers from the same config and seed. Empty: the newest pyproject allows.
CONSTRAINTS ?= constraints.txt
PIP_INSTALL = $(PY) -m pip install -q $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
# pytest-xdist workers for `make test` (0: one process). On a 2-core machine two workers of one thread each
# took the suite from 577 s to 450 s; with two threads each, 55% of the tests had run after 8 minutes.
TEST_WORKERS ?= 2
# How xdist hands out the tests: a few take a minute each and the rest seconds, so an idle worker takes
# the other's queued tests (worksteal) instead of waiting on a fixed share (load). On the 2-core machine:
# 410 s and 387 s against 524 s and 483 s for load, the same 408 tests.
TEST_DIST ?= worksteal

.PHONY: demo test test-fast install install-dev clean

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PIP_INSTALL) $(TORCH_PIN)
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP_INSTALL) -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(VENV)/bin/hbo train

test: install-dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist $(TEST_DIST)

# the unit tier: everything outside tests/integration/
test-fast: install-dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist $(TEST_DIST) -m "not slow"

clean:
	rm -rf $(VENV) runs .pytest_cache
