# One entry point for people and CI. `make help` lists the targets.
STACK ?= lesson1
VENV  ?= venv
PY    := $(VENV)/bin/python
STACK_FILE := stacks/Pulumi.$(STACK).yaml

# A local file backend and a default passphrase, so that nothing asks a question
# or needs a Pulumi Cloud account. Set your own to override either.
export PULUMI_BACKEND_URL ?= file://$(CURDIR)/.pulumi-state
export PULUMI_SKIP_UPDATE_CHECK ?= true
ifeq ($(origin PULUMI_CONFIG_PASSPHRASE)$(origin PULUMI_CONFIG_PASSPHRASE_FILE),undefinedundefined)
export PULUMI_CONFIG_PASSPHRASE := gpu-fleet-local
endif

PULUMI := pulumi --non-interactive
# Extra `pulumi up` flags, e.g. UP_FLAGS=--skip-preview (README, "Capacity rehearsal at scale").
UP_FLAGS ?=

.PHONY: help venv test lint up preview down check
help:
	@echo "make up STACK=lesson1       create the fleet of stacks/Pulumi.<STACK>.yaml"
	@echo "make preview STACK=lesson1  show what would change (pulumi preview --diff)"
	@echo "make down STACK=lesson1     destroy everything the stack created"
	@echo "make check STACK=lesson1    validate the stack file and print the fleet"
	@echo "make evidence STACK=lesson1 read the live fleet (GET only) into evidence/<STACK>/"
	@echo "make report STACK=lesson1   validation report from evidence/<STACK>/ (exit 1 on FAIL)"
	@echo "make test                   fast tests, ruff and mypy (no cluster, no network)"
	@echo "make e2e                    end-to-end tier on a local control plane (builds tools)"
	@echo "make bench [REPEAT=5]       print timings: registration, manifests, expect, evidence"
	@echo "make bench-e2e [SIZES=...]  real engine vs kubectl at 1k/5k/10k fake nodes (builds tools)"
	@echo "make bench-fleet [SIZES=...] [OFFERS=...] [HOLD=600]  a living fleet at 1k/5k/10k (builds tools)"

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .

test: lint
	$(PY) -m pytest -m "not e2e"

check: venv
	$(PY) -m fleet check $(STACK_FILE)

.pulumi-state:
	mkdir -p $@

stack: venv pulumi-cli .pulumi-state
	@$(PULUMI) stack select --create $(STACK) >/dev/null

pulumi-cli:
	@command -v pulumi >/dev/null || { echo "make: the Pulumi CLI is not on PATH (see README, Quick start)" >&2; exit 1; }

up: check stack
	$(PULUMI) up --yes --stack $(STACK) $(UP_FLAGS)
	$(PY) -m fleet check $(STACK_FILE)

preview: check stack
	$(PULUMI) preview --diff --stack $(STACK)

down: venv stack
	$(PULUMI) destroy --yes --stack $(STACK)

# End-to-end tier: builds the control plane (kwok, kwokctl, kube-apiserver and friends,
# etcd), the Pulumi engine (CLI, Python language host, kubernetes and command provider
# plugins) and fake-gpu-operator's KWOK commands into ${XDG_CACHE_HOME:-~/.cache}/gpu-fleet-e2e
# (reused when present), then runs tests/e2e: the program under the real engine on a
# throwaway kwokctl control plane. Needs Go; see README, "End-to-end tier".
# E2E_STRICT=1 also fails the run when any e2e test was skipped.
.PHONY: e2e
e2e: venv
	@start=$$(date +%s); \
	$(PY) -m tests.e2e.harness tools; rc=$$?; \
	echo "== make e2e: tools step took $$(( $$(date +%s) - start ))s"; exit $$rc
	@start=$$(date +%s); \
	$(PY) -m pytest -m e2e tests/e2e -v -s; rc=$$?; \
	echo "== make e2e: pytest step took $$(( $$(date +%s) - start ))s"; exit $$rc

# Evidence of the live fleet (read-only: GET requests only) and its validation report.
# A kind stack's kubeconfig comes from the stack output and is kept, mode 600, in
# evidence/<stack>/kubeconfig; an existing stack uses its cluster.kubeconfig/context,
# else $KUBECONFIG or ~/.kube/config. `make report` exits 1 when a row fails.
EVIDENCE_DIR := evidence/$(STACK)
STACK_MODE := import sys; from fleet.stack.load import load_stack_file; print(load_stack_file(sys.argv[1]).cluster.mode)

.PHONY: evidence report
evidence: check
	@mkdir -p $(EVIDENCE_DIR)
	@if [ "$$($(PY) -c '$(STACK_MODE)' $(STACK_FILE))" = kind ]; then \
	  (umask 077 && $(PULUMI) stack output kubeconfig --show-secrets --stack $(STACK) \
	    > $(EVIDENCE_DIR)/kubeconfig.tmp) && chmod 600 $(EVIDENCE_DIR)/kubeconfig.tmp && \
	  mv $(EVIDENCE_DIR)/kubeconfig.tmp $(EVIDENCE_DIR)/kubeconfig && \
	  $(PY) -m fleet evidence --stack $(STACK_FILE) --kubeconfig $(EVIDENCE_DIR)/kubeconfig \
	    --out $(EVIDENCE_DIR); \
	else \
	  $(PY) -m fleet evidence --stack $(STACK_FILE) --out $(EVIDENCE_DIR); \
	fi

report: venv
	$(PY) -m fleet report $(EVIDENCE_DIR)

.PHONY: bench pulumi-cli
bench: venv
	$(PY) -m benchmarks.bench --repeat $(or $(REPEAT),5)

# Capacity rehearsal at scale: the program under the real engine at 1,000, 5,000 and
# 10,000 fake nodes (nodeResources: perPool) against `kubectl apply --server-side` and
# `kubectl delete` of the same objects, on one kwokctl control plane. Prints a table and
# writes benchmarks/results/e2e-scale.json. Not part of `make test`; builds the e2e tools.
.PHONY: bench-e2e
bench-e2e: venv
	$(PY) -m tests.e2e.harness tools
	$(PY) -m benchmarks.e2e_scale --repeat $(or $(REPEAT),1) $(if $(SIZES),--sizes $(SIZES))

# A living fleet: per size (1,000, 5,000, 10,000) and GPU offer (devicePlugin, dra), the
# stack under the real engine on a fresh kwokctl control plane with its KWOK shards and
# fake-gpu-operator 0.2.0's commands on the host, and a queue of 110 % of the GPUs; held
# HOLD seconds (600) from the first node. Writes benchmarks/results/fleet-scale.json.
# Not part of `make test` or `make e2e`; builds the e2e tools. A 10,000-node run loads
# the machine for many minutes.
.PHONY: bench-fleet
bench-fleet: venv
	$(PY) -m tests.e2e.harness tools
	$(PY) -m benchmarks.fleet_scale $(if $(SIZES),--sizes $(SIZES)) $(if $(OFFERS),--offers $(OFFERS)) $(if $(HOLD),--hold $(HOLD))
