"""The per-step CSV logger and the terminal dashboard."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rich.console import Console

from helixdesk import HelixDeskEnv
from helixdesk.evaluation import StepRecord, make_agent, run_episode
from helixdesk.monitor import CSV_COLUMNS, EpisodeLogger, TerminalDashboard
from helixdesk.monitor.terminal_dashboard import format_metric
from helixdesk.rewards import COMPONENTS
from helixdesk.spaces import CLASSIFICATIONS, PRIORITIES, SECONDARY_ACTIONS, assignment_names
from helixdesk.text_view import read_desk, trending, week_clock

EPISODE_EMAILS = 100


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def log_episodes(env: HelixDeskEnv, logger: EpisodeLogger, episodes: int) -> list[StepRecord]:
    """Run the random agent, logging every step; returns the records the logger saw."""
    agent = make_agent("random", env, seed=0)
    records: list[StepRecord] = []

    def on_step(record: StepRecord) -> None:
        records.append(record)
        logger.on_step(record)

    for episode in range(episodes):
        logger.on_episode_end(run_episode(env, agent, episode, on_step, episode))
    return records


def run_with_dashboard(env: HelixDeskEnv, console: Console, episodes: int) -> str:
    agent = make_agent("rule", env)
    with TerminalDashboard(env, episodes, console) as dashboard:
        for episode in range(episodes):
            dashboard.on_episode_end(run_episode(env, agent, episode, dashboard.on_step, episode))
    return console_output(console)


def console_output(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def test_csv_logger__writes_one_row_per_step(tmp_path: Path) -> None:
    env = HelixDeskEnv()
    path = tmp_path / "run.csv"
    with EpisodeLogger(path, env.config) as logger:
        records = log_episodes(env, logger, episodes=2)
    header, rows = read_rows(path)
    assert header == list(CSV_COLUMNS)
    assert len(rows) == 2 * EPISODE_EMAILS == len(records)
    assert [int(row["episode"]) for row in rows] == [0] * 100 + [1] * 100
    assert [int(row["step"]) for row in rows[:100]] == list(range(1, 101))


def test_csv_logger__reward_columns_match_the_steps(tmp_path: Path) -> None:
    env = HelixDeskEnv()
    path = tmp_path / "run.csv"
    with EpisodeLogger(path, env.config) as logger:
        records = log_episodes(env, logger, episodes=1)
    _, rows = read_rows(path)
    for row, record in zip(rows, records, strict=True):
        assert float(row["reward"]) == record.reward
        assert float(row["reward_raw"]) == record.info["reward_raw"]
        assert float(row["episode_return"]) == record.episode_return
        assert float(row["sim_hours"]) == record.info["sim_hours"]
        for name in COMPONENTS:
            assert float(row[name]) == record.info[f"reward_{name}"]


def test_csv_logger__action_columns_hold_choice_names(tmp_path: Path) -> None:
    env = HelixDeskEnv()
    path = tmp_path / "run.csv"
    with EpisodeLogger(path, env.config) as logger:
        log_episodes(env, logger, episodes=1)
    _, rows = read_rows(path)
    assert {row["classification"] for row in rows} <= set(CLASSIFICATIONS)
    assert {row["priority"] for row in rows} <= set(PRIORITIES)
    assert {row["assignment"] for row in rows} <= set(assignment_names(5))
    assert {row["secondary"] for row in rows} <= set(SECONDARY_ACTIONS)
    flagged = [row for row in rows if row["classification"] == "flag_for_review"]
    assert flagged and all(row["assignment"] == "no_assignment" for row in flagged)


def test_csv_logger__creates_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "log.csv"
    with EpisodeLogger(path):
        pass
    header, rows = read_rows(path)
    assert header == list(CSV_COLUMNS)
    assert rows == []


def test_csv_logger__from_config_uses_csv_path_or_override(tmp_path: Path) -> None:
    configured = tmp_path / "configured.csv"
    env = HelixDeskEnv({"monitor": {"csv_path": str(configured)}})
    logger = EpisodeLogger.from_config(env.config)
    assert logger is not None
    logger.close()
    assert logger.path == configured
    override = EpisodeLogger.from_config(env.config, tmp_path / "override.csv")
    assert override is not None
    override.close()
    assert override.path == tmp_path / "override.csv"


def test_csv_logger__log_csv_false_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "never.csv"
    env = HelixDeskEnv({"monitor": {"log_csv": False, "csv_path": str(path)}})
    assert EpisodeLogger.from_config(env.config) is None
    assert EpisodeLogger.from_config(env.config, path) is None
    assert not path.exists()


def test_dashboard__non_terminal_prints_one_line_per_episode() -> None:
    console = Console(file=io.StringIO(), force_terminal=False)
    output = run_with_dashboard(HelixDeskEnv(), console, episodes=3)
    lines = output.splitlines()
    assert len(lines) == 3
    for k, line in enumerate(lines, start=1):
        assert line.startswith(f"episode {k}/3  seed {k - 1}  return ")
        assert "SLA " in line and "CSAT " in line


def test_dashboard__terminal_mode_shows_queue_and_trends() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    output = run_with_dashboard(HelixDeskEnv(), console, episodes=2)
    for text in ("Episode", "2/2", "100/100", "Queue", "critical", "review", "Overdue"):
        assert text in output
    for text in ("Trend alerts", "GM alerts sent", "Last action", "Last reward", "episode 2/2"):
        assert text in output


def test_dashboard__dashboard_false_in_terminal_prints_only_episode_lines() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    env = HelixDeskEnv({"monitor": {"dashboard": False}})
    output = run_with_dashboard(env, console, episodes=2)
    assert "Queue" not in output
    assert len(output.splitlines()) == 2


def test_dashboard__queue_counts_agree_with_ansi_render() -> None:
    env = HelixDeskEnv(render_mode="ansi")
    obs, info = env.reset(seed=3)
    agent = make_agent("rule", env)
    for _ in range(40):
        obs, *_, info = env.step(agent.act(obs, info))
    counts = read_desk(env.last_observation, env.config).queue
    rendered = env.render()
    assert rendered is not None
    for name in PRIORITIES:
        assert f"{name}={counts[name]}" in rendered
    assert f"review={counts['review']}" in rendered


def step_until_trending(env: HelixDeskEnv, dashboard: TerminalDashboard) -> dict[str, float]:
    """Play rule-agent episodes until a category trends; returns the trending categories'
    growth (or {})."""
    agent = make_agent("rule", env)
    for seed in range(10):
        obs, info = env.reset(seed=seed)
        total, truncated = 0.0, False
        while not truncated:
            action = agent.act(obs, info)
            obs, reward, _, truncated, info = env.step(action)
            total += reward
            dashboard.on_step(StepRecord(0, info["email_index"], action, reward, info, total))
            trends = read_desk(env.last_observation, env.config).trends
            if trending(trends):
                return {name: trends[name] for name in trending(trends)}
    return {}


def test_dashboard__terminal_mode_names_trending_categories() -> None:
    env = HelixDeskEnv()
    console = Console(file=io.StringIO(), force_terminal=True, width=160)
    with TerminalDashboard(env, 1, console) as dashboard:
        alerts = step_until_trending(env, dashboard)
    assert alerts, "no category trended in ten rule-agent episodes"
    features = env.layout.decode(env.last_observation)
    assert all(features[f"trend_{name}"] > 0.3 for name in alerts)
    for name, value in alerts.items():
        assert f"{name} {value:+.2f}" in console_output(console)


def test_dashboard__formats_week_time_and_missing_metrics() -> None:
    assert week_clock(0.0) == "Mon 00:00"
    assert week_clock(24 + 14.5) == "Tue 14:30"
    assert week_clock(168 + 6 * 24 + 23.99) == "Sun 23:59"
    assert week_clock(23.999) == "Tue 00:00"  # rounds up into the next day
    assert format_metric(None, ".2f") == "–"
    assert format_metric(0.875, ".1%") == "87.5%"
