# One entry point for people and CI. `make help` lists the targets.
STACK ?= lesson1
VENV  ?= venv
PY    := $(VENV)/bin/python
STACK_FILE := stacks/Pulumi.$(STACK).yaml

# A local file backend (.pulumi-state/, mode 700) and a passphrase generated for this
# checkout into .pulumi-passphrase (mode 600), so that nothing asks a question or needs
# a Pulumi Cloud account. Set PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE or
# PULUMI_CONFIG_PASSPHRASE_FILE yourself to override them.
STATE_DIR := $(CURDIR)/.pulumi-state
PASSPHRASE_FILE := $(CURDIR)/.pulumi-passphrase
export PULUMI_BACKEND_URL ?= file://$(STATE_DIR)
export PULUMI_SKIP_UPDATE_CHECK ?= true
ifeq ($(origin PULUMI_CONFIG_PASSPHRASE)$(origin PULUMI_CONFIG_PASSPHRASE_FILE),undefinedundefined)
export PULUMI_CONFIG_PASSPHRASE_FILE := $(PASSPHRASE_FILE)
OWN_PASSPHRASE := $(PASSPHRASE_FILE)
endif
STACKS = $(sort $(patsubst stacks/Pulumi.%.yaml,%,$(wildcard stacks/Pulumi.*.yaml)))

PULUMI := pulumi --non-interactive
# Extra `pulumi up` flags, e.g. UP_FLAGS=--skip-preview (docs/scale.md, "Engine settings").
UP_FLAGS ?=

.PHONY: help venv test lint up preview down check
help:
	@echo "make demo [KEEP=1]          lesson 1 end to end on a local control plane, no Docker"
	@echo "                            or kind (builds tools; KEEP=1 keeps the lab until Ctrl-C;"
	@echo "                            TELEMETRY=1: operator 0.2.0's exporter and a Prometheus too)"
	@echo "make up STACK=lesson1       create the fleet of stacks/Pulumi.<STACK>.yaml"
	@echo "make preview STACK=lesson1  show what would change (pulumi preview --diff)"
	@echo "make down STACK=lesson1     destroy everything the stack created"
	@echo "make check STACK=lesson1    validate the stack file and print the fleet"
	@echo "make evidence STACK=lesson1 read the live fleet (GET only) into evidence/<STACK>/"
	@echo "make report STACK=lesson1   validation report from evidence/<STACK>/, else the shipped"
	@echo "                            examples/evidence/<STACK>/ (exit 1 on FAIL)"
	@echo "make test                   fast tests, ruff and mypy (no cluster, no network)"
	@echo "make e2e                    end-to-end tier on a local control plane (builds tools)"
	@echo "make e2e-kind               the user's make commands on real kind clusters (Docker; builds images)"
	@echo "make bench [REPEAT=5]       print timings: registration, manifests, expect, evidence"
	@echo "make bench-e2e [SIZES=...]  real engine vs floor, kubectl at 1k/5k/10k nodes (builds tools)"
	@echo "make bench-replay [RUNS=3]  replay 8,000 pods on 1,200 nodes / 6,000 GPUs (builds tools)"
	@echo "make bench-fleet [SIZES=...] [OFFERS=...] [HOLD=600]  a living fleet at 1k/5k/10k (builds tools)"
	@echo "make bench-schedulers       one trace of 5,000 jobs on 1,000 nodes under default, Kueue, KAI"

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -e .
	touch $@

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .

test: lint
	$(PY) -m pytest -m "not e2e and not e2e_kind"

check: venv stack-file
	$(PY) -m fleet check $(STACK_FILE)

# Refuses a STACK without a stack file, naming those there are; creates nothing.
.PHONY: stack-file state stack stack-exists
stack-file:
	@test -f $(STACK_FILE) || { echo "make: no stack $(STACK): $(STACK_FILE) does not exist; the stacks are: $(STACKS)" >&2; exit 2; }

# The state folder, private; and this checkout's passphrase, unless you set your own.
ON_PATH = command -v pulumi >/dev/null || { echo "make: the Pulumi CLI is not on PATH (see README, Quick start)" >&2; exit 1; }
# State written before the passphrase was generated keeps the old shared one (README).
OLD_PASSPHRASE := gpu-fleet-local
NEW_PASSPHRASE = if ls $(STATE_DIR)/.pulumi/stacks/*/* >/dev/null 2>&1; then echo $(OLD_PASSPHRASE); echo "make: $(STATE_DIR) holds stacks encrypted with the old shared passphrase; it is kept in $(OWN_PASSPHRASE) (README, Quick start)" >&2; else $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))'; fi
MAKE_STATE = mkdir -p $(STATE_DIR) && chmod 700 $(STATE_DIR) $(if $(OWN_PASSPHRASE),&& { test -s $(OWN_PASSPHRASE) || { (umask 077 && { $(NEW_PASSPHRASE); } > $(OWN_PASSPHRASE).tmp) && mv $(OWN_PASSPHRASE).tmp $(OWN_PASSPHRASE); }; })
# The engine writes a stack's secrets salt (`encryptionsalt`) into the stack config file it
# reads. So that it never rewrites the tracked stacks/Pulumi.<STACK>.yaml, it reads a copy
# kept with the state, .pulumi-state/project/stacks/Pulumi.<STACK>.yaml, made from the
# stack file before each command with the salt carried over; a new stack is created
# (`stack init`) on a copy of Pulumi.yaml there. A stack file with a salt of its own
# (a secret set by `pulumi config set --secret`) is copied as it is.
ENGINE_PROJECT := $(STATE_DIR)/project
ENGINE_CONFIG = $(ENGINE_PROJECT)/stacks/Pulumi.$(STACK).yaml
CONFIG_COPY = mkdir -p $(ENGINE_PROJECT)/stacks && cp Pulumi.yaml $(ENGINE_PROJECT)/Pulumi.yaml && $(PY) -m fleet.stack.engine_config $(STACK_FILE) $(ENGINE_CONFIG)
ENGINE_FLAGS = --stack $(STACK) --config-file $(ENGINE_CONFIG)
# For commands on a stack that must have been brought up: refuses a stack without state
# (naming those that have some) instead of creating an empty one.
HAS_STATE = $(PULUMI) stack select $(STACK) >/dev/null 2>&1 || { echo "make: stack $(STACK) has no state in $(PULUMI_BACKEND_URL) (was it brought up with make up?); stacks with state: $$($(PULUMI) stack ls --json 2>/dev/null | $(PY) -c 'import json, sys; print(" ".join(s["name"] for s in json.loads(sys.stdin.read() or "[]")) or "none")')" >&2; exit 2; }

pulumi-cli:
	@$(ON_PATH)

state: pulumi-cli
	@$(MAKE_STATE)

stack: venv stack-file state
	@$(CONFIG_COPY)
	@$(PULUMI) stack select $(STACK) >/dev/null 2>&1 || $(PULUMI) stack init $(STACK) --no-select --cwd $(ENGINE_PROJECT) >/dev/null
	@$(CONFIG_COPY)

stack-exists: venv stack-file state
	@$(HAS_STATE)

up: check stack
	$(PULUMI) up --yes $(ENGINE_FLAGS) $(UP_FLAGS)
	$(PY) -m fleet check $(STACK_FILE)

preview: check stack
	$(PULUMI) preview --diff $(ENGINE_FLAGS)

down: stack-exists
	@$(CONFIG_COPY)
	$(PULUMI) destroy --yes $(ENGINE_FLAGS)

# End-to-end tier: builds the control plane (kwok, kwokctl, kube-apiserver and friends,
# etcd), the Pulumi engine (CLI, Python language host, kubernetes and command provider
# plugins) and fake-gpu-operator's KWOK commands into ${XDG_CACHE_HOME:-~/.cache}/gpu-fleet-e2e
# (reused when present), then runs tests/e2e: the program under the real engine on a
# throwaway kwokctl control plane. Needs Go; see docs/testing.md, "End-to-end tier".
# E2E_STRICT=1 also fails the run when any e2e test was skipped.
.PHONY: e2e
e2e: venv
	@start=$$(date +%s); \
	$(PY) -m lab tools; rc=$$?; \
	echo "== make e2e: tools step took $$(( $$(date +%s) - start ))s"; exit $$rc
	@start=$$(date +%s); \
	$(PY) -m pytest -m e2e tests/e2e -v -s; rc=$$?; \
	echo "== make e2e: pytest step took $$(( $$(date +%s) - start ))s"; exit $$rc

# The kind tier: starts a Docker engine (Debian's docker.io; installed when missing),
# builds kind v0.32.0, the node image kindest/node:v1.36.1 and the images of KWOK,
# fake-gpu-operator, Kueue and KAI-Scheduler from their sources (cached beside the e2e
# tools), then runs the user's make commands for lesson1, lesson1-dra, lesson1-kueue
# and lesson1-kai against real kind clusters in a copy of this checkout, and stops the
# engine it started. See docs/testing.md, "Kind tier".
.PHONY: e2e-kind
e2e-kind: venv
	@start=$$(date +%s); \
	$(PY) -m pytest -m e2e_kind tests/e2e_kind -v -s; rc=$$?; \
	echo "== make e2e-kind took $$(( $$(date +%s) - start ))s"; exit $$rc

# Lesson 1 end to end without Docker or kind, on the e2e tier's lab: a kwokctl control
# plane (binary runtime) with KWOK, fake-gpu-operator's commands on the host, the real
# engine. Each tool is yours when installed at the pinned version, else cached, else
# downloaded, else built with Go (docs/quickstart.md). Brings the fleet up, waits for it
# to settle, writes evidence/demo/ and prints the report, then tears everything down;
# KEEP=1 keeps the lab (kubeconfig printed) until Ctrl-C.
.PHONY: demo
demo: venv
	$(PY) -m lab.demo $(if $(filter 1 yes true,$(KEEP)),--keep) $(if $(filter 1 yes true,$(TELEMETRY)),--telemetry)

# Evidence of the live fleet (read-only: GET requests only) and its validation report.
# A kind stack's kubeconfig comes from the stack output and is kept, mode 600, in
# evidence/<stack>/kubeconfig (written anew: a redirect keeps an existing file's mode); an existing stack uses its cluster.kubeconfig/context,
# else $KUBECONFIG or ~/.kube/config. `make report` exits 1 when a row fails.
EVIDENCE_DIR := evidence/$(STACK)
STACK_MODE := import sys; from fleet.stack.load import load_stack_file; print(load_stack_file(sys.argv[1]).cluster.mode)

.PHONY: evidence report
evidence: check
	@if [ "$$($(PY) -c '$(STACK_MODE)' $(STACK_FILE))" = kind ]; then \
	  { $(ON_PATH); } && $(MAKE_STATE) && $(HAS_STATE) && \
	  kubeconfig=$$($(PULUMI) stack output kubeconfig --show-secrets --stack $(STACK)) && \
	  test -n "$$kubeconfig" && mkdir -p $(EVIDENCE_DIR) && \
	  (umask 077 && rm -f $(EVIDENCE_DIR)/kubeconfig.tmp && \
	    printf '%s\n' "$$kubeconfig" > $(EVIDENCE_DIR)/kubeconfig.tmp) && \
	  mv $(EVIDENCE_DIR)/kubeconfig.tmp $(EVIDENCE_DIR)/kubeconfig && \
	  $(PY) -m fleet evidence --stack $(STACK_FILE) --kubeconfig $(EVIDENCE_DIR)/kubeconfig \
	    --out $(EVIDENCE_DIR); \
	else \
	  $(PY) -m fleet evidence --stack $(STACK_FILE) --out $(EVIDENCE_DIR); \
	fi

# Without evidence of your own, the evidence shipped in examples/evidence/<STACK>
# (recorded from a real run, see its README), reported into reports/<STACK>.md and .html
# (the shipped folder is left as it is).
SHIPPED_EVIDENCE := examples/evidence/$(STACK)
report: venv stack-file
	@if [ -e $(EVIDENCE_DIR)/evidence.json ] || [ ! -d $(SHIPPED_EVIDENCE) ]; then \
	  $(PY) -m fleet report $(EVIDENCE_DIR); \
	else \
	  echo "make: no $(EVIDENCE_DIR)/evidence.json; reporting on the shipped $(SHIPPED_EVIDENCE)" >&2; \
	  $(PY) -m fleet report $(SHIPPED_EVIDENCE) --out reports/$(STACK).md --html reports/$(STACK).html; \
	fi

# The evidence shipped in examples/evidence/ (what `make report` reads without a cluster),
# recorded from the kind tier's real run of lesson 1 and its DRA variant (make e2e-kind).
.PHONY: record-evidence
record-evidence: venv
	GPU_FLEET_RECORD_EVIDENCE=1 $(PY) -m pytest -m e2e_kind tests/e2e_kind/test_kind_lessons.py -v -s

.PHONY: bench pulumi-cli
bench: venv
	$(PY) -m benchmarks.bench --repeat $(or $(REPEAT),5)

# Capacity rehearsal at scale: the program under the real engine at 1,000, 5,000 and
# 10,000 fake nodes (nodeResources: perPool) against the same requests without the engine
# (the floor: the pools at once, each at the engine's concurrency) and `kubectl apply
# --server-side` / `kubectl delete` of the same objects, on one kwokctl control plane;
# REPEAT rounds per size (3), the runners' order rotated each round. Prints a table and
# writes benchmarks/results/e2e-scale.json. Not part of `make test`; builds the e2e tools.
.PHONY: bench-e2e
bench-e2e: venv
	$(PY) -m lab tools
	$(PY) -m benchmarks.e2e_scale --repeat $(or $(REPEAT),3) $(if $(SIZES),--sizes $(SIZES))

# Replay at scale: 8,000 pods in the shape of Alibaba's cluster-trace-gpu-v2023 on 1,200
# nodes / 6,000 GPUs, RUNS times (3), each on a fresh control plane: the fleet up under the
# real engine, `fleet replay` at 60x (its probe first), the lab's CPU sampled, `fleet
# report` timed. Writes benchmarks/results/replay.json (each run, medians and spread;
# benchmarks/results/replay.md) and benchmarks/results/replay/.
.PHONY: bench-replay
bench-replay: venv
	$(PY) -m lab tools
	$(PY) -m benchmarks.replay $(if $(SPEED),--speed $(SPEED)) $(if $(RUNS),--runs $(RUNS)) $(if $(PODS),--pods $(PODS)) $(if $(SPAN),--span $(SPAN))
# A living fleet: per size (1,000, 5,000, 10,000) and GPU offer (devicePlugin, dra), the
# stack under the real engine on a fresh kwokctl control plane with its KWOK shards and
# fake-gpu-operator 0.2.0's commands on the host, and a queue of 110 % of the GPUs; held
# HOLD seconds (600) from the first node. Writes benchmarks/results/fleet-scale.json.
# Not part of `make test` or `make e2e`; builds the e2e tools. A 10,000-node run loads
# the machine for many minutes.
.PHONY: bench-fleet
bench-fleet: venv
	$(PY) -m lab tools
	$(PY) -m benchmarks.fleet_scale $(if $(SIZES),--sizes $(SIZES)) $(if $(OFFERS),--offers $(OFFERS)) $(if $(HOLD),--hold $(HOLD))

# Schedulers side by side: one trace of 5,000 jobs (teams, some gangs) on the 1,000 nodes of
# large-1k, replayed under the default scheduler, Kueue and KAI-Scheduler, each stack up
# under the real engine on a fresh kwokctl control plane with the scheduler's controllers on
# the host. Writes benchmarks/results/schedulers.json and schedulers.svg (docs/schedulers.md).
# Not part of `make test` or `make e2e`; builds the e2e tools. BENCH_ARGS: e.g. --nodes 50 --jobs 200.
.PHONY: bench-schedulers
bench-schedulers: venv
	$(PY) -m lab tools
	$(PY) -m benchmarks.schedulers $(BENCH_ARGS)
