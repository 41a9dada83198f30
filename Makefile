# Development tasks. `make run` serves the demo site, `make test` runs the suite.
VENV := .venv
PYTHON := $(VENV)/bin/python
DEMO_PASSWORD ?= ewevents-demo
ARGS ?=

.PHONY: venv run test lint

# Create the virtualenv, and (re)install when pyproject.toml is newer than the stamp.
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e ".[test]"
	touch $@

# Migrate, load the demo data and serve on http://127.0.0.1:8000/.
run: venv
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo --password "$(DEMO_PASSWORD)"
	$(PYTHON) manage.py runserver 127.0.0.1:8000

# The test suite; it starts its own PostgreSQL, Redis and Chromium. Extra options: make test ARGS="-k mail".
test: venv
	$(PYTHON) -m pytest $(ARGS)

# Lint and formatting check.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
