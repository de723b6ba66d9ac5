# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Each bootstraps uv (into .tools/, from PyPI) and the locked .venv when they are missing.

PYTHON ?= python3
UV_VERSION ?= 0.13.9
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
STAMP := $(VENV)/.synced

.PHONY: demo test check lint typecheck bench bench-quick serve migrate clean

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/python -m sandbox.demo

test: $(STAMP)
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict bot sandbox

check: lint typecheck

bench: $(STAMP)
	$(VENV)/bin/python -m bench --out bench-results/latest.json

bench-quick: $(STAMP)
	$(VENV)/bin/python -m bench --quick

serve: $(STAMP)
	$(VENV)/bin/remote-support serve --migrate

migrate: $(STAMP)
	$(VENV)/bin/remote-support migrate

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
