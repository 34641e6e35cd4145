"""The README is true: its tutorial runs as pasted, and every setting and command is documented."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from flowservice.cli.main import app as cli_app
from flowservice.settings import Settings
from tests.cli.test_cli import CLI, _wait_healthy
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _block(name: str) -> str:
    match = re.search(rf"<!-- {name} -->\n```bash\n(.*?)```", README, re.DOTALL)
    assert match, f"README has no {name} block"
    return match.group(1)


def _tutorial() -> str:
    return _block("tutorial")


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[None]:
    """``flowservice serve`` in a subprocess, healthy, stopped afterwards."""
    with subprocess.Popen(
        [*CLI, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as server:
        try:
            _wait_healthy(int(env["FLOWSERVICE_PORT"]))
            yield
        finally:
            server.terminate()
            server.wait(timeout=20)


def _run_block(block: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


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


def _service_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "FLOWSERVICE_HOME": str(home), "FLOWSERVICE_PORT": str(free_port())}
    env.pop("FLOWSERVICE_DATABASE_URL", None)
    return env | extra


def test_readme_tutorial_runs_as_pasted(tmp_path: Path) -> None:
    env = _service_env(tmp_path / "home")
    with _serving(env):
        result = _run_block(_tutorial(), env)
    assert result.returncode == 0, result.stderr
    created, patched, read = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert set(created) == set(patched) == {"id", "etag"}
    assert patched["id"] == created["id"]
    assert patched["etag"] != created["etag"]
    [connection] = read["items"]
    assert connection["etag"] == patched["etag"]
    assert connection["auth"]["params"]["s3SessionToken"] == "********"


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the README's rclone serve s3 did not start")


@contextmanager
def _background(block: str) -> Iterator[subprocess.Popen[bytes]]:
    """A README block that ends in a server, in its own process group (killed afterwards)."""
    process = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", block], cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_readme_local_s3_walkthrough_runs_as_pasted(tmp_path: Path) -> None:
    """The three-terminal walkthrough, with only the data folder and the ports changed."""
    port = free_port()

    def here(text: str) -> str:
        return text.replace("/tmp/flowservice-demo", str(tmp_path / "demo")).replace(
            "8333", str(port)
        )

    service_line = re.fullmatch(
        r"FLOWSERVICE_ALLOWED_ENDPOINTS=(\S+) make run\n", _block("local-s3-service")
    )
    assert service_line, "the service block is one make run line"
    env = _service_env(tmp_path / "home", FLOWSERVICE_ALLOWED_ENDPOINTS=here(service_line[1]))
    with _background(here(_block("local-s3-server"))) as rclone, _serving(env):
        _wait_listening(port, rclone)
        result = _run_block(here(_block("local-s3-try")), env)
    assert result.returncode == 0, result.stderr
    connection_id, tested, listed, previewed = result.stdout.strip().splitlines()
    assert re.fullmatch(r"[0-9a-f-]{36}", connection_id), connection_id
    assert json.loads(tested)["result"] is True, tested
    assert [e["name"] for e in json.loads(listed)] == ["accounts.csv"]
    preview = json.loads(previewed)
    assert preview["properties"]["fileType"] == "delimited"
    assert preview["data"][1] == {"id": 2, "name": "Bob", "amount": 7.0, "joined": "2024-02-03"}


def test_readme_dataflow_tutorial_runs_as_pasted_after_the_first(tmp_path: Path) -> None:
    env = _service_env(tmp_path / "home")
    with _serving(env):
        first = _run_block(_tutorial(), env)
        assert first.returncode == 0, first.stderr
        result = _run_block(_block("dataflow-tutorial"), env)
    assert result.returncode == 0, result.stderr
    flow_text, run_text, runs_text = result.stdout.strip().splitlines()
    [flow] = json.loads(flow_text)["items"]
    assert flow["scheduleParams"]["frequency"] == "hour"
    assert flow["state"] == "enabled"
    run = json.loads(run_text)
    [listed] = json.loads(runs_text)["items"]
    assert listed["id"] == run["id"] == run["items"][0]["id"]
    assert listed["flowId"] == flow["id"]
    # The executor may already have taken it up; the placeholder bucket makes it fail.
    assert listed["metrics"]["statusSummary"]["status"] in ("scheduled", "inProgress", "failed")


@pytest.mark.parametrize(
    "doc", ["api.md", "s3.md", "preview.md", "benchmarks.md", "dataflows.md", "ingestion.md"]
)
def test_linked_docs_exist(doc: str) -> None:
    assert f"docs/{doc}" in README
    assert (ROOT / "docs" / doc).exists()
