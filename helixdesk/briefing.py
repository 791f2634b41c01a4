"""What a tool-calling LLM agent is told before it plays an episode.

:func:`briefing` is the prompt of :class:`helixdesk.trl.HelixDeskToolEnv` (what its
``reset`` returns) and the system prompt of ``examples/mcp_agent.py``: the task, how long the
episode is, how to use the tools (:mod:`helixdesk.tools`) and the house rules the JSON-reply
agent follows too (:data:`helixdesk.agents.llm_agent.HOUSE_RULES`).
"""

from __future__ import annotations

from helixdesk.agents.llm_agent import HOUSE_RULES
from helixdesk.tasks import get_task


def briefing(task: str, emails: int) -> str:
    """The instructions for playing ``task`` over ``emails`` emails with the tools (an
    episode shorter than the task's own says so)."""
    chosen = get_task(task)
    full = chosen.config().env.episode_emails
    cut = f" (cut from the task's {full} for training)" if emails < full else ""
    return f"""\
You are the triage lead of HelixDesk, a customer-support desk, playing the {task!r} task: \
{chosen.description} This episode has {emails} emails{cut}.

Use the tools. read_email shows the email awaiting triage; read_queue, read_sla, \
read_trends and search_kb show the rest of the desk. Call triage exactly once per email to \
decide it: it applies your decision and shows the next email. Keep going until triage says \
the episode is over.

{HOUSE_RULES}"""
