"""TRL's face: HelixDeskToolEnv follows the environment_factory contract, offers the MCP
tools, scores with the task grade, and GRPOTrainer trains against it (slow, CPU, tiny random
model and a tokenizer built here: nothing is downloaded)."""

from __future__ import annotations

import inspect
import time
from pathlib import Path
from typing import Any

import pytest

from helixdesk.env import HelixDeskEnv
from helixdesk.models import HelixAction
from helixdesk.openenv_api import CallToolAction
from helixdesk.server.environment import HelixDeskEnvironment
from helixdesk.tasks import get_task, splits
from helixdesk.tools import TOOL_NAMES, ToolCallError
from helixdesk.trl import UNHANDLED, HelixDeskToolEnv, ToolEnvSettings, episode_config
from tests.test_examples import _load as load_example
from tests.test_mcp import named_action

ENTRY_POINTS = {"reset", "get_reward"}


def trl_tools(env: HelixDeskToolEnv) -> list[str]:
    """The methods TRL turns into tools (its own rule: public functions of the class)."""
    members = inspect.getmembers(type(env), predicate=inspect.isfunction)
    return [name for name, _ in members if not name.startswith("_") and name not in ENTRY_POINTS]


def test_contract__no_argument_constructor_and_the_mcp_tools() -> None:
    env = HelixDeskToolEnv()
    assert sorted(trl_tools(env)) == sorted(TOOL_NAMES)
    assert all(inspect.ismethod(getattr(env, name)) for name in ENTRY_POINTS)


def test_contract__every_tool_has_a_schema_transformers_accepts() -> None:
    transformers = pytest.importorskip("transformers")
    env = HelixDeskToolEnv()
    for name in trl_tools(env):
        schema = transformers.utils.get_json_schema(getattr(env, name))["function"]
        assert schema["name"] == name and schema["description"]
        assert all(p["description"] for p in schema["parameters"]["properties"].values())


def test_reset__returns_the_briefing_and_the_first_email() -> None:
    env = HelixDeskToolEnv()
    prompt = env.reset(prompt=[{"role": "user", "content": ""}], task="easy", seed=3)
    assert "playing the 'easy' task" in prompt and "This episode has 10 emails" in prompt
    assert prompt.endswith(env.read_email()) and "Email 1 of 10" in prompt
    assert (env.task, env.seed) == ("easy", 3)


def test_reset__the_episode_is_chosen_by_kwargs_or_a_shared_key() -> None:
    a, b = HelixDeskToolEnv(), HelixDeskToolEnv()
    assert a.reset(key=11) == b.reset(key=11)
    picked = splits.sample(11)
    assert (a.task, a.seed) == (picked.task, picked.seed)
    a.reset(split="test", index=6)
    sixth = splits.instance(splits.TEST, 6)  # the test split's second seed, third task
    assert (a.task, a.seed) == (sixth.task, sixth.seed) == ("hard", splits.SPLIT_SEEDS["test"][1])
    grouped = HelixDeskToolEnv(ToolEnvSettings(group_size=2))
    firsts = [(grouped.reset(), grouped.seed, grouped.task) for _ in range(6)]
    assert firsts[0] == firsts[1] and firsts[2] == firsts[3] and firsts[4] == firsts[5]
    assert len({firsts[0], firsts[2], firsts[4]}) == 3


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"task": "easy"}, "task and seed go together"),
        ({"split": "train"}, "split and index go together"),
        ({"task": "nope", "seed": 1}, "unknown task"),
        ({"colour": "red"}, "reset takes task, seed, split, index, key"),
        ({"split": "test", "index": 10**6}, "test has instances"),
    ],
)
def test_reset__bad_choices_are_explained(kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises((ValueError, IndexError), match=problem):
        HelixDeskToolEnv().reset(**kwargs)


def test_episode__tools_play_it_and_get_reward_is_the_grade() -> None:
    env = HelixDeskToolEnv()
    env.reset(task="easy", seed=5)
    texts = [env.triage(**named_action(step)) for step in range(10)]
    assert "the episode is over" in texts[-1]
    with pytest.raises(ToolCallError, match="over"):
        env.triage(**named_action(0))
    reference = HelixDeskEnv(config=episode_config("easy", 10))
    reference.reset(seed=5)
    for step in range(10):
        reference.step(HelixAction.model_validate(named_action(step)).to_array(5))
    score = get_task("easy").score_log(reference.event_log)
    assert env.get_reward() == score
    assert 0.0 <= score <= 1.0 and f"Grade: {score:.3f}" in texts[-1]


def test_episode__a_partial_episode_is_finished_unhandled_then_graded() -> None:
    env = HelixDeskToolEnv()
    env.reset(task="expert", seed=2)
    env.triage(**named_action(0))
    reward = env.get_reward()
    reference = HelixDeskEnv(config=episode_config("expert", 10))
    reference.reset(seed=2)
    reference.step(HelixAction.model_validate(named_action(0)).to_array(5))
    for _ in range(9):
        reference.step(UNHANDLED.to_array(5))
    assert reward == get_task("expert").score_log(reference.event_log)
    assert env.get_reward() == reward  # graded once, stays graded


def test_episode__same_tools_same_answers_as_the_mcp_face() -> None:
    trl_env = HelixDeskToolEnv(ToolEnvSettings(emails=None))
    trl_env.reset(task="easy", seed=9)
    served = HelixDeskEnvironment()
    served.reset(task="easy", seed=9)
    calls = [("read_email", {}), ("read_sla", {}), ("search_kb", {"query": "order"})]
    calls += [("triage", named_action(step)) for step in range(20)]
    for name, arguments in calls:
        answer = served.step(CallToolAction(tool_name=name, arguments=arguments))
        assert answer.result.data == getattr(trl_env, name)(**arguments), name
    assert trl_env.get_reward() == served.grade().score
    assert [c.as_record() for c in trl_env.tool_calls] == [c.as_record() for c in served.tool_calls]
    assert trl_env.episode_log == served.episode_log


# -- GRPOTrainer end to end ----------------------------------------------------------------

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
]


def tiny_tokenizer(corpus: list[str]) -> Any:
    """A byte-level BPE tokenizer trained here, with Qwen2.5's chat template (tool calling)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import qwen2_5_chat_template

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(corpus, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        padding_side="left",
        chat_template=qwen2_5_chat_template,
    )


def tiny_model(vocab_size: int) -> Any:
    """A one-layer Qwen2 with random weights."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=16384,
        tie_word_embeddings=True,
    )
    return Qwen2ForCausalLM(config)


class CountingToolEnv(HelixDeskToolEnv):
    """HelixDeskToolEnv that records what it graded, to see GRPOTrainer call it."""

    graded: list[tuple[str | None, int | None, float]] = []

    def get_reward(self) -> float:
        reward = super().get_reward()
        CountingToolEnv.graded.append((self.task, self.seed, reward))
        return reward


@pytest.mark.slow
def test_grpo__the_example_trains_two_steps_on_cpu_with_a_tiny_random_model(
    tmp_path: Path,
) -> None:
    pytest.importorskip("trl")
    example = load_example("trl_grpo")
    tokenizer = tiny_tokenizer([HelixDeskToolEnv().reset(key=key) for key in range(8)])
    CountingToolEnv.graded = []
    args = example.config(
        steps=2,
        output_dir=str(tmp_path),
        num_generations=2,
        per_device_train_batch_size=2,
        max_completion_length=24,
        max_tool_calling_iterations=2,
        learning_rate=1e-3,
        save_strategy="no",
        use_cpu=True,
        seed=0,
    )
    model = tiny_model(len(tokenizer))
    trainer = example.trainer(
        model, args, processing_class=tokenizer, environment_factory=CountingToolEnv
    )
    started = time.monotonic()
    trainer.train()
    print(f"GRPO: 2 steps in {time.monotonic() - started:.1f} s")
    assert trainer.state.global_step == 2
    graded = CountingToolEnv.graded
    assert len(graded) == 4  # two steps, one group of two rollouts each
    assert all(0.0 <= reward <= 1.0 for _, _, reward in graded)
    assert graded[0][:2] == graded[1][:2] and graded[2][:2] == graded[3][:2]  # a group, a key
    assert any("rewards/CountingToolEnv/mean" in entry for entry in trainer.state.log_history)
