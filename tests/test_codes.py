"""Error codes are named constants in the source, and the docs list exactly the source's codes.

A code literal (``"1404-412"``) may appear only as the value of a module-level constant
(``STALE = "1404-412"``), and each constant once. Adobe's catalogs reuse a few numbers with
different meanings (``1364-400`` is both "once with backfill" and, here, the endpoint guard), so
one literal may name two constants, never be written inline.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "flowservice"
LITERAL = re.compile(r"""["'](\d{4}-\d{3})["']""")
CONSTANT = re.compile(r"""^([A-Z][A-Z0-9_]*) = ["'](\d{4}-\d{3})["']""", re.MULTILINE)
DOCUMENTED = re.compile(r"`(\d{4}-\d{3})`")


def _sources() -> dict[Path, str]:
    return {path: path.read_text() for path in SOURCE.rglob("*.py")}


def _constants() -> Counter[tuple[str, str]]:
    return Counter(pair for text in _sources().values() for pair in CONSTANT.findall(text))


def _documented() -> set[str]:
    docs = (ROOT / "docs").glob("*.md")
    return {code for doc in docs for code in DOCUMENTED.findall(doc.read_text())}


def test_code_literals_appear_only_as_named_constants() -> None:
    for path, text in _sources().items():
        inline = len(LITERAL.findall(text)) - len(CONSTANT.findall(text))
        assert inline == 0, f"{path.relative_to(ROOT)}: use a named code constant"


def test_each_constant_is_defined_once() -> None:
    assert {pair: n for pair, n in _constants().items() if n > 1} == {}


def test_every_code_in_the_source_is_documented() -> None:
    assert {code for _, code in _constants()} - _documented() == set()


def test_every_documented_code_exists_in_the_source() -> None:
    assert _documented() - {code for _, code in _constants()} == set()
