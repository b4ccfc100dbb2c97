# Two commands set everything up: `make dev` and `make test`. Each installs what is missing first.
# Tools live in the project (.tools/, .venv/), pinned, so nothing is installed globally except Chromium
# (Debian package) for the browser tests.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
SAM_CLI_VERSION := 1.170.0
PYTHON_VERSION := 3.13
TOOLS := .tools
UV := $(TOOLS)/uv/bin/uv
SAM := $(TOOLS)/bin/sam
VENV_STAMP := .venv/.synced-$(UV_VERSION)
SAM_PYTHON := $(TOOLS)/uv-tools/aws-sam-cli/bin/python
# make dev's workers get what Lambda would give them: the layer's packages, and the runtime's boto3.
LOCAL := .local
LAYER_PACKAGES := $(LOCAL)/layer-packages/.installed
LAMBDA_RUNTIME := $(LOCAL)/lambda-runtime/.installed
BOTO3_PIN := $(shell sed -n 's/.*"\(boto3==[0-9.]*\)".*/\1/p' pyproject.toml)

export SAM_CLI_TELEMETRY := 0
export UV_PYTHON_DOWNLOADS := never
# SAM CLI in its own tool environment: it pins boto3, click and pydantic, which must not hold back
# (or be held back by) the app's dependencies.
export UV_TOOL_DIR := $(CURDIR)/$(TOOLS)/uv-tools
export UV_TOOL_BIN_DIR := $(CURDIR)/$(TOOLS)/bin
export PATH := $(CURDIR)/$(TOOLS)/bin:$(PATH)

# Every core runs tests (pytest-xdist). A file's tests stay in one process, so the fixtures a module
# shares (make dev, Chromium, sam build) start once, and a browser never stays open under other tests.
PYTEST := $(UV) run --locked pytest -n auto --dist loadfile

.PHONY: help dev dev-reset token test check lint lock build clean python sam-cli deps browser resource routes

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

dev: deps sam-cli $(LAYER_PACKAGES) $(LAMBDA_RUNTIME)  ## Serve the API on http://127.0.0.1:3000 (no Docker needed)
	$(SAM_PYTHON) -m tools.devserver $(ARGS)

# Standard library only, and nothing but the token on stdout: `curl -H "Authorization: $(make -s token USER=...)"`.
token:  ## A seeded user's ID token, for curl: make token USER=alice@example.com (needs make dev with Auth=cognito)
	@python3 -m tools.devserver.idtoken '$(USER)' $(if $(PASSWORD),--password '$(PASSWORD)') $(if $(DEMO_PORT),--demo-port $(DEMO_PORT))

dev-reset:  ## Forget make dev's local DynamoDB data (it is re-seeded on the next start)
	rm -f $(LOCAL)/dynamodb.json

test: deps sam-cli browser $(LAYER_PACKAGES) $(LAMBDA_RUNTIME)  ## Run every test tier (unit, handlers, template, devserver, browser, ...)
	$(PYTEST)

check: deps  ## The inner loop: ruff (lint and format), then the unit and handler tiers
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(PYTEST) tests/unit tests/handlers

resource: deps  ## Add a collection resource: make resource NAME=things [SINGULAR=thing] (README, "Add your own resource")
	@$(UV) run --locked python -m tools.resource '$(NAME)' $(if $(SINGULAR),--singular '$(SINGULAR)')

routes: deps  ## Write every function's routes.json from its app (nothing to set up; a failure keeps the old file)
	@$(UV) run --locked python -m tools.routes

lint: deps  ## ruff over the project
	$(UV) run --locked ruff check .

# The Lambda runtime provides boto3's botocore (and what botocore needs): the X-Ray SDK depends on it, but
# the layer must not ship a second copy.
RUNTIME_PROVIDED := botocore python-dateutil six urllib3

lock: $(UV)  ## Re-lock after editing pyproject.toml, and re-export the layer's requirements
	$(UV) lock
	$(UV) export --locked --no-dev --no-hashes --no-emit-project --no-header \
	  $(addprefix --no-emit-package ,$(RUNTIME_PROVIDED)) -o layers/api_core/requirements.txt

build: sam-cli python  ## sam build (needs python3.13 on PATH, no Docker)
	$(SAM) build

clean:  ## Remove build output and local tool installs
	rm -rf .aws-sam .venv $(TOOLS) .pytest_cache $(LOCAL)/layer-packages $(LOCAL)/lambda-runtime

# --- installs: each runs only when its output is missing or stale -------------------------------------
deps: python $(VENV_STAMP)

python:  ## python3.13 must be on PATH: sam build needs the Runtime's interpreter
	@command -v python$(PYTHON_VERSION) >/dev/null || { \
	  echo "python$(PYTHON_VERSION) is not on PATH. With pyenv: pyenv install $(PYTHON_VERSION) (this repo's" \
	       ".python-version then selects it). With uv: uv python install $(PYTHON_VERSION)." >&2; exit 1; }

$(UV):
	python3 -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet uv==$(UV_VERSION)

# Bytecode written once here: this machine's tools and tests start many fresh interpreters, and without it
# each compiles what it imports again (cfn-lint's sympy alone takes seconds).
$(VENV_STAMP): $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --compile-bytecode --python python$(PYTHON_VERSION)
	touch $@

sam-cli: $(SAM)
$(SAM): $(UV)
	$(UV) tool install --force --compile-bytecode --python python$(PYTHON_VERSION) aws-sam-cli==$(SAM_CLI_VERSION)

$(LAYER_PACKAGES): layers/api_core/requirements.txt | $(UV) python
	rm -rf $(LOCAL)/layer-packages
	$(UV) pip install --quiet --no-deps --python python$(PYTHON_VERSION) --target $(LOCAL)/layer-packages -r $<
	touch $@

$(LAMBDA_RUNTIME): pyproject.toml | $(UV) python
	rm -rf $(LOCAL)/lambda-runtime
	$(UV) pip install --quiet --python python$(PYTHON_VERSION) --target $(LOCAL)/lambda-runtime "$(BOTO3_PIN)"
	touch $@

browser:  ## Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser)
	@bash tools/ensure-chromium.sh

# --- deploy (issue 6): these need AWS credentials; none needs Docker --------------------------------
# The layer is built for ARCHITECTURE (layers/api_core/Makefile). It must match the template's
# Architecture parameter: for arm64, also put Architecture=arm64 in samconfig.toml's parameter_overrides.
ARCHITECTURE ?= x86_64
export ARCHITECTURE
# The check runs the layer's own cold-start validation, which needs the layer's dependencies
# (publicsuffixlist): the project's environment has them.
CHECK_PROD_ORIGINS = $(UV) run --locked python tools/check-prod-origins.py $(if $(ALLOWED_ORIGINS),--allowed-origins '$(ALLOWED_ORIGINS)') $(if $(ADMIN_ORIGINS),--admin-origins '$(ADMIN_ORIGINS)')

.PHONY: deploy deploy-prod check-prod-origins

deploy: build  ## sam build, then sam deploy of the dev stack ([default] in samconfig.toml; AWS credentials)
	$(SAM) deploy

deploy-prod: check-prod-origins  ## Refuse unless AllowedOrigins and AdminOrigins are explicit and prod signs in (Auth), then build and deploy prod (AWS credentials)
	$(MAKE) --no-print-directory build
	$(SAM) deploy --config-env prod \
	  $(if $(ALLOWED_ORIGINS)$(ADMIN_ORIGINS),--parameter-overrides "$$($(CHECK_PROD_ORIGINS) --print-overrides)")

check-prod-origins: deps  ## Check prod's AllowedOrigins and AdminOrigins (samconfig.toml, or ALLOWED_ORIGINS=... ADMIN_ORIGINS=...) and Auth offline, as the template and functions will
	@$(CHECK_PROD_ORIGINS)

# --- reliability (issue 8): make reliability ---------------------------------------------------------
# A fresh summary, so that every figure in the doc comes from this one run; the doc is written only when
# the tests passed (make stops at the first failing command). The tests run are the reliability tier and
# every other test file that reports figures (the `figures` fixture), found rather than listed.
.PHONY: reliability
OPEN_PAREN := (
FIGURE_TESTS = tests/reliability $(filter-out tests/reliability/%,$(shell grep -rlF --include='test_*.py' 'figures$(OPEN_PAREN)' tests))

reliability: deps sam-cli browser $(LAYER_PACKAGES) $(LAMBDA_RUNTIME)  ## Run the tests that report figures and write them into docs/RELIABILITY.md
	rm -f $(LOCAL)/reliability/summary.json
	$(PYTEST) $(FIGURE_TESTS)
	$(UV) run --locked python tests/reliability/report.py

# --- benchmarks (issue 7): make bench ---------------------------------------------------------------
# The peers' packages: the layer's exact pins, compiled to bytecode as the layer is (fair cold starts).
BENCH_PEERS := $(LOCAL)/bench-peers/.installed

.PHONY: bench

bench: deps build $(BENCH_PEERS) $(LAMBDA_RUNTIME)  ## Cold start, warm latency, RSS, size, DynamoDB reads vs peers; writes docs/PERFORMANCE.md
	$(UV) run --locked python -m benchmarks --write $(ARGS)

# make test runs the harness in its quick mode (tests/bench/test_benchmark_harness.py), so it cannot rot.
test: build $(BENCH_PEERS)

$(BENCH_PEERS): layers/api_core/requirements.txt | $(UV) python
	rm -rf $(LOCAL)/bench-peers
	$(UV) pip install --quiet --no-config --no-deps --compile-bytecode --python python$(PYTHON_VERSION) --target $(LOCAL)/bench-peers -r $<
	touch $@

# --- continuous delivery (issue 15): .github/workflows, ci/bootstrap.yaml, tests/smoke -----------------
# The workflows call these targets, so that CI runs what a user runs (tests/delivery checks it).
.PHONY: smoke bootstrap-ci deploy-built delete-stack

# STACK names a deployed stack; API_URL a base URL (ALLOWED_ORIGINS and AUTH then describe the API).
smoke: deps  ## Smoke-test a running API over HTTP: make smoke API_URL=<base URL> or make smoke STACK=<stack name>
	@$(UV) run --locked python tools/smoke.py $(if $(API_URL),--api-url '$(API_URL)') $(if $(STACK),--stack '$(STACK)') \
	  $(if $(ALLOWED_ORIGINS),--allowed-origins '$(ALLOWED_ORIGINS)') $(if $(ADMIN_ORIGINS),--admin-origins '$(ADMIN_ORIGINS)') \
	  $(if $(AUTH),--auth '$(AUTH)') $(ARGS)

# The repository whose workflows may deploy: from the `origin` remote unless given.
GITHUB_REPOSITORY ?= $(shell git remote get-url origin 2>/dev/null | sed -nE 's#^(https://github\.com/|git@github\.com:)([^/]+/[^/]+)$$#\2#p' | sed 's/\.git$$//')

bootstrap-ci: sam-cli  ## Once per AWS account and region: GitHub OIDC provider, deploy roles, artifact bucket (AWS credentials)
	@[[ "$(GITHUB_REPOSITORY)" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$$ ]] || { echo "make bootstrap-ci needs the GitHub" \
	  "repository whose workflows may deploy: make bootstrap-ci GITHUB_REPOSITORY=owner/name" >&2; exit 2; }
	$(SAM) deploy --template-file ci/bootstrap.yaml --parameter-overrides GitHubRepository=$(GITHUB_REPOSITORY) \
	  $(if $(OIDC_PROVIDER_ARN),ExistingOidcProviderArn=$(OIDC_PROVIDER_ARN)) $(ARGS)

# CI builds once (make build) and deploys that build to each stage, without a prompt: a GitHub
# environment's reviewers approve prod instead of SAM's change-set prompt. SAM_ARTIFACT_BUCKET is the
# bootstrap stack's bucket, where each stack's artifacts go under its name (the prefix its role may write).
CONFIG_ENV ?= default
STACK_NAME = $(or $(STACK),$(shell sed -n '/^\[$(CONFIG_ENV)\.global\.parameters\]/,/^\[/s/^stack_name = "\(.*\)"$$/\1/p' samconfig.toml))

deploy-built: sam-cli $(if $(filter prod,$(CONFIG_ENV)),check-prod-origins)  ## sam deploy of make build's output, no prompt (CI): CONFIG_ENV=default|prod, STACK=, ARGS=
	@test -f .aws-sam/build/template.yaml || { echo "make deploy-built deploys what make build left in .aws-sam:" \
	  "run make build first" >&2; exit 2; }
	$(SAM) deploy --config-env $(CONFIG_ENV) --no-confirm-changeset --stack-name $(STACK_NAME) \
	  $(if $(SAM_ARTIFACT_BUCKET),--no-resolve-s3 --s3-bucket $(SAM_ARTIFACT_BUCKET) --s3-prefix $(STACK_NAME)) \
	  $(if $(PARAMETER_OVERRIDES),--parameter-overrides '$(PARAMETER_OVERRIDES)') $(ARGS)

delete-stack: sam-cli  ## Delete a stack and its artifacts without a prompt (CI's preview stacks): make delete-stack STACK=<name>
	@test -n "$(STACK)" || { echo "make delete-stack needs STACK=<stack name>" >&2; exit 2; }
	$(SAM) delete --stack-name $(STACK) --no-prompts \
	  $(if $(SAM_ARTIFACT_BUCKET),--s3-bucket $(SAM_ARTIFACT_BUCKET) --s3-prefix $(STACK))

# --- the API document (issue 16): make openapi --------------------------------------------------------
.PHONY: openapi

openapi: deps  ## Write docs/openapi.json: every function's routes in one OpenAPI 3.1 document (a test checks it)
	$(UV) run --locked python -m tools.openapi

# A project generated without some of the samples starts without the document (copier cannot run code):
# the first make that needs it writes it, to be committed.
docs/openapi.json: | deps
	$(UV) run --locked python -m tools.openapi
test check: docs/openapi.json
