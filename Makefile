# Development tasks. `make run` serves the demo site, `make test` runs the suite.
VENV := .venv
PYTHON := $(VENV)/bin/python
DEMO_PASSWORD ?= ewevents-demo
PORT ?= 8000
ARGS ?=
BENCH_SECONDS ?= 15
BENCH_WARMUP ?= 5

.PHONY: venv messages makemessages run test lint bench bench-mailing bench-tools

# Create the virtualenv, and (re)install when pyproject.toml is newer than the stamp.
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e ".[test]"
	touch $@

# Compile the translations (locale/*/LC_MESSAGES/*.mo) when a .po is newer than its .mo.
# Needs msgfmt (apt-get install gettext); without it the committed .mo files are used as they are.
messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PYTHON) manage.py compilemessages --ignore=$(VENV) --ignore=staticfiles; \
	else \
		echo "msgfmt not found (apt-get install gettext): using the committed .mo files."; \
	fi

# Refresh locale/es/LC_MESSAGES/django.po from the code and templates; then translate the new entries.
makemessages: venv
	$(PYTHON) manage.py makemessages -l es --ignore=$(VENV) --ignore=staticfiles --ignore=tests --ignore=bench --ignore=test-artifacts

# Migrate, load the demo data and serve on http://127.0.0.1:$(PORT)/ (make run PORT=8001), with the
# periodic jobs (manage.py run_periodic) running in the background until the server stops.
run: venv messages
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo --password "$(DEMO_PASSWORD)" --site-url "$${SITE_URL:-http://127.0.0.1:$(PORT)}"
	$(PYTHON) manage.py run_periodic & periodic=$$!; \
	trap 'kill $$periodic 2>/dev/null' EXIT INT TERM; \
	$(PYTHON) manage.py runserver 127.0.0.1:$(PORT)

# The test suite; it starts its own PostgreSQL, Redis and Chromium. Extra options: make test ARGS="-k mail".
test: venv messages
	$(PYTHON) -m pytest $(ARGS)

# Lint and formatting check.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Load test under production settings: starts PostgreSQL, Redis, gunicorn and nginx itself, drives
# wrk (pages, the programme through the proxy, POSTs, the rush, a burst), prints the tables and
# writes bench/results.md. Quicker: make bench BENCH_SECONDS=3 BENCH_WARMUP=1.
# ARGS="--update-readme" also rewrites the README's table; ARGS="--mailing" adds the mailing part.
bench: venv bench-tools
	BENCH_SECONDS=$(BENCH_SECONDS) BENCH_WARMUP=$(BENCH_WARMUP) $(PYTHON) -m bench.run $(ARGS)

# Only the mailing part: 10,000 registrants, two Celery workers, a loopback SMTP server.
bench-mailing: venv bench-tools
	BENCH_SECONDS=$(BENCH_SECONDS) BENCH_WARMUP=$(BENCH_WARMUP) $(PYTHON) -m bench.run --mailing-only $(ARGS)

# wrk and nginx (Debian's nginx-light, its binary in /usr/sbin) when missing.
bench-tools:
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && apt-get install -y nginx-light)
