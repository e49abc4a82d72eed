# clustersim: two commands do all set-up on a fresh machine.
#   make run   - create .venv (Python 3.12), install, run the Astrakhan comparison on SQLite
#   make test  - create .venv, install with test extras, run the whole test suite
PYTHON ?= $(shell command -v python3.12 2>/dev/null || ls $(HOME)/.pyenv/versions/3.12*/bin/python 2>/dev/null | tail -1 || echo python3)
VENV := .venv
EXTRAS := test,dask,postgres,analysis,excel,app,brief
STAMP := $(VENV)/.installed-$(shell echo $(EXTRAS) | tr ',' '-')

.PHONY: run test lint clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "clustersim needs Python >= 3.12, found " + sys.version'
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[$(EXTRAS)]'
	$(VENV)/bin/python -m sim.model.warm
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/clustersim run scenarios/astrakhan_shipbuilding.toml

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info
