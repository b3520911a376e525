# claimscreen: `make demo` runs the demo, `make test` runs the tests.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.venv/prefect-home
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: demo test check format bench clean install docs golden

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/claimscreen demo

test: $(STAMP)
	@# The review app's browser tests drive Debian's chromium (Playwright never downloads one).
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium missing and not root: browser tests will be skipped"; }
	PREFECT_HOME=$$(mktemp -d) $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	@# mypy cannot follow the editable install's import hook: give it the package by a link.
	@mkdir -p $(VENV)/typecheck && ln -sfn $(CURDIR) $(VENV)/typecheck/claimscreen
	MYPYPATH=$(VENV)/typecheck $(BIN)/mypy -p claimscreen

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(STAMP)
	$(BIN)/python -c "from claimscreen.features.build import ALL_FEATURES; \
	from claimscreen.features.catalog import features_markdown; \
	open('docs/features.md', 'w').write(features_markdown(ALL_FEATURES))"
	$(BIN)/python -c "from claimscreen.models.evidence import evidence_markdown; \
	open('docs/reasons.md', 'w').write(evidence_markdown())"

# The byte-for-byte scores of a fixed world (tests/test_golden_scores.py): rewrite them
# only when a change of scores is intended, and say so in the commit message.
golden: $(STAMP)
	PREFECT_HOME=$$(mktemp -d) $(BIN)/python tests/test_golden_scores.py --write

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
