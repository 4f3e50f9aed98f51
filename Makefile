# Two commands set up and run everything: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXAMPLE ?= resources/examples/cnn_digits.nbproj

.PHONY: run test test-fast lint venv bench clean

$(STAMP): constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The constraints pin torch==2.13.0 (CPU wheel here, CUDA build on a GPU machine) and Qt 6.11.3.
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,lint,tensorboard]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m netbuilder gui $(EXAMPLE)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

# Training-quality tests (marked slow) are left out; `make test` runs everything.
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

# ruff (rules in pyproject.toml), mypy (strict for graph/compile/data/train/export) and the import contracts.
lint: $(STAMP)
	$(VENV)/bin/ruff check netbuilder tests bench resources
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info
