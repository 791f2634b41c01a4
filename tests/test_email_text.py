"""Rendering tape rows into email text: determinism, variety, and truthfulness of the text."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from helixdesk.config import HelixConfig, load_config
from helixdesk.simulator.generator.email_text import (
    ESCALATION_KEYWORDS,
    RenderedEmail,
    render_email,
    topic_title,
)
from helixdesk.simulator.schema import Email
from helixdesk.spaces import COMPLAINT, FLAG_FOR_REVIEW, QUERY

REVIEW_MARKERS = ("counsel", "gdpr", "fraudulent", "separate issues", "ombudsman")
CLASSES = (QUERY, COMPLAINT, FLAG_FOR_REVIEW)


@pytest.fixture(scope="module")
def config() -> HelixConfig:
    return load_config()


def make_row(
    *,
    true_class: int = COMPLAINT,
    category: int = 0,
    severity: int = 3,
    tier: int = 0,
    keyword: int = 0,
    ambiguous: int = 0,
    topic: int = 0,
    seed: int = 0,
) -> np.ndarray:
    row = np.zeros(len(Email))
    row[Email.TRUE_CLASS] = true_class
    row[Email.CATEGORY] = category
    row[Email.SEVERITY] = severity
    row[Email.TIER] = tier
    row[Email.KEYWORD] = keyword
    row[Email.AMBIGUOUS] = ambiguous
    row[Email.TOPIC] = topic
    row[Email.TEXT_SEED] = seed
    return row


def full_text(email: RenderedEmail) -> str:
    return f"{email.subject}\n{email.body}".lower()


def has_keyword(email: RenderedEmail) -> bool:
    text = full_text(email)
    return any(keyword in text for keyword in ESCALATION_KEYWORDS)


def test_render__deterministic_for_same_row(config: HelixConfig) -> None:
    for true_class in CLASSES:
        row = make_row(true_class=true_class, category=2, tier=2, topic=3, seed=987_654)
        assert render_email(row, config) == render_email(row.copy(), config)


@pytest.mark.parametrize("true_class", CLASSES)
def test_render__different_seeds_give_varied_text(config: HelixConfig, true_class: int) -> None:
    emails = [
        render_email(make_row(true_class=true_class, category=1, seed=seed), config)
        for seed in range(200)
    ]
    assert len({email.subject for email in emails}) >= 4
    assert len({email.body for email in emails}) >= 150
    assert len({email.sender for email in emails}) >= 50


def test_render__keyword_flag_matches_text(config: HelixConfig) -> None:
    n_categories = config.n_categories
    combos = itertools.product(CLASSES, range(4), (0, 1), range(200))
    for true_class, severity, ambiguous, seed in combos:
        fields = dict(
            true_class=true_class,
            severity=severity,
            ambiguous=ambiguous,
            category=seed % n_categories,
            tier=seed % 3,
            topic=seed % 8,
            seed=seed,
        )
        flagged = render_email(make_row(keyword=1, **fields), config)
        plain = render_email(make_row(keyword=0, **fields), config)
        assert has_keyword(flagged), flagged
        assert not has_keyword(plain), plain


def test_render__unknown_category_uses_generic_wording() -> None:
    names = [*load_config().email_gen.categories, "warranty"]
    config = load_config({"email_gen": {"categories": names}})
    for true_class, ambiguous, seed in itertools.product(CLASSES, (0, 1), range(30)):
        row = make_row(true_class=true_class, category=8, ambiguous=ambiguous, seed=seed)
        email = render_email(row, config)
        assert email.category == "warranty"
        assert "warranty" in full_text(email)


def test_render__review_emails_carry_complexity_marker(config: HelixConfig) -> None:
    for seed in range(200):
        row = make_row(
            true_class=FLAG_FOR_REVIEW, category=seed % 8, severity=1 + seed % 2, seed=seed
        )
        text = full_text(render_email(row, config))
        assert any(marker in text for marker in REVIEW_MARKERS), text


@pytest.mark.parametrize("ambiguous", (0, 1))
def test_render__complaint_asks_for_fix_in_either_tone(config: HelixConfig, ambiguous: int) -> None:
    asks = ("fix", "refund", "put it right", "sort it out", "sort this out", "money back")
    for seed in range(100):
        row = make_row(true_class=COMPLAINT, ambiguous=ambiguous, category=seed % 8, seed=seed)
        assert any(ask in full_text(render_email(row, config)) for ask in asks)


def test_render__critical_complaint_sounds_more_serious_than_normal(config: HelixConfig) -> None:
    critical = render_email(make_row(severity=0, seed=7), config).body
    normal = render_email(make_row(severity=3, seed=7), config).body
    assert "losing money" in critical
    assert "minor annoyance" in normal


def test_render__tier_shows_in_sign_off(config: HelixConfig) -> None:
    for seed in range(50):
        emails = [render_email(make_row(tier=tier, seed=seed), config) for tier in range(3)]
        assert [email.tier for email in emails] == ["free", "pro", "enterprise"]
        assert "plan" not in emails[0].body.lower()
        assert "Pro plan" in emails[1].body
        assert "Enterprise plan" in emails[2].body


def test_render__sender_uses_example_domains(config: HelixConfig) -> None:
    for seed in range(100):
        sender = render_email(make_row(seed=seed), config).sender
        assert sender.endswith(("@example.com>", "@example.org>", "@example.net>"))


def test_topic_title__falls_back_beyond_hand_written_list() -> None:
    assert topic_title("billing", 40) == "Billing question #40"
    assert topic_title("warranty", 0) == "Warranty question #0"


def test_topic_title__default_categories_have_distinct_titles(config: HelixConfig) -> None:
    for category in config.email_gen.categories:
        titles = [topic_title(category, topic) for topic in range(8)]
        assert len(set(titles)) == 8
        assert not any("question #" in title for title in titles)
