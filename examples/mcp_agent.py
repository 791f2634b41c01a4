"""An OpenAI-compatible chat model plays a HelixDesk task through the MCP tools.

    python app.py &                                           # the server, port 7860
    API_KEY=... python examples/mcp_agent.py --task easy --seed 3 --model gpt-4o
    python examples/mcp_agent.py --url http://host:7860 --base-url http://localhost:8000/v1

The script plays both sides of OpenEnv's boundary with openenv's ``MCPToolClient``: as the
harness it opens an MCP session and resets it to the task and seed (over ``/ws``, the only
way to start an episode); as the agent's runtime it lists the tools on ``/mcp``, offers them
to the model (OpenAI tool calling), runs every tool call the model makes with
``tools/call`` and hands back the result (a failed call as ``error: …``), until the model
answers without a tool call or ``--max-turns`` is reached. The model is briefed with
:func:`helixdesk.briefing.briefing`; ``triage``'s last answer carries the grade.
The key comes from ``API_KEY`` (or ``HF_TOKEN``, ``OPENAI_API_KEY``), the endpoint from
``--base-url`` or ``API_BASE_URL``, the model from ``--model`` or ``MODEL_NAME``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from openai import OpenAI

from helixdesk.agents.llm_agent import resolve_llm_config
from helixdesk.briefing import briefing
from helixdesk.openenv_api import MCPToolClient
from helixdesk.tasks import TASK_IDS, get_task

START = "Triage the inbox, one email at a time, with the tools."


def tool_specs(tools: list[Any]) -> list[dict[str, Any]]:
    """The MCP tools as OpenAI function tools (name, description, JSON schema)."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.input_schema,
            },
        }
        for tool in tools
    ]


def run_tool(env: Any, call: Any) -> str:
    """One tool call of the model on the MCP session: the tool's text, or ``error: …``."""
    try:
        arguments = json.loads(call.function.arguments or "{}")
        return str(env.call_tool(call.function.name, **arguments))
    except (RuntimeError, ValueError, TypeError) as error:
        return f"error: {error}"


def play(env: Any, chat: OpenAI, model: str, task: str, max_turns: int) -> list[str]:
    """The model plays the session's episode; returns every tool result, in order."""
    tools = tool_specs(env.list_tools())
    emails = get_task(task).config().env.episode_emails
    messages: list[Any] = [
        {"role": "system", "content": briefing(task, emails)},
        {"role": "user", "content": START},
    ]
    results: list[str] = []
    for _ in range(max_turns):
        reply = chat.chat.completions.create(model=model, messages=messages, tools=tools)
        message = reply.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            result = run_tool(env, call)
            print(f"{call.function.name}({call.function.arguments}) -> {result.splitlines()[0]}")
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    """Play one episode; exit status 0 when it was played to its end."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:7860", help="the HelixDesk server")
    parser.add_argument("--task", choices=TASK_IDS, default="easy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", help="chat model (else MODEL_NAME, else gpt-4o)")
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint (else API_BASE_URL)")
    parser.add_argument("--max-turns", type=int, default=250, help="model calls at most")
    args = parser.parse_args(argv)
    llm = resolve_llm_config(args.model, args.base_url)
    chat = OpenAI(api_key=llm.api_key, base_url=llm.base_url)
    with MCPToolClient(base_url=args.url).sync() as env:
        env.reset(task=args.task, seed=args.seed)
        results = play(env, chat, llm.model, args.task, args.max_turns)
    finished = bool(results) and "the episode is over" in results[-1]
    print(results[-1] if finished else "the episode was not finished")
    return 0 if finished else 1


if __name__ == "__main__":
    raise SystemExit(main())
