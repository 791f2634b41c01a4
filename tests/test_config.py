"""Config loading, merging and validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helixdesk import HelixDeskEnv
from helixdesk.config import ConfigError, default_config_dict, load_config

ROOT = Path(__file__).resolve().parents[1]


def test_defaults__load_and_match_the_seed_keys() -> None:
    config = load_config()
    assert config.env.n_employees == 5
    assert config.env.episode_emails == 100
    assert set(default_config_dict()) >= {
        "env",
        "sla",
        "rewards",
        "email_gen",
        "employee_sim",
        "monitor",
    }
    assert config.rewards.resolve_on_time == 1.0
    assert config.rewards.keyword_flag_missed == -0.3


def test_repo_root_config__is_the_packaged_defaults() -> None:
    root = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert root == default_config_dict()


def test_partial_dict__merges_over_defaults() -> None:
    config = load_config({"env": {"n_employees": 6}, "sla": {"critical_hours": 0.5}})
    assert config.env.n_employees == 6
    assert config.sla.critical_hours == 0.5
    assert config.sla.high_hours == load_config().sla.high_hours


def test_yaml_path__overrides(tmp_path: Path) -> None:
    path = tmp_path / "override.yaml"
    path.write_text("env:\n  episode_emails: 30\n")
    assert HelixDeskEnv(config=path).config.env.episode_emails == 30
    assert HelixDeskEnv(config=str(path)).config.env.episode_emails == 30


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"sla": {"critical_hours": -1}}, "sla.critical_hours: Input should be greater than 0"),
        ({"env": {"n_employees": "five"}}, "env.n_employees: Input should be a valid integer"),
        ({"env": {"n_employees": 2.5}}, "env.n_employees"),
        ({"env": {"n_employee": 6}}, "env.n_employee: unknown key (allowed: "),
        ({"bogus": {}}, "bogus: unknown key"),
        ({"rewards": {"missed_deadline": 1.0}}, "rewards.missed_deadline"),
        ({"email_gen": {"surge_hours": [4.0, 1.0]}}, "email_gen.surge_hours: Value error, must be"),
        ({"email_gen": {"categories": ["a"] * 3}}, "categories must be distinct"),
        ({"email_gen": {"categories": [f"c{i}" for i in range(32)]}}, "email_gen.categories"),
        ({"env": {"n_employees": 0}}, "env.n_employees: Input should be greater than or equal"),
    ],
)
def test_bad_value__fails_at_construction_naming_the_key(override: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        HelixDeskEnv(config=override)
    assert expected in str(error.value)


def test_missing_file__is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_wrong_config_type__is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="config must be None, a YAML path or a mapping"):
        load_config(42)  # type: ignore[arg-type]


def test_package__finds_its_config_from_any_directory(tmp_path: Path) -> None:
    code = "import helixdesk; e = helixdesk.HelixDeskEnv(); print(e.observation_space.shape)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "(42,)"
