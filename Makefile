# Ruwo: `make run` serves the app with demo data on SQLite; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run serve test lint install install-test translations extract-messages migrate-check bench bench-full bench-throughput bench-submissions bench-pages bench-photos bench-import bench-lighthouse bench-phone bench-draw bench-lists bench-ledger bench-dashboard bench-visits-csv bench-circular bench-backup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Editable install, so that instance/ stays in this folder.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

# Compile the committed .po catalogues into .mo files (not committed).
translations: | $(BIN)/python
	$(BIN)/pybabel compile --statistics -d app/translations 2>&1 | grep -v '^compiling' || true
	@test -f app/translations/zh_Hans/LC_MESSAGES/messages.mo

# After changing user-facing strings: extract and merge, then translate the .po files.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o app/translations/messages.pot app
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Ruwo on http://127.0.0.1:$(PORT)  (stop with Ctrl-C); a jobs worker runs beside it"
	$(FLASK) jobs worker --workers 2 & trap 'kill $$! 2>/dev/null' EXIT; $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production on this machine: gunicorn under the production configuration after migrating the
# database (DATABASE_URL), on HOST:PORT (127.0.0.1, behind the TLS-terminating proxy), with
# WEB_CONCURRENCY workers or 2 per CPU plus one. Without SECRET_KEY the app refuses to start.
serve: install
	RUWO_CONFIG=production $(FLASK) db upgrade
	RUWO_CONFIG=production $(BIN)/gunicorn --workers $${WEB_CONCURRENCY:-$$($(BIN)/python -c 'import os; print(2 * (os.cpu_count() or 1) + 1)')} \
		--bind $${HOST:-127.0.0.1}:$(PORT) wsgi:app

# The tests run in parallel, one worker per CPU (pytest-xdist); PYTEST_ARGS adds options.
test: install-test
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# Lint and types (CI runs this before the tests): the project's ruff rules and mypy on the
# services; ruff's bug-finding rules (pyflakes, bugbear, import order) on everything.
lint: install-test
	$(BIN)/ruff check app/services
	$(BIN)/ruff check --select F,E9,B,I app tests bench
	$(BIN)/mypy

# Figures asked for in issues (see bench/); not part of `make test`.
# Every bench runs even when an earlier one misses a goal; the summary table then fails.
bench:
	-$(MAKE) --no-print-directory bench-pages
	-$(MAKE) --no-print-directory bench-throughput
	-$(MAKE) --no-print-directory bench-submissions
	-$(MAKE) --no-print-directory bench-photos
	$(BIN)/python bench/summary.py

bench-full: bench bench-lighthouse bench-phone bench-import bench-draw bench-lists bench-dashboard bench-ledger bench-visits-csv bench-circular bench-backup

# wrk from apt where this runs as root; without it the throughput bench says so and skips.
bench-throughput: install-test
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
	$(BIN)/python bench/throughput.py

bench-submissions: install-test
	$(BIN)/python bench/submissions.py

bench-pages: install
	$(BIN)/python bench/page_weight.py

bench-photos: install-test
	$(BIN)/python bench/photo_pipeline.py

# Lighthouse from npm (needs node and npm; the app itself does not).
bench-lighthouse: install-test
	@test -x bench/.lighthouse/node_modules/.bin/lighthouse || npm install --silent --no-audit --no-fund --prefix bench/.lighthouse lighthouse@12
	$(BIN)/python bench/lighthouse.py

bench-phone: install-test
	$(BIN)/python bench/phone_figures.py

bench-import: install-test
	$(BIN)/python bench/import_bomb.py

bench-draw: install
	$(BIN)/python bench/draw.py

bench-lists: install
	$(BIN)/python bench/lists.py

bench-ledger: install
	$(BIN)/python bench/ledger.py

bench-visits-csv: install
	$(BIN)/python bench/visits_csv.py

bench-circular: install
	$(BIN)/python bench/circular.py

bench-dashboard: install
	$(BIN)/python bench/dashboard.py $(VISITS)

# Backup and restore of a large county, and photo uploads to the folder against SeaweedFS.
bench-backup: install-test
	$(BIN)/python bench/backup.py $(VISITS) $(PHOTOS)

migrate-check: install
	$(FLASK) db check

clean:
	rm -rf $(VENV) .pytest_cache
