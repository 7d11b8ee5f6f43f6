# Two commands do all the set-up:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: install demo test test-fast clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch is installed only when the venv has none: put the build you want there first (README, Quick start)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements-dev.txt
	# the toolkit itself, editable: the gerbera-* commands and python -m gerbera.* from any folder; no
	# dependencies (installed above: pip never swaps the torch build) and no download (setuptools is above);
	# -qq: setuptools' boxed "Editable installation" notice says nothing for this layout (errors still print)
	$(PY) -m pip install -qq --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) scripts/demo.py

# two test processes (pytest-xdist): most tests spend their time starting a child python (torch,
# transformers), so two overlap well even on two cores; the slowest tests are listed at the end
TEST_PROCESSES ?= 2
test: install
	$(PY) -m pytest -q -n $(TEST_PROCESSES) --dist worksteal --durations=15

test-fast: install
	$(PY) -m pytest -q -n $(TEST_PROCESSES) --dist worksteal -m "not slow"

clean:
	rm -rf demo_output
