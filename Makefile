# Billing & Orders. `make run` and `make test` work from a fresh clone: they install what
# they need (uv into .tools/, the locked dependencies into .venv/) before anything else.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --frozen
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: install run test test-unit lint token advance-clock bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $@

install: .venv/.synced

run: install  ## broker + 4 services + gateway on SQLite with demo data; Ctrl-C stops all
	$(RUN) python deploy/run_local.py

test: install  ## unit, integration and end-to-end tests on a real broker and PostgreSQL
	$(RUN) pytest

test-unit: install
	$(RUN) pytest -m unit

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

token: install  ## a dev bearer token: make token SUBJECT=bea@acme.example
	@$(RUN) python -m services.gateway.token --subject $(or $(SUBJECT),alice@acme.example)

advance-clock: install  ## move every service's clock forward: make advance-clock DAYS=5
	@$(RUN) python -m services.gateway.devclock --days $(or $(DAYS),1)

bench: install  ## renewal throughput and latency on PostgreSQL + the real broker
	$(RUN) python -m bench.renewals $(ARGS)

clean:
	rm -rf var .pytest_cache
