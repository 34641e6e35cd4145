"""Every command's --help is clean text: no Sphinx backticks, no markup, no type noise on flags."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from flowservice.cli.main import app


def _command_paths() -> list[list[str]]:
    root = get_command(app)
    paths: list[list[str]] = [[]]
    for name, command in getattr(root, "commands", {}).items():
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "flowservice")
def test_help_is_clean(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Show this message and exit." in text
    assert "`" not in text
    assert "<bool>" not in text
    assert not re.search(r"\[/?(red|bold|green)\]", text)
