# The two commands: `make run` serves the demo, `make test` runs the whole suite.
# Every target creates or reuses .venv and is safe to run twice.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
FLASK := $(BIN)/flask --app mentoring

.PHONY: run test bench e2e browser lint setup db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

db: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty

# The site and one job consumer (matching runs, mail, hourly nudges) side by side: the consumer is a
# background process of this recipe, stopped with the site (Ctrl+C). Jobs wait in instance/jobs.db
# (SqliteHuey) unless REDIS_URL is set. SITE_URL makes the links in emails absolute.
run: db
	@$(FLASK) demo-logins
	@export SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: db
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: db browser
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

browser:
	.ci/install-chromium

bench: setup
	$(BIN)/python benchmarks/bench_matching.py $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check mentoring matching tests benchmarks
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r mentoring matching -ll

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
