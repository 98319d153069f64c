# WhatsApp receptionist — developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
ENV ?= dev
REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
# sam build runs the layer/function Makefiles; they use this interpreter's pip.
export BUILD_PYTHON := $(abspath $(PY))

.PHONY: help install catalogues lock lint build test test-unit local demo chat bench eval deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/*.txt layers/*/requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip==26.3
	$(PY) -m pip install -q -c requirements/constraints.txt -r requirements/dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(SAM_VENV)/.installed: requirements/sam.txt requirements/sam-constraints.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q --upgrade pip==26.3
	$(SAM_VENV)/bin/python -m pip install -q -c requirements/sam-constraints.txt -r requirements/sam.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.txt requirements/checkov-constraints.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip==26.3
	$(CHECKOV_VENV)/bin/python -m pip install -q -c requirements/checkov-constraints.txt -r requirements/checkov.txt
	touch $@

# The console's browser tests drive Debian's chromium through its chromedriver (tests/e2e).
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMEDRIVER):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null

# The three virtualenvs and chromium are independent: installed side by side (a fresh install
# spends most of its time waiting on downloads and unpacking, not on one core).
INSTALLED := $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed $(CHROMEDRIVER)
install: ## Create .venv, .venv-sam and .venv-checkov with pinned dependencies, and chromium; compile the catalogues (idempotent)
	@$(MAKE) --no-print-directory -j4 $(INSTALLED)
	@$(MAKE) --no-print-directory catalogues

# The gettext catalogues (receptionist/i18n/catalogues.py): each .po compiled to the .mo the code reads,
# whenever the .po is newer. The shared layer's build compiles its own copy (layers/shared/Makefile).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard layers/shared/receptionist/locale/*/LC_MESSAGES/*.po))
catalogues: $(CATALOGUES) ## Compile the .po catalogues to .mo (make install does it)
%.mo: %.po $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -i $< -o $@

lock: ## Re-resolve and pin every dependency (requirements/*constraints.txt)
	rm -rf /tmp/receptionist-lock && $(PYTHON) -m venv /tmp/receptionist-lock
	/tmp/receptionist-lock/bin/pip install -q --upgrade pip==26.3 && /tmp/receptionist-lock/bin/pip install -q -r requirements/dev.txt
	/tmp/receptionist-lock/bin/pip freeze --exclude-editable | grep -v '^whatsapp-receptionist' > requirements/constraints.txt
	rm -rf /tmp/receptionist-lock && $(PYTHON) -m venv /tmp/receptionist-lock
	/tmp/receptionist-lock/bin/pip install -q --upgrade pip==26.3 && /tmp/receptionist-lock/bin/pip install -q -r requirements/sam.txt
	/tmp/receptionist-lock/bin/pip freeze > requirements/sam-constraints.txt
	rm -rf /tmp/receptionist-lock && $(PYTHON) -m venv /tmp/receptionist-lock
	/tmp/receptionist-lock/bin/pip install -q --upgrade pip==26.3 && /tmp/receptionist-lock/bin/pip install -q -r requirements/checkov.txt
	/tmp/receptionist-lock/bin/pip freeze > requirements/checkov-constraints.txt
	rm -rf /tmp/receptionist-lock

lint: $(INSTALLED) ## ruff, mypy, sam validate --lint, checkov (each skipped check justified in the template)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(SAM) validate --lint --region $(REGION)
	@out="$$($(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download 2>&1)"; \
	status=$$?; echo "$$out"; \
	if echo "$$out" | grep -q "Parsing errors"; then echo "checkov could not parse template.yaml" >&2; exit 1; fi; \
	exit $$status

build: $(INSTALLED) ## sam build (arm64 / python3.13 layers, no Docker)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(SAM) build --parallel --region $(REGION)

# pytest-xdist workers; --dist loadfile keeps a module's tests (and its module-scoped stack) on one worker,
# and the modules of a session's shared stack on one worker too (tests/stack_kit.py). Modules are handed
# out in collection order (--no-loadscope-reorder): tests/e2e and tests/integration, which hold the long
# modules, first and the many short tests/unit modules last, so the two workers finish close together
# (xdist's default order, by number of tests, left the one-test e2e modules of a minute each to the end).
PYTEST_WORKERS ?= 2

# Lint and build are independent of each other: run side by side before the tests.
test: install ## Lint and build (side by side), then unit + integration + e2e tests (PYTEST_WORKERS=2 processes; the 20 slowest listed)
	@$(MAKE) --no-print-directory -j2 lint build
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=20 tests

test-unit: install ## Unit tests only (fast, no servers)
	$(PY) -m pytest -q tests/unit

local: install build ## Run the local stack in the foreground (Ctrl-C stops it)
	$(PY) -m devstack

demo: install build ## Play a WhatsApp conversation with the demo clinic on the local stack
	$(PY) -m devstack.demo

chat: install ## Type as a customer into the running local stack (`make local` in another shell)
	$(PY) -m devstack.chat

bench: install build ## Measure and write bench/results.md
	$(PY) -m bench

# OPENAI_API_KEY set: the real models (OPENAI_*, EVAL_USER_*); else the scripted pair. EVAL_ARGS:
# e.g. "--model gpt-4.1 --k 4 --parallel 8 --tasks salon,adversarial" (python -m eval --help).
eval: install ## τ-bench-style evaluation: real model with OPENAI_API_KEY, else the scripted pair; writes eval/results.md
	$(PY) -m eval $(EVAL_ARGS)

deploy: install build ## sam deploy --config-env $(ENV)
	$(SAM) deploy --config-env $(ENV)

clean: ## Remove build output, local stack data and virtualenvs
	rm -rf .aws-sam .local $(CATALOGUES) $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
