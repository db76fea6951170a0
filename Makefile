# `make run`: the portal in production's shape on an embedded PostgreSQL, with demo accounts. `make test`: the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: install browser run test lint format messages clean contract

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null || { \
		echo "Installing python3-venv (Debian/Ubuntu)"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browser:
	@[ -x $(CHROMIUM) ] || { echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Embedded PostgreSQL, migrated and seeded; gunicorn, a Celery worker and beat (Procfile) until Ctrl-C.
run: install
	$(PY) -m registration_portal.quickstart

# mypy's Django plugin imports the settings: a DATABASE_URL (never connected to) spares starting the embedded server.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	@command -v xgettext >/dev/null || { echo "Installing gettext for the catalogue check"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; }
	DEBUG=1 $(PY) manage.py check_messages

# Schemathesis's tests share one node id per test function, so under xdist only the first operation would run:
# tests/test_openapi.py runs in a process of its own.
test: install browser lint
	$(VENV)/bin/pytest -n 2 --dist loadgroup --ignore=tests/test_openapi.py $(PYTEST_ARGS)
	$(VENV)/bin/pytest -p no:xdist tests/test_openapi.py $(PYTEST_ARGS)

# The published schema against any deployment, from outside, with every check and a random seed:
# `make contract URL=https://portal.example.org TOKEN=vpr_…` (no TOKEN: as a caller without one). Reads schemathesis.toml.
EXAMPLES ?= 40
contract: install
	$(VENV)/bin/schemathesis run "$(URL)/api/schema/?format=json" --checks all \
		--phases examples,coverage,fuzzing,stateful --max-examples $(EXAMPLES) --generation-database none \
		$(if $(TOKEN),-H "Authorization: Token $(TOKEN)")

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the Urdu catalogue after changing strings; the compiled .mo is committed.
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l ur --ignore=.venv --ignore=benchmarks
	DEBUG=1 $(PY) manage.py compilemessages -l ur --ignore=.venv

clean:
	rm -rf $(VENV) .pgdata staticfiles
