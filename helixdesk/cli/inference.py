"""The hackathon ``inference.py``: one traced episode of every graded task, on stdout.

Usage::

    API_KEY=… [API_BASE_URL=…] [MODEL_NAME=gpt-4o] python inference.py
    python inference.py --agent rule                 # offline; or HELIXDESK_AGENT=rule
    python inference.py --seed 7 --time-budget-s 600 --timeout-s 20 --max-retries 1

The key comes from ``API_KEY``, then ``HF_TOKEN`` (then ``OPENAI_API_KEY``). Stdout holds
only the contract's lines, per task in ``helixdesk.tasks.TASK_IDS`` order::

    [START] task=<id> env=helixdesk model=<model name, or rule-agent>
    [STEP] step=<n> action=<classification,priority,assignment,secondary> reward=<0.00>
           done=<true|false> error=<msg|null>
    [END] success=<true|false> steps=<n> score=<0.000> rewards=<r1,r2,...,rn>

* Every task plays one episode from ``--seed`` (default 42). ``score`` is the task's grade
  (``Task.score_log``) of the very episode the ``[STEP]`` lines trace, clamped to
  [0.001, 0.999] and printed with three decimals, so it is strictly inside (0, 1).
* When a step fails (the LLM call fails after its bounded retries, the reply stays unusable
  after a corrective retry, the time budget is spent, or anything else raises), that step is
  printed with ``action=null reward=0.00 done=true error=<the error, on one line>``. No action
  is applied and nothing falls back to another agent: the episode stops there, and ``[END]``
  says ``success=false`` with the floor score 0.001. An unfinished episode is no graded run
  of the task; grading what was played would reward stopping early (an empty ``hard``
  episode grades 0.333). ``success=true`` means the episode ran to its end without an error.
  ``steps`` counts the ``[STEP]`` lines; ``rewards`` has one value per line. ``[END]`` is
  printed even when the run is interrupted. Unexpected errors (not the LLM's, not the
  budget's) also print their traceback on stderr.
* ``--time-budget-s`` (default 18 min) bounds the whole run, LLM requests included; once it
  is spent, the current and every remaining task end with an error step and ``[END]``.

Exit status: 0 when every episode succeeded, 1 when one failed, 2 on a configuration error
(no API key, unknown ``HELIXDESK_AGENT``), which is explained on stderr before any output.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from helixdesk.agents import BaseAgent, LLMAgent, RuleAgent
from helixdesk.agents.llm_agent import LLMConfig, LLMConfigError, LLMError, resolve_llm_config
from helixdesk.env import HelixDeskEnv
from helixdesk.models import HelixAction
from helixdesk.tasks import TASK_IDS, TASKS

BENCHMARK = "helixdesk"
AGENTS = ("llm", "rule")
AGENT_VARIABLE = "HELIXDESK_AGENT"
RULE_MODEL_NAME = "rule-agent"
DEFAULT_SEED = 42
DEFAULT_TIME_BUDGET_S = 18 * 60.0
SCORE_MIN, SCORE_MAX = 0.001, 0.999
MAX_ERROR_CHARS = 500

AgentFactory = Callable[[HelixDeskEnv, float], BaseAgent]


class TimeBudgetExhausted(RuntimeError):
    """The run's time budget was spent before this step."""


@dataclass(frozen=True)
class Runner:
    """The name printed as ``model=`` and how to build the agent for one task's env."""

    model_name: str
    make_agent: AgentFactory


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inference.py",
        description="Play every HelixDesk task once and print the [START]/[STEP]/[END] trace.",
    )
    parser.add_argument(
        "--agent",
        choices=AGENTS,
        help=f"llm (needs API_KEY or HF_TOKEN) or the offline rule agent "
        f"(default: ${AGENT_VARIABLE}, else llm)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of every episode")
    parser.add_argument(
        "--time-budget-s",
        type=float,
        default=DEFAULT_TIME_BUDGET_S,
        help="wall-clock budget of the whole run, in seconds",
    )
    parser.add_argument("--timeout-s", type=float, default=30.0, help="per LLM request")
    parser.add_argument("--max-retries", type=int, default=2, help="per LLM request")
    return parser


def make_runner(args: argparse.Namespace) -> Runner:
    """The runner the arguments ask for; ``ValueError``/``LLMConfigError`` if unusable."""
    agent = args.agent or os.environ.get(AGENT_VARIABLE) or "llm"
    if agent not in AGENTS:
        raise ValueError(f"{AGENT_VARIABLE} must be one of {', '.join(AGENTS)}, got {agent!r}")
    if agent == "rule":
        return Runner(RULE_MODEL_NAME, lambda env, deadline: RuleAgent(env))
    config = resolve_llm_config()
    return Runner(config.model, _llm_factory(config, args.timeout_s, args.max_retries))


def _llm_factory(config: LLMConfig, timeout_s: float, max_retries: int) -> AgentFactory:
    def make(env: HelixDeskEnv, deadline: float) -> BaseAgent:
        return LLMAgent(
            env,
            model=config.model,
            base_url=config.base_url,
            api_key=config.api_key,
            timeout_s=timeout_s,
            max_retries=max_retries,
            deadline=deadline,
        )

    return make


# -- formatting --------------------------------------------------------------------------


def _emit(line: str) -> None:
    print(line, flush=True)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def format_reward(reward: float) -> str:
    """Two decimals, never ``-0.00``."""
    return f"{round(reward, 2) + 0.0:.2f}"


def format_score(score: float) -> str:
    """Clamped to [0.001, 0.999], three decimals: strictly inside (0, 1) as printed."""
    return f"{min(SCORE_MAX, max(SCORE_MIN, score)):.3f}"


def format_error(exc: BaseException) -> str:
    """The exception's type and text on one line."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def format_action(action: object, n_employees: int) -> str:
    """``classification,priority,assignment,secondary`` by name."""
    named = HelixAction.from_array(action, n_employees)
    return f"{named.classification},{named.priority},{named.assignment},{named.secondary}"


# -- one task ----------------------------------------------------------------------------


@dataclass
class Trace:
    """The ``[STEP]`` lines printed so far for one episode."""

    rewards: list[float] = field(default_factory=list)

    def step(self, action: str, reward: float, done: bool) -> None:
        self.rewards.append(reward)
        _emit(
            f"[STEP] step={len(self.rewards)} action={action} reward={format_reward(reward)} "
            f"done={_bool(done)} error=null"
        )

    def fail(self, exc: BaseException) -> None:
        self.rewards.append(0.0)
        _emit(
            f"[STEP] step={len(self.rewards)} action=null reward={format_reward(0.0)} "
            f"done=true error={format_error(exc)}"
        )

    def end(self, score: float, success: bool) -> None:
        rewards = ",".join(format_reward(r) for r in self.rewards)
        _emit(
            f"[END] success={_bool(success)} steps={len(self.rewards)} "
            f"score={format_score(score)} rewards={rewards}"
        )


def play(env: HelixDeskEnv, agent: BaseAgent, seed: int, deadline: float, trace: Trace) -> None:
    """Play one episode from ``reset(seed=seed)``, printing a ``[STEP]`` line per step."""
    obs, info = env.reset(seed=seed)
    agent.reset()
    n_employees, done = env.config.env.n_employees, False
    while not done:
        if time.monotonic() >= deadline:
            raise TimeBudgetExhausted("the run's time budget is spent")
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        done = terminated or truncated
        trace.step(format_action(action, n_employees), reward, done)


def run_task(task_id: str, runner: Runner, seed: int, deadline: float) -> bool:
    """One ``[START]`` … ``[END]`` block; True when the episode succeeded."""
    task = TASKS[task_id]
    env = task.make_env()
    agent = runner.make_agent(env, deadline)
    _emit(f"[START] task={task_id} env={BENCHMARK} model={runner.model_name}")
    trace, finished = Trace(), False
    try:
        play(env, agent, seed, deadline, trace)
        finished = True
    except Exception as exc:  # reported on the failing step's line, never swallowed
        trace.fail(exc)
        if not isinstance(exc, (LLMError, TimeBudgetExhausted)):
            traceback.print_exc()  # an unexpected failure: the full story goes to stderr
    finally:
        trace.end(task.score_log(env.event_log) if finished else SCORE_MIN, finished)
    return finished


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        runner = make_runner(args)
    except (LLMConfigError, ValueError) as exc:
        hint = f"for the offline rule agent use --agent rule or {AGENT_VARIABLE}=rule"
        print(f"inference.py: {exc}; {hint}", file=sys.stderr)
        return 2
    deadline = time.monotonic() + args.time_budget_s
    succeeded = [run_task(task_id, runner, args.seed, deadline) for task_id in TASK_IDS]
    return 0 if all(succeeded) else 1
