# Billing & Orders. `make run` and `make test` work from a fresh clone: they install what
# they need (uv into .tools/, the locked dependencies into .venv/) before anything else.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --frozen
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: install run test test-unit lint token advance-clock bench bench-subscriptions bench-payments bench-dashboard bench-journeys chaos fuzz clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $@

install: .venv/.synced

run: install  ## broker + 4 services + gateway on SQLite with demo data; Ctrl-C stops all
	$(RUN) python deploy/run_local.py

# The end-to-end journeys again on the embedded default (`make run`'s SQLite files); the gateway's
# own checks (OpenAPI, fuzzing) do not depend on the services' database and run once.
E2E_ON_SQLITE := tests/e2e tests/audit --ignore=tests/e2e/test_gateway_fuzz.py \
	--ignore=tests/e2e/test_gateway_openapi.py

test: install  ## unit, integration and end-to-end tests on a real broker and PostgreSQL, then SQLite
	$(RUN) pytest
	TEST_DATABASE_BACKEND=sqlite $(RUN) pytest $(E2E_ON_SQLITE)

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

bench-subscriptions: install  ## 10,000-subscription list page and 100-item bulk toggle latency
	$(RUN) python -m bench.subscriptions $(ARGS)

bench-payments: install  ## charge processor throughput, 1 and 2 replicas, never charging twice
	$(RUN) python -m bench.payments $(ARGS)

bench-dashboard: install  ## dashboard p50/p99 and requests/s, 1,000 subscriptions, PostgreSQL
	$(RUN) python -m bench.dashboard $(ARGS)

bench-journeys: install  ## make run's journeys on SQLite for 10 min: 5xx, *.dlq records, tracebacks
	$(RUN) python -m bench.journeys $(ARGS)

chaos: install  ## renewals in waves under SIGKILLs and broker restarts, then the invariants
	$(RUN) python -m bench.chaos $(ARGS)

fuzz: install  ## schemathesis against the gateway's OpenAPI on a fresh stack; fails on any 5xx
	$(RUN) python -m bench.fuzz $(ARGS)

clean:
	rm -rf var .pytest_cache
