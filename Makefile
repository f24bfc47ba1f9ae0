# Two commands a new machine needs (see README):
#   make demo   set up, index the shipped corpus, answer a real question with citations
#   make test   set up with test tools, run the test suite (CI runs this)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test setup eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-app

setup: $(VENV)/.installed-app

demo: $(VENV)/.installed-app
	$(BIN)/assistant ingest --shipped
	$(BIN)/assistant ask "What barriers did peer councils cite?"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

eval: $(VENV)/.installed-app
	$(BIN)/assistant eval

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache
