"""An agent that asks a chat model, through ``openai.OpenAI``, to triage each email.

The agent holds the env it triages and reads only its *visible* state: the email text, the
observation and the action mask, through :func:`helixdesk.text_view.build_view` — never
ground truth. Each decision is one chat completion: a system prompt with the four action
fields, their choices and the house rules, and the desk rendered by
:func:`helixdesk.text_view.render_text`. The model answers with one JSON object, which
:func:`parse_action` reads leniently but on principle (code fences and surrounding text,
names or integer codes, case and spacing, ``employee N``, a few unambiguous aliases).

Failures are reported, never hidden: ``act`` raises :class:`LLMCallError` when the API fails
after bounded retries or the time budget has run out, and :class:`LLMActionError` when the
reply is unusable even after one corrective retry that quotes the problem back to the model.
The agent counts ``calls`` (chat requests, retries included) and ``failures`` (decisions
that raised) and keeps ``last_error``; it never falls back to another policy.

Configuration: the model comes from the argument, else ``MODEL_NAME``, else ``gpt-4o``; the
base URL from the argument, else ``API_BASE_URL``, else the OpenAI client's default; the key
from the argument, else ``API_KEY``, ``HF_TOKEN``, ``OPENAI_API_KEY`` (first one set).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.env import HelixDeskEnv
from helixdesk.models import NO_ASSIGNMENT, HelixAction
from helixdesk.spaces import ACTION_DIMS, action_choices
from helixdesk.text_view import build_view, render_text

if TYPE_CHECKING:
    import gymnasium as gym
    from openai import OpenAI
    from openai.types.chat import ChatCompletionMessageParam

DEFAULT_MODEL = "gpt-4o"
DEFAULT_TEMPERATURE = 0.0
KEY_VARIABLES = ("API_KEY", "HF_TOKEN", "OPENAI_API_KEY")
MAX_REPLY_TOKENS = 200
MAX_QUOTED_REPLY = 300
BACKOFF_S = 0.5  # first retry delay, doubled on each further retry
RETRY_STATUSES = (408, 409, 429)

# Unambiguous shorthand a model may use, per field (after lower-casing, spaces → "_").
ALIASES: dict[str, dict[str, str]] = {
    "classification": {"flag": "flag_for_review", "review": "flag_for_review"},
    "assignment": {"none": NO_ASSIGNMENT, "unassigned": NO_ASSIGNMENT},
    "secondary": {"auto_reply": "auto_reply_from_kb", "alert": "alert_gm"},
}


class LLMError(RuntimeError):
    """Base class of the LLM agent's errors."""


class LLMConfigError(LLMError):
    """The agent cannot be built: no API key, or the ``openai`` package is missing."""


class LLMCallError(LLMError):
    """The chat API failed after bounded retries, or the time budget ran out."""


class LLMActionError(LLMError):
    """The model's reply was not a valid action, even after a corrective retry."""


@dataclass(frozen=True)
class LLMConfig:
    """Resolved connection settings (see :func:`resolve_llm_config`)."""

    model: str
    base_url: str | None
    api_key: str


def resolve_llm_config(
    model: str | None = None, base_url: str | None = None, api_key: str | None = None
) -> LLMConfig:
    """Settings from the arguments, else the environment; :class:`LLMConfigError` if unusable."""
    _openai_module()
    key = api_key or next((os.environ[v] for v in KEY_VARIABLES if os.environ.get(v)), None)
    if not key:
        raise LLMConfigError(
            "no API key for the LLM agent: set API_KEY or HF_TOKEN (or OPENAI_API_KEY)"
        )
    return LLMConfig(
        model=model or os.environ.get("MODEL_NAME") or DEFAULT_MODEL,
        base_url=base_url or os.environ.get("API_BASE_URL") or None,
        api_key=key,
    )


def _openai_module() -> Any:
    try:
        import openai
    except ImportError as exc:
        raise LLMConfigError(
            "the LLM agent needs the openai package: pip install 'helixdesk[llm]'"
        ) from exc
    return openai


# -- prompts -----------------------------------------------------------------------------

# How HelixDesk wants email handled, for any LLM agent (this one and the tool-calling ones
# of helixdesk.briefing).
HOUSE_RULES = """\
House rules:
1. An email with an escalation keyword is a complaint with critical priority.
2. Flag for review only genuinely complex cases: legal threats, privacy or data requests, \
fraud, or several unrelated issues in one email. Do not flag an email merely because the \
classifier's confidence is low; read the text.
3. Auto-reply only a query whose KB article is available, with no_assignment.
4. Alert the GM only when the email's category is listed as trending.
5. Otherwise secondary is none.

Sentiment and classifier confidence are noisy signals; the email text is the best evidence."""


def system_prompt(choices: Mapping[str, Sequence[str]]) -> str:
    """The standing instructions: the four fields, their choices and the house rules."""
    names = {dim: ", ".join(choices[dim]) for dim in ACTION_DIMS}
    example = json.dumps({dim: "..." for dim in ACTION_DIMS})
    return f"""\
You are the triage lead of HelixDesk, a customer-support desk. Each message shows one \
incoming email and the state of the desk. Decide how to handle the email by choosing four \
fields.

classification ({names["classification"]}): query — the customer asks a question or \
requests something; complaint — the customer reports a problem or is unhappy; \
flag_for_review — a supervisor handles it instead (its priority, assignment and secondary \
are then ignored).
priority ({names["priority"]}): the order in which the assignee works the ticket; match the \
urgency of the customer's problem.
assignment ({names["assignment"]}): who works the ticket. An email nobody is assigned to is \
abandoned when its deadline passes, so assign every email that is not auto-replied or \
flagged. Prefer an employee with room below capacity, ideally one whose specialties include \
the email's category.
secondary ({names["secondary"]}): auto_reply_from_kb answers from the knowledge base; \
alert_gm tells the general manager about a surge; none does neither.

{HOUSE_RULES}

Reply with ONE JSON object and nothing else, using the names above:
{example}"""


def correction_prompt(problem: str) -> str:
    """The follow-up message after an unusable reply."""
    return (
        f"Your reply could not be used: {problem}. Reply again with ONE JSON object with "
        f"exactly the keys {', '.join(ACTION_DIMS)}, each set to one of the names listed above."
    )


# -- parsing -----------------------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text`` (code fences and surrounding prose are skipped)."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("the reply holds no JSON object" if text.strip() else "the reply is empty")


def _field_value(field: str, value: object) -> object:
    """Names are normalised and de-aliased, digit strings become codes; the rest is kept."""
    if not isinstance(value, str):
        return value
    text = _normal(value)
    if text.isdigit():
        return int(text)
    return ALIASES.get(field, {}).get(text, text)


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'action'}: {e['msg']}" for e in error.errors()
    )


def parse_action(reply: str, n_employees: int) -> np.ndarray:
    """The ``int64[4]`` action in a model's reply; ``ValueError`` says what is wrong.

    Accepts each field's names or integer codes (``assignment``: ``employee_<i>``, ``i``,
    ``no_assignment``), in any case and spacing, plus the aliases in :data:`ALIASES`. Keys
    other than the four fields are ignored.
    """
    found = {_normal(key): value for key, value in _json_object(reply).items()}
    fields = {dim: _field_value(dim, found[dim]) for dim in ACTION_DIMS if dim in found}
    try:
        action = HelixAction.model_validate(fields)
    except ValidationError as exc:
        raise ValueError(_describe(exc)) from None
    return action.to_array(n_employees)


# -- the agent ---------------------------------------------------------------------------


class LLMAgent(BaseAgent):
    """Triage by a chat model; see the module docstring for what it reads and raises.

    Each request gets ``timeout_s`` seconds; connection errors, timeouts, 408/409/429 and 5xx
    answers are retried up to ``max_retries`` times with exponential back-off. ``deadline``
    (a ``time.monotonic()`` value, optional) bounds it all: no attempt or pause runs past
    it, and once it has passed ``act`` raises :class:`LLMCallError` without calling the API.
    ``seed`` (optional) is sent with every request as the sampling seed (OpenAI's ``seed``),
    so repeated trials can draw distinct samples (pass^k): it matters when ``temperature`` is
    above 0.
    """

    name = "llm"

    def __init__(
        self,
        env: gym.Env,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        temperature: float = DEFAULT_TEMPERATURE,
        deadline: float | None = None,
        seed: int | None = None,
    ) -> None:
        unwrapped = env.unwrapped
        if not isinstance(unwrapped, HelixDeskEnv):
            raise TypeError(f"LLMAgent triages a HelixDeskEnv, got {type(unwrapped).__name__}")
        self.env = unwrapped
        self.config = resolve_llm_config(model, base_url, api_key)
        self.timeout_s, self.max_retries, self.temperature = timeout_s, max_retries, temperature
        self.deadline, self.seed = deadline, seed
        self.calls, self.failures = 0, 0
        self.last_error: str | None = None
        self._n_employees = unwrapped.config.env.n_employees
        self._system = system_prompt(action_choices(unwrapped.config))
        self._client: OpenAI = _openai_module().OpenAI(
            api_key=self.config.api_key,
            base_url=self.config.base_url,
            timeout=timeout_s,
            max_retries=0,  # retried here, so that every attempt and pause fits the deadline
        )

    @property
    def model(self) -> str:
        return self.config.model

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        """Ask the model about the env's current email; raises an :class:`LLMError` on failure."""
        if not np.array_equal(obs, self.env.last_observation):
            raise ValueError("obs is not the current observation of the env this agent triages")
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": self._system},
            {"role": "user", "content": render_text(build_view(self.env))},
        ]
        try:
            return self._decide(messages)
        except LLMError as exc:
            self.failures += 1
            self.last_error = str(exc)
            raise

    def _decide(self, messages: list[ChatCompletionMessageParam]) -> np.ndarray:
        """One request, and one corrective retry if the reply is unusable."""
        reply = self._complete(messages)
        try:
            return parse_action(reply, self._n_employees)
        except ValueError as exc:
            problem = str(exc)
        messages += [
            {"role": "assistant", "content": reply},
            {"role": "user", "content": correction_prompt(problem)},
        ]
        reply = self._complete(messages)
        try:
            return parse_action(reply, self._n_employees)
        except ValueError as exc:
            raise LLMActionError(
                f"unusable reply after a corrective retry: {exc}; "
                f"reply: {reply[:MAX_QUOTED_REPLY]!r}"
            ) from exc

    def _complete(self, messages: list[ChatCompletionMessageParam]) -> str:
        """The text of one chat completion (empty if the model sent none), with retries."""
        openai = _openai_module()
        attempts, last_error = 0, None
        while True:
            timeout = self._attempt_timeout(last_error)
            attempts += 1
            self.calls += 1
            try:
                response = self._client.chat.completions.create(
                    model=self.config.model,
                    messages=messages,
                    temperature=self.temperature,
                    max_tokens=MAX_REPLY_TOKENS,
                    timeout=timeout,
                    seed=openai.omit if self.seed is None else self.seed,
                )
            except openai.OpenAIError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                if attempts > self.max_retries or not _retryable(openai, exc):
                    raise LLMCallError(
                        f"chat request to model {self.config.model!r} failed after {attempts} "
                        f"attempt(s): {last_error}"
                    ) from exc
                self._back_off(attempts)
            else:
                return self._content(response)

    def _content(self, response: Any) -> str:
        """The reply text of a chat completion; an error for anything else (an endpoint that
        is not OpenAI-compatible, e.g. a web page, reaches here as a plain string)."""
        if not hasattr(response, "choices"):
            raise LLMCallError(
                f"{self.config.base_url or 'the endpoint'} answered with something that is "
                f"not a chat completion ({type(response).__name__}: "
                f"{str(response)[:MAX_QUOTED_REPLY]!r}); check API_BASE_URL"
            )
        if not response.choices:
            raise LLMCallError(f"model {self.config.model!r} returned no choices")
        content: str | None = response.choices[0].message.content
        return content or ""

    def _seconds_left(self) -> float:
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def _attempt_timeout(self, last_error: str | None) -> float:
        """``timeout_s``, cut to what is left before the deadline (none left: an error)."""
        left = self._seconds_left()
        if left <= 0:
            after = f" (last error: {last_error})" if last_error else ""
            raise LLMCallError(f"time budget exhausted before the chat request{after}")
        return min(self.timeout_s, left)

    def _back_off(self, attempts: int) -> None:
        """Exponential back-off before a retry, never sleeping past the deadline."""
        delay = BACKOFF_S * 2 ** (attempts - 1)
        time.sleep(max(0.0, min(delay, self._seconds_left())))


def _retryable(openai: Any, exc: Exception) -> bool:
    """Connection errors, timeouts, 408, 409, 429 and 5xx are worth another attempt."""
    if isinstance(exc, openai.APIConnectionError):
        return True
    status = getattr(exc, "status_code", None) if isinstance(exc, openai.APIStatusError) else None
    return status is not None and (status in RETRY_STATUSES or status >= 500)
