# Two commands do all the setup on a fresh machine:
#   make chat   create .venv, install, build the index if needed, start the chat on 127.0.0.1:7860
#   make test   create .venv, install, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test typecheck install index bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[test,milvus,ray]"
	touch $(STAMP)

install: $(STAMP)

chat: $(STAMP)
	$(BIN)/python ui.py

index: $(STAMP)
	$(BIN)/qa index

test: $(STAMP)
	$(BIN)/python -m pytest

typecheck: $(STAMP)
	$(BIN)/python -m mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) embeddings .pytest_cache
