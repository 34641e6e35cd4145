"""The README is true: its tutorial runs as pasted, and every setting and command is documented."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from flowservice.cli.main import app as cli_app
from flowservice.settings import Settings
from tests.cli.test_cli import CLI, _wait_healthy
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _tutorial() -> str:
    match = re.search(r"<!-- tutorial -->\n```bash\n(.*?)```", README, re.DOTALL)
    assert match, "README has no tutorial block"
    return match.group(1)


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`FLOWSERVICE_{name.upper()}`" in README, name


def test_every_cli_command_is_documented() -> None:
    for group in cli_app.registered_groups:
        assert group.typer_instance is not None
        for command in group.typer_instance.registered_commands:
            assert f"flowservice {group.name} {command.name}" in README
    for command in cli_app.registered_commands:
        assert f"flowservice {command.name or command.callback.__name__}" in README  # type: ignore[union-attr]


def test_readme_tutorial_runs_as_pasted(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = free_port()
    env = {**os.environ, "FLOWSERVICE_HOME": str(home), "FLOWSERVICE_PORT": str(port)}
    env.pop("FLOWSERVICE_DATABASE_URL", None)
    with subprocess.Popen(
        [*CLI, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as server:
        try:
            _wait_healthy(port)
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", _tutorial()],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert result.returncode == 0, result.stderr
    created, patched, read = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert set(created) == set(patched) == {"id", "etag"}
    assert patched["id"] == created["id"]
    assert patched["etag"] != created["etag"]
    [connection] = read["items"]
    assert connection["etag"] == patched["etag"]
    assert connection["auth"]["params"]["s3SessionToken"] == "********"


@pytest.mark.parametrize("doc", ["api.md", "s3.md", "preview.md", "benchmarks.md"])
def test_linked_docs_exist(doc: str) -> None:
    assert f"docs/{doc}" in README
    assert (ROOT / "docs" / doc).exists()
