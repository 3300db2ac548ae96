# Two entry points: `make demo` and `make test`. Both build the virtual environment first,
# with runtime versions pinned by constraints.txt so the committed model keeps loading.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint model clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

demo: install
	$(BIN)/escalation-risk score data/corpus -o out/demo-scores.csv --top 5

test: install
	$(BIN)/python -m ruff check escalation_risk tests scripts
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q
	mkdir -p out/fuzz
	$(BIN)/python tests/fuzz_readers.py -max_total_time=60 -timeout=20 > out/fuzz/log 2>&1 \
		|| (tail -40 out/fuzz/log; echo "fuzzing found a crash: see out/fuzz/"; exit 1)
	tail -1 out/fuzz/log

model: install
	$(BIN)/python scripts/train_default.py

clean:
	rm -rf $(VENV) out build dist .pytest_cache
