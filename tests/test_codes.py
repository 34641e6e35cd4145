"""Error codes are named once in the source, and the docs list exactly the codes the source has."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITERAL = re.compile(r"""["'](\d{4}-\d{3})["']""")
DOCUMENTED = re.compile(r"`(\d{4}-\d{3})`")


def _source_literals() -> Counter[str]:
    found: Counter[str] = Counter()
    for path in (ROOT / "src" / "flowservice").rglob("*.py"):
        found.update(LITERAL.findall(path.read_text()))
    return found


def _documented() -> set[str]:
    return {
        code for doc in (ROOT / "docs").glob("*.md") for code in DOCUMENTED.findall(doc.read_text())
    }


def test_every_code_literal_appears_once_in_the_source() -> None:
    repeated = {code: n for code, n in _source_literals().items() if n > 1}
    assert repeated == {}, "name these codes once and use the constant"


def test_every_code_in_the_source_is_documented() -> None:
    assert set(_source_literals()) - _documented() == set()


def test_every_documented_code_exists_in_the_source() -> None:
    assert _documented() - set(_source_literals()) == set()
