# lessonreel — `make demo` runs the main job offline; `make test` runs the whole suite offline.
# Both install exactly what uv.lock pins (uv itself comes from PyPI through pip); `make lock`
# refreshes the lock and `make test-latest` runs the suite on the newest releases (not in CI).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NATIVE_TLS := 1
export UV_LINK_MODE := copy

.PHONY: demo test test-latest lock lint bench crash clean chromium ocr

# The studio's browser tests drive Debian's Chromium through Playwright (no browser download).
CHROMIUM ?= /usr/bin/chromium

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --quiet --python $(PYTHON)
	touch $@

$(DEV_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --quiet --python $(PYTHON) --extra dev
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/lessonreel make examples/lessons/photosynthesis.md --out runs/demo
	@echo "lessonreel is at $(BIN)/lessonreel (or: source $(BIN)/activate)"

# Tesseract reads key terms back from rendered frames in the teaching-layer test (a separate
# program, Apache-2.0); installed from Debian when missing and we are root, else that test skips.
ocr:
	@command -v tesseract >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null; } || \
		echo "tesseract-ocr not installed: the OCR test will skip"; }

test: $(DEV_STAMP) chromium ocr
	$(BIN)/python -m pytest -q

# Install Chromium when it is missing and we are root (CI); otherwise the browser tests skip.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "warning: $(CHROMIUM) is missing; as root \`make test\` installs it (apt chromium); browser tests skip" >&2; \
	  fi; \
	fi

# The newest release of every dependency, in a throwaway environment: drift shows up here first.
test-latest: | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .venv-latest
	$(UV) pip install --quiet --python .venv-latest/bin/python --upgrade -e '.[dev]'
	.venv-latest/bin/python -m pytest -q

lock: | $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# mypy cannot follow setuptools' editable path mapping, so check a symlinked view of the package.
	rm -rf build/typecheck && mkdir -p build/typecheck/lessonreel
	touch build/typecheck/lessonreel/__init__.py
	for d in app graph agents prompts store video; do [ -d $$d ] && ln -s ../../../$$d build/typecheck/lessonreel/$$d || true; done
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
	rm -rf $(VENV) .venv-latest $(TOOLS) runs .pytest_cache .mypy_cache .ruff_cache
