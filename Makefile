# collectbot: `make setup` then `make demo` (or `make test`).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
CB := $(VENV)/bin/collectbot
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3

# Python 3.10 (Rasa 3.6 runs on 3.8-3.10): the first python3.10 that really runs (a pyenv shim
# on PATH may not), else pyenv's newest 3.10.x.
PYTHON310 := $(shell for p in $$(command -v python3.10 2>/dev/null) $$(ls -d $$(pyenv root 2>/dev/null || echo $${PYENV_ROOT:-$$HOME/.pyenv})/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && echo "$$p" && break; done)

.PHONY: help setup venv deps spacy-models learned-filter db train demo test test-fast bench lint run speak

help:
	@echo "make setup   - create .venv, install pinned deps, build spaCy pipelines and the learned phrase filter, create the DB, train"
	@echo "make demo    - a campaign run opens scripted SMS conversations end to end (en + zh)"
	@echo "make test    - the whole test suite (pytest + Rasa test stories)"
	@echo "make bench   - benchmarks (import, compliance, NLU F1, webhook latency)"
	@echo "make speak   - play one en and one zh call and render it with espeak-ng to var/calls/ (WAV)"
	@echo "make train / run / lint"

setup: deps spacy-models learned-filter db train
	@echo "collectbot is set up: try 'make demo' or 'make test'"

$(PY):
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "collectbot needs Python 3.10 (Rasa 3.6 supports 3.8-3.10): install python3.10 or 'pyenv install 3.10'" >&2; exit 1; fi
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip<25" wheel

deps: $(PY)
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	@mkdir -p var
	@$(VENV)/bin/rasa telemetry disable >/dev/null 2>&1 || true

spacy-models: deps
	$(PY) scripts/build_spacy_models.py

# the learned phrase filter's weights (compliance_filters/learned.py): built from the committed
# corpus and data sets, deterministic, git-ignored; a check without them fails with one line
learned-filter: deps
	$(PY) scripts/train_learned_filter.py

db: deps
	$(CB) db upgrade

train: deps spacy-models
	$(CB) train --if-changed

demo:
	$(CB) demo

test:
	$(PY) -m pytest -q -p no:cacheprovider
	$(CB) test-stories

bench:
	$(PY) -m bench

speak:
	$(PY) scripts/speak_call.py --out var/calls

lint:
	$(VENV)/bin/ruff check .

run:
	$(CB) run
