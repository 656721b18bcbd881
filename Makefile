# lessonreel — `make demo` runs the main job offline; `make test` runs the whole suite offline.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench crash clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/lessonreel make examples/lessons/photosynthesis.md --out runs/demo

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# mypy cannot follow setuptools' editable path mapping, so check a symlinked view of the package.
	rm -rf build/typecheck && mkdir -p build/typecheck/lessonreel
	touch build/typecheck/lessonreel/__init__.py
	for d in graph agents prompts store video; do ln -s ../../../$$d build/typecheck/lessonreel/$$d; done
	cd build/typecheck && MYPYPATH=. ../../$(BIN)/mypy --config-file ../../pyproject.toml -p lessonreel

bench: $(DEV_STAMP)
	@# Every benchmark with short settings; eval data lives in ../shared/eval (figures: docs/benchmarks.md).
	$(BIN)/python bench/render.py --short
	$(BIN)/python bench/stitch.py --short
	$(BIN)/python bench/ledger.py --short
	$(BIN)/python bench/director.py ../shared/eval/lessons
	$(BIN)/python bench/screen.py --no-kfold ../shared/eval/safety/*.jsonl
	$(BIN)/python bench/crash.py --shots 6 --kills 3
	$(BIN)/python bench/dispatch.py --short
	$(BIN)/python bench/overhead.py --short
	$(BIN)/python bench/cost.py --short ../shared/eval/lessons

crash: $(DEV_STAMP)
	$(BIN)/python bench/crash.py --shots 30 --kills 20

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
