# Two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup migrate lint format migration bench bench-smoke clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

## Serve on http://$(HOST):$(PORT) (default 127.0.0.1:8000) with SQLite under ./data (migrates first);
## links the app sends (calendar feed, emails) use that address unless RAPPORT_BASE_URL is set.
run: setup
	RAPPORT_BASE_URL="$${RAPPORT_BASE_URL:-http://$(HOST):$(PORT)}" $(BIN)/rapport serve --host $(HOST) --port $(PORT)

## Every suite: lint, SQLite, PostgreSQL, browser, API fuzzing, benchmark smoke.
test: setup
	bash scripts/test.sh

migrate: setup
	$(BIN)/rapport migrate

lint: setup
	$(BIN)/ruff check app tests bench alembic
	$(BIN)/ruff format --check app tests bench alembic

format: setup
	$(BIN)/ruff format app tests bench alembic
	$(BIN)/ruff check --fix app tests bench alembic

## New migration from model changes: make migration m="add interviews"
migration: setup
	$(BIN)/alembic revision --autogenerate -m "$(m)"
	$(BIN)/ruff check --fix -q alembic/versions
	$(BIN)/ruff format -q alembic/versions

bench: setup
	$(BIN)/python -m bench.run

bench-smoke: setup
	$(BIN)/python -m bench.run --smoke

clean:
	rm -rf $(VENV) build *.egg-info test-artifacts
