# Two entry points for a newcomer: `make run` and `make test`. Everything else is a helper.
# Without DATABASE_URL both use a private PostgreSQL in .pgdata/ (config/database.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate seed messages lock clean mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A stamp per lock, so a changed lock reinstalls and an unchanged one costs nothing.
$(VENV)/.base-installed: requirements/base.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/base.lock
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	touch $@ $(VENV)/.base-installed

run: $(VENV)/.base-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Media Campus booking runs at http://$(HOST):$(PORT)/  (English: http://$(HOST):$(PORT)/en/)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The SSO end-to-end tests start a real OpenID Connect provider (node, tests/oidc); without
# npm they are skipped with a message (REQUIRE_NODE=1, as in CI, makes that a failure).
OIDC_PROVIDER := tests/oidc/node_modules/.package-lock.json
$(OIDC_PROVIDER): tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the SSO end-to-end tests (tests/oidc) will be skipped"; fi

# ical.js (Thunderbird's parser) reads the feeds in tests/feeds; skipped without npm.
ICALJS := tests/feeds/icaljs/node_modules/.package-lock.json
$(ICALJS): tests/feeds/icaljs/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/feeds/icaljs --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the ical.js feed tests (tests/feeds) will be skipped"; fi

# The browser tests (tests/e2e) drive Debian's Chromium and inject axe-core from npm; without
# either they are skipped with a message (REQUIRE_BROWSER=1, as in CI, makes that a failure).
E2E_AXE := tests/e2e/node_modules/.package-lock.json
$(E2E_AXE): tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the browser tests (tests/e2e) will be skipped"; fi

test: $(VENV)/.dev-installed $(OIDC_PROVIDER) $(ICALJS) $(E2E_AXE)
	@test -x /usr/bin/chromium || echo "Chromium not found: the browser tests (tests/e2e) are skipped; enable them with: apt-get install chromium"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Mutation testing (not part of `make test`): mutmut changes booking/rules.py, the booking
# and events services and the mail outbox one small step at a time and runs the tests that
# reach each change; a change no test notices "survives". Configured in pyproject.toml
# ([tool.mutmut]). MUTATION_CHILDREN mutants are tested at once, each child on its own copy
# of the test database (tests/mutation_databases.py), and runs first the tests that killed
# other mutants of its function, then the cheapest (tests/mutation_order.py): a mutant is
# killed by its first failing test. Without REDIS_URL Celery runs eagerly, as the tests
# expect. Stopped after 15 minutes (a later run resumes where it stopped).
# `.venv/bin/mutmut show <name>` shows a survivor; `.venv/bin/mutmut browse` all of them.
MUTATION_CHILDREN ?= 2
mutation: $(VENV)/.dev-installed
	-env -u REDIS_URL timeout 900 $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN)
	$(BIN)/mutmut results

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages -l nl --ignore=.venv --ignore=node_modules --ignore=mutants --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=mutants

# Regenerates the pinned locks from pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/base.lock -q
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.lock -q

clean:
	rm -rf $(VENV) .pgdata/ media/ mutants/ tests/oidc/node_modules tests/e2e/node_modules tests/feeds/icaljs/node_modules
