"""Typed, validated configuration.

The packaged ``helixdesk/config.yaml`` holds every default. ``load_config`` accepts ``None``
(defaults), a path to a YAML file, or a (partial) mapping; files and mappings are deep-merged
over the defaults, then validated. Any problem raises :class:`ConfigError` naming the key and
what is allowed, e.g. ``sla.critical_hours: Input should be greater than 0 (got -1)``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

MAX_CATEGORIES = 31  # distinct non-zero codes of the 5-slot category encoding
MAX_EMPLOYEES = 32


class ConfigError(ValueError):
    """A configuration value is missing, unknown, of the wrong type or out of range."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
WORKDAYS = 5  # Monday to Friday; the rest of the week is the weekend
HOURS_PER_WEEK = HOURS_PER_DAY * DAYS_PER_WEEK


def _check_window(value: tuple[float, float], end: float) -> tuple[float, float]:
    low, high = value
    if not 0 <= low < high <= end:
        raise ValueError(f"must be [first, end) with 0 <= first < end <= {end:g}")
    return value


def _check_day_window(value: tuple[int, int]) -> tuple[int, int]:
    _check_window(value, DAYS_PER_WEEK)
    return value


DayWindow = Annotated[tuple[int, int], Field(strict=False), AfterValidator(_check_day_window)]
HourOfDayWindow = Annotated[
    tuple[float, float],
    Field(strict=False),
    AfterValidator(lambda value: _check_window(value, HOURS_PER_DAY)),
]


class EnvSection(_Section):
    n_employees: int = Field(ge=1, le=MAX_EMPLOYEES)
    episode_emails: int = Field(ge=1, le=1_000_000)
    arrival_rate_per_hour: float = Field(gt=0, le=1000)
    arrival_profile: tuple[float, ...] = Field(
        min_length=HOURS_PER_DAY, max_length=HOURS_PER_DAY, strict=False
    )
    weekend_arrivals: float = Field(gt=0, le=10)
    start_days: DayWindow
    start_hours: HourOfDayWindow
    employee_capacity: int = Field(ge=1, le=256)
    unassigned_capacity: int = Field(ge=1, le=4096)
    review_capacity: int = Field(ge=1, le=1024)
    near_deadline_hours: float = Field(gt=0)
    reward_clip: float = Field(gt=0)
    drain_at_end: bool

    @model_validator(mode="after")
    def _check_profile(self) -> EnvSection:
        if not all(0 < value <= 10 for value in self.arrival_profile):
            raise ValueError("arrival_profile: every hour's multiplier must be in (0, 10]")
        return self


class SlaSection(_Section):
    critical_hours: float = Field(gt=0)
    high_hours: float = Field(gt=0)
    medium_hours: float = Field(gt=0)
    normal_hours: float = Field(gt=0)

    def by_severity(self) -> tuple[float, float, float, float]:
        """SLA hours indexed by severity code (0=critical … 3=normal)."""
        return (self.critical_hours, self.high_hours, self.medium_hours, self.normal_hours)


class RewardsSection(_Section):
    resolve_on_time: float = Field(ge=0)
    csat_high: float = Field(ge=0)
    trend_prevented: float = Field(ge=0)
    correct_classification: float = Field(ge=0)
    balanced_assignment: float = Field(ge=0)
    kb_updated: float = Field(ge=0)
    missed_deadline: float = Field(le=0)
    bad_autoreply: float = Field(le=0)
    unnecessary_escalation: float = Field(le=0)
    misclassification: float = Field(le=0)
    complaint_reopened: float = Field(le=0)
    keyword_flag_missed: float = Field(le=0)
    scale: float = Field(gt=0, le=1)


Probability = Field(ge=0, le=1)


def _check_hour_range(value: tuple[float, float]) -> tuple[float, float]:
    low, high = value
    if not 0 < low <= high:
        raise ValueError("must be [min, max] hours with 0 < min <= max")
    return value


HourRange = Annotated[tuple[float, float], Field(strict=False), AfterValidator(_check_hour_range)]


class EmailGenSection(_Section):
    categories: tuple[str, ...] = Field(min_length=2, max_length=MAX_CATEGORIES, strict=False)
    complaint_rate: float = Probability
    review_rate: float = Probability
    keyword_rate: float = Probability
    ambiguity_rate: float = Probability
    tier_weights: tuple[float, float, float] = Field(strict=False)
    topics_per_category: int = Field(ge=1, le=64)
    surges_per_episode: float = Field(ge=0, le=8)
    surge_hours: HourRange
    surge_multiplier: float = Field(ge=1, le=50)
    surge_complaint_rate: float = Probability
    min_surges: int = Field(ge=0, le=4)
    min_keyword_emails: int = Field(ge=0)

    @model_validator(mode="after")
    def _check(self) -> EmailGenSection:
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must be distinct names")
        if self.complaint_rate + self.review_rate > 1:
            raise ValueError("complaint_rate + review_rate must be <= 1")
        if min(self.tier_weights) < 0 or sum(self.tier_weights) <= 0:
            raise ValueError("tier_weights must be non-negative with a positive sum")
        return self


class EmployeeSimSection(_Section):
    base_resolve_rate: float = Field(gt=0)
    skill_spread: float = Field(ge=0, lt=1)
    overload_threshold: int = Field(ge=0)
    overload_slowdown: float = Field(ge=0)
    reviewer_resolve_rate: float = Field(gt=0)
    reopen_base: float = Probability
    reopen_rushed: float = Probability
    reopen_misrouted: float = Probability
    reopen_needed_review: float = Probability
    reopen_delay_hours: HourRange
    resolve_time_smoothing: float = Field(gt=0, le=1)


def specialist_of(category: Any, n_employees: int) -> Any:
    """The employee who specialises in ``category`` (an int or an array of them): categories
    are dealt round the team by index, so employee ``e`` takes every category ``c`` with
    ``c % n_employees == e``. Their skill there is ``1 + skill_spread``."""
    return category % n_employees


class KnowledgeBaseSection(_Section):
    initial_entries_per_category: int = Field(ge=0)
    capacity_per_category: int = Field(ge=1)


class TrendWatchdogSection(_Section):
    fast_window_hours: float = Field(gt=0)
    slow_window_hours: float = Field(gt=0)
    gm_patience: float = Field(gt=0)
    gm_memory_hours: float = Field(gt=0)
    unacknowledged_surge_csat: float = Field(ge=0)

    @model_validator(mode="after")
    def _check(self) -> TrendWatchdogSection:
        if self.fast_window_hours >= self.slow_window_hours:
            raise ValueError("fast_window_hours must be shorter than slow_window_hours")
        return self


class MonitorSection(_Section):
    log_csv: bool
    csv_path: str = Field(min_length=1)
    dashboard: bool
    refresh_per_second: float = Field(gt=0, le=60)


class HelixConfig(_Section):
    """The whole configuration; see ``helixdesk/config.yaml`` for every key's meaning."""

    env: EnvSection
    sla: SlaSection
    rewards: RewardsSection
    email_gen: EmailGenSection
    employee_sim: EmployeeSimSection
    knowledge_base: KnowledgeBaseSection
    trend_watchdog: TrendWatchdogSection
    monitor: MonitorSection

    @model_validator(mode="after")
    def _check(self) -> HelixConfig:
        kb = self.knowledge_base
        topics = self.email_gen.topics_per_category
        if kb.capacity_per_category > topics:
            raise ValueError("knowledge_base.capacity_per_category must be <= topics_per_category")
        if self.email_gen.min_keyword_emails > self.env.episode_emails:
            raise ValueError("email_gen.min_keyword_emails must be <= env.episode_emails")
        if self.email_gen.min_surges > self.n_categories:
            raise ValueError("email_gen.min_surges must be <= the number of categories")
        if kb.initial_entries_per_category > kb.capacity_per_category:
            raise ValueError(
                "knowledge_base.initial_entries_per_category must be <= capacity_per_category"
            )
        return self

    @property
    def n_categories(self) -> int:
        return len(self.email_gen.categories)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (lists, not tuples) suitable for YAML/JSON."""
        return self.model_dump(mode="json")


def default_config_dict() -> dict[str, Any]:
    """The packaged defaults as a fresh nested dict."""
    text = resources.files("helixdesk").joinpath("config.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any], path: str = "") -> None:
    for key, value in override.items():
        where = f"{path}{key}"
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value, f"{where}.")
        elif key in base:
            base[key] = copy.deepcopy(value)
        else:
            raise ConfigError(f"{where}: unknown key (allowed: {', '.join(sorted(base))})")


def _format_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "config"
        got = item.get("input")
        shown = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{key}: {item['msg']}{shown}")
    return "invalid HelixDesk config:\n  " + "\n  ".join(lines)


def load_config(config: HelixConfig | str | Path | Mapping[str, Any] | None = None) -> HelixConfig:
    """Build a validated :class:`HelixConfig` from defaults plus an optional override."""
    if isinstance(config, HelixConfig):
        return config
    merged = default_config_dict()
    if isinstance(config, (str, Path)):
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, Mapping):
            raise ConfigError(f"{path}: top level must be a mapping of sections")
        _deep_merge(merged, loaded)
    elif config is not None:
        if not isinstance(config, Mapping):
            raise ConfigError(
                f"config must be None, a YAML path or a mapping, not {type(config).__name__}"
            )
        _deep_merge(merged, config)
    try:
        return HelixConfig.model_validate(merged)
    except ValidationError as error:
        raise ConfigError(_format_errors(error)) from None
