"""The simulator behaves exactly as recorded in ``tests/data/behaviour.json``.

A refactor must leave every digest unchanged (``tests/behaviour.py`` says what is hashed). A
change meant to alter the dynamics rewrites the file on purpose, in the same commit.
"""

from __future__ import annotations

import json

from tests.behaviour import RECORDED, digests


def test_behaviour__every_digest_is_as_recorded() -> None:
    recorded = json.loads(RECORDED.read_text())
    found = digests()
    assert found.keys() == recorded.keys()
    changed = sorted(name for name in found if found[name] != recorded[name])
    assert changed == [], f"behaviour changed in {changed}"
