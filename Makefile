# Two commands do all the setup on a fresh machine:
#   make chat   create .venv, install the package alone, build the index if needed, start the chat on 127.0.0.1:7860
#   make test   create .venv, install the package with its test, milvus and ray extras, run the whole test suite
# Each install has its own stamp, redone when pyproject.toml changes; the full one also
# satisfies the chat's, so `make test` then `make chat` installs nothing more.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CHAT_STAMP := $(VENV)/.installed-chat
TEST_STAMP := $(VENV)/.installed-test

.PHONY: chat test typecheck lint install install-chat index bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The package alone: all the chat, `qa index` and `qa ask` use.
$(CHAT_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Everything the tests exercise: pytest, Playwright, mypy, Milvus Lite, Ray.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,milvus,ray]"
	touch $@ $(CHAT_STAMP)

install-chat: $(CHAT_STAMP)

install: $(TEST_STAMP)

chat: $(CHAT_STAMP)
	$(BIN)/python ui.py

index: $(CHAT_STAMP)
	$(BIN)/qa index

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

typecheck: $(TEST_STAMP)
	$(BIN)/python -m mypy

# Lint and format check (ruff, pinned in the test extra; rules in pyproject.toml).
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,milvus,ray,bench]"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) embeddings .pytest_cache
