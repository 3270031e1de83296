# Warta: `make run` serves the app on SQLite, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test serve bench lint system-deps services translations messages clean

run: $(VENV)/.installed
	$(BIN)/flask --app wsgi db upgrade
	@echo
	@echo "  Warta is being served at http://$(HOST):$(PORT)/"
	@echo
	$(BIN)/flask --app wsgi run --debug --host $(HOST) --port $(PORT)

# Production serving on SQLite: gunicorn with the settings in webapp/gunicorn_conf.py.
serve: $(VENV)/.installed
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/gunicorn -c python:webapp.gunicorn_conf wsgi:app

# Every test on SQLite, then every database test again on PostgreSQL with Redis.
PG_TEST_URL    ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

# Both passes run whatever the first one says; the target fails if either failed.
test: $(VENV)/.installed-test system-deps services
	bash .ci/static-checks
	@status=0; \
	$(BIN)/python -m pytest || status=1; \
	WARTA_TEST_DATABASE_URL=$(PG_TEST_URL) WARTA_TEST_REDIS_URL=$(REDIS_TEST_URL) \
	  $(BIN)/python -m pytest || status=1; \
	exit $$status

services:
	bash .ci/services

lint: $(VENV)/.installed-test
	bash .ci/static-checks

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The compiled catalogs (messages.mo) are committed, so that every install serves
# Indonesian without a build step; tests/test_catalogs.py fails when one lags its .po.
# After changing UI strings: `make messages` extracts them, merges them into the
# catalogs and compiles; translate the new entries in
# webapp/translations/*/LC_MESSAGES/messages.po, then `make translations` compiles again.
# Commit the .po and .mo files together.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d webapp/translations >/dev/null

messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F webapp/babel.cfg -k lazy_gettext -k _l -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d webapp/translations >/dev/null

# Chromium (browser tests), Java (the Nu HTML Checker), wrk (benchmarks) and nginx
# (tests/test_nginx.py runs deploy/nginx.conf), from Debian.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Benchmark (not a test): Warta vs the stack's limit vs Isso, with wrk. See tests/bench/run.py.
bench: $(VENV)/.installed system-deps
	$(BIN)/python tests/bench/run.py
