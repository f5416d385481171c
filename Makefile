# The two commands: `make run` (start everything on the embedded default) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run SIMULATE=30` also plays 30 simulated calls to 0800-2000 so the dashboard shows life.
SIMULATE ?=

.PHONY: run test install lint format lock messages screenshots diagram clean-dev bench bench-supervisor \
	vendor

# The venv holds exactly what requirements/lock.txt pins, checked against its hashes; the
# project itself goes in editable on top without resolving anything afresh (--no-deps), built
# with the locked setuptools (--no-build-isolation).
$(STAMP): requirements/lock.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

# Re-resolve the lock files after changing dependencies in pyproject.toml or requirements/*.in.
# Pins already in requirements/lock.txt are kept where they still fit; `make lock UPGRADE=1`
# moves every package to the newest version its range allows. Both files are for CPython 3.11
# on linux x86_64 and carry PyPI's hashes. requirements/runtime.txt (the Docker image) is the
# same pins without the test extra and the tools.
UPGRADE ?=
LOCK := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock" \
	--index-url https://pypi.org/simple
lock: install
	$(LOCK) $(if $(UPGRADE),--upgrade) --extra test -o requirements/lock.txt \
		pyproject.toml requirements/build.in requirements/tools.in
	$(LOCK) -c requirements/lock.txt -o requirements/runtime.txt \
		pyproject.toml requirements/build.in

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	@echo ""
	@echo "Veilig Thuis is starting on http://$(HOST):$(PORT)/"
	@echo "  staff login:  http://$(HOST):$(PORT)/accounts/login/"
	@echo "  operators:    http://$(HOST):$(PORT)/hotline/   cases: http://$(HOST):$(PORT)/cases/"
	@echo "  supervisors:  http://$(HOST):$(PORT)/supervisor/"
	@echo "  public form:  http://$(HOST):$(PORT)/melden/"
	@echo "  health:       http://$(HOST):$(PORT)/healthz   readiness: http://$(HOST):$(PORT)/readyz"
	@echo "Stop with Ctrl-C."
	@if [ -n "$(SIMULATE)" ]; then (sleep 3; $(BIN)/python manage.py simulate_calls --calls $(SIMULATE) --rate 0.2 --patience 300 --talk 30 --url http://$(HOST):$(PORT)) & fi
	$(BIN)/python -m observability.serve -b $(HOST) -p $(PORT) config.asgi:application

test: install
	$(BIN)/python -m pytest

# Benchmarks: webhook latency, dashboard fan-out, new call on the dashboard, online reports,
# each against a floor in the same run, then whole calls at 5 and 10 new calls/s with the
# failed webhooks and the connection peak against the pool's cap (benchmarks/run.py,
# benchmarks/soak.py; about 20 minutes). BENCH_SOAK_MINUTES=5 runs the soak and burst at
# the length of issue 18 (10 and 5 minutes); the default 1 runs 2 and 1. Uses PostgreSQL
# and Redis when DATABASE_URL/REDIS_URL are set: the database `<DATABASE_URL name>_bench`
# (or BENCH_DATABASE) and the Redis database BENCH_REDIS_DB, which must be set with
# REDIS_URL. Figures go to var/bench-results/ (untracked).
bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/sockets.py

# Ruff, the import contracts in pyproject.toml ([tool.importlinter]) and mypy with the Django plugin.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the Dutch/English message catalogues after changing translatable text.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Copy the pinned Twilio Voice JS SDK from npm into static/vendor/ (hash checked).
vendor:
	sh scripts/vendor_voice_sdk.sh

# Re-take the README screenshots with Debian's Chromium.
screenshots: install
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -m browser tests

# Redraw the case state diagram (needs Graphviz's dot: apt-get install graphviz).
diagram: install
	$(BIN)/python manage.py graph_transitions cases.Case.state > docs/case_states.dot
	dot -Tsvg docs/case_states.dot -o docs/case_states.svg

# The pages at 1k/10k/100k cases with the same open work (/supervisor/, /cases/, the
# dashboard snapshot) against the home page, their slowest queries' plans, and the start-up
# of manage.py check against a bare Django project (benchmarks/pages.py; not a test;
# PostgreSQL database `bench_pages` when DATABASE_URL is set). Figures go to var/bench/.
bench-supervisor: install
	$(BIN)/python benchmarks/pages.py

clean-dev:
	rm -rf var .dev-secrets.json
