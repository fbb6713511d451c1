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

.PHONY: chat test typecheck lint install install-chat index bench reader answer-score questions clean

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

# What makes the shipped models (training/README.md): the reader (about 3 h on 2 cores here),
# then the answer score fitted for it (a few minutes), into qa/reading/model/.
READER_RUN := bench/results/reader

reader: $(TEST_STAMP)
	$(BIN)/python -m training.train_reader --squad A --epochs 2 --news-negatives 4 --unanswerable-negatives 10 --near-miss-negatives 4 --average 0.9995 --out $(READER_RUN)
	$(BIN)/python -m training.export_reader --model $(READER_RUN)/model
	$(MAKE) answer-score

answer-score: $(TEST_STAMP)
	$(BIN)/python -m training.fit_answer_score

# The news questions: check every draft, then build the train/dev/test splits.
questions: $(TEST_STAMP)
	$(BIN)/python -m training.news_questions check eval/news-qa/drafts/*.jsonl eval/news-qa/drafts/test/*.jsonl
	$(BIN)/python -m training.news_questions build

clean:
	rm -rf $(VENV) embeddings .pytest_cache
