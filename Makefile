# Quick start: `make demo` (set up and run the main job), `make test` (set up and run the suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
# Debian's Chromium, for the dashboard's browser test (playwright's own download fails here).
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint typecheck pytest install dev browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) torch==2.13.0
	$(PIP) -e ".[dev,train,server,llm,trl]"
	touch $@

$(CHROMIUM):
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

browser: $(CHROMIUM)

demo: install
	$(BIN)/python evaluate.py --agent rule random --episodes 20

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: dev
	$(BIN)/mypy

pytest: dev browser
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# The shipped policy, policies/maskable_ppo/ (about 15 min on 2 cores; not part of `make test`).
POLICY_ARGS := --agent sb3 --algo maskable_ppo --scenarios hard hard expert default \
	--features desk --gamma 0.9 --n-envs 16 --batch-size 512 --timesteps 4000000 \
	--eval-every 1000000 --seed 0 --anneal-lr --ent-coef 0.01 --learning-rate 0.00003 \
	--imitate tuned

.PHONY: policy
policy: dev
	$(BIN)/python train.py $(POLICY_ARGS) --out policies/maskable_ppo

# RLlib (pins gymnasium==1.2.2) in its own virtualenv: install, then a 2-iteration PPO run.
# It lives inside .venv/: a second venv at the top level (symlinks) fails `openenv validate`.
RLLIB_VENV ?= .venv/rllib
RLLIB_PIP := $(RLLIB_VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: rllib-smoke
rllib-smoke:
	test -x $(RLLIB_VENV)/bin/python || $(PYTHON) -m venv $(RLLIB_VENV)
	$(RLLIB_PIP) torch==2.13.0
	$(RLLIB_PIP) -e ".[rllib]"
	timeout 900 $(RLLIB_VENV)/bin/python examples/rllib_ppo.py --iterations 2
