# Two commands do everything on a fresh machine: `make demo` (the sandbox runs the product) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)/layers/common:$(CURDIR)

.PHONY: venv lint typecheck unit test build sandbox demo bench clean utp-serve salesdrive-serve utp-schema-check
SAM_VENV := .sam-venv
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam

$(STAMP): requirements-dev.txt layers/common/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	# The project itself is importable from the venv (`python -m sandbox.utp serve`, `import bridge`).
	$(BIN)/python -c "import sysconfig,pathlib; pathlib.Path(sysconfig.get_paths()['purelib'], 'salesdrive_utp_bridge.pth').write_text('$(CURDIR)/layers/common\n$(CURDIR)\n')"
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck build
	$(BIN)/python -m pytest

$(SAM_VENV)/.installed: requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q -r requirements-sam.txt
	touch $@

# What `sam build && sam deploy --guided` starts from, checked on every CI run (no AWS account needed):
# packaging/Makefile builds the layer for arm64 CPython 3.12 without python3.12 or Docker.
build: $(SAM_VENV)/.installed
	$(SAM) validate --lint
	$(SAM) build

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

sandbox: $(STAMP)
	$(BIN)/python -m sandbox.runner up

demo: $(STAMP)
	$(BIN)/python -m sandbox.runner demo --visibility-timeout 5  # retries in seconds, not 12 minutes

# The committed UTP emulator schema is what the configuration's dump gives (UTP_DUMP = a checkout of the
# public dump, GitHub malakhovua/utp).
utp-schema-check: $(STAMP)
	@test -n "$(UTP_DUMP)" || { echo "set UTP_DUMP to a checkout of the UTP configuration dump"; exit 2; }
	$(BIN)/python -m sandbox.utp.schema_from_dump "$(UTP_DUMP)" --out "$(CURDIR)/.utp-schema-check.json"
	@diff -u sandbox/utp/schema.json .utp-schema-check.json && rm -f .utp-schema-check.json && echo "sandbox/utp/schema.json is up to date"

utp-serve: $(STAMP)
	$(BIN)/python -m sandbox.utp serve --port 8101

salesdrive-serve: $(STAMP)
	$(BIN)/python -m sandbox.salesdrive serve --port 8102

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(SAM_VENV) .sandbox .aws-sam .pytest_cache .mypy_cache .ruff_cache
