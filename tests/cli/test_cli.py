"""The ``flowservice`` command line, run as a user runs it: a subprocess on a FLOWSERVICE_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.storage.test_migrations import HEAD
from tests.support.databases import BACKENDS, database_url
from tests.support.live import BASE_PATH, free_port

CLI = [sys.executable, "-m", "flowservice.cli"]


class Cli:
    def __init__(self, home: Path, database: str) -> None:
        self.env = {
            **os.environ,
            "FLOWSERVICE_HOME": str(home),
            "FLOWSERVICE_DATABASE_URL": database,
            "FLOWSERVICE_AUTH_CACHE_SECONDS": "0",
        }

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )


@pytest.fixture(scope="module", params=BACKENDS)
def cli(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    home = tmp_path_factory.mktemp(f"cli-{request.param}")
    with database_url(request.param, home) as url:
        yield Cli(home, url)


def test_db_upgrade_reports_the_revision(cli: Cli) -> None:
    result = cli("db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"revision {HEAD}" in result.stderr


def test_orgs_sandboxes_clients_tokens(cli: Cli) -> None:
    assert cli("orgs", "create", "ACME1234@AdobeOrg").returncode == 0
    duplicate = cli("orgs", "create", "ACME1234@AdobeOrg")
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    assert cli("sandboxes", "create", "dev", "--org", "ACME1234@AdobeOrg").returncode == 0
    bad = cli("sandboxes", "create", "Dev Sandbox", "--org", "ACME1234@AdobeOrg")
    assert bad.returncode == 1
    assert "lowercase" in bad.stderr
    created = cli("clients", "create", "--org", "ACME1234@AdobeOrg", "--json")
    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert set(body) == {"orgId", "apiKey", "accessToken", "clientSecret"}
    assert body["orgId"] == "ACME1234@AdobeOrg"
    assert cli("tokens", "revoke", body["accessToken"]).returncode == 0
    again = cli("tokens", "revoke", body["accessToken"])
    assert again.returncode == 1
    assert "No such active token" in again.stderr


def test_client_for_unknown_org_says_how_to_create_it(cli: Cli) -> None:
    result = cli("clients", "create", "--org", "NOPE@AdobeOrg")
    assert result.returncode == 1
    assert "flowservice orgs create NOPE@AdobeOrg" in result.stderr


def test_missing_argument_is_a_usage_error(cli: Cli) -> None:
    assert cli("orgs", "create").returncode == 2


def test_keys_rotate_reports_the_new_key(cli: Cli) -> None:
    result = cli("keys", "rotate")
    assert result.returncode == 0, result.stderr
    assert "Active key is now" in result.stderr


def test_serve_bootstraps_credentials_and_reuses_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = _serve_once(home)
    saved = json.loads((home / "credentials.json").read_text())
    assert set(saved) == {
        "endpoint",
        "orgId",
        "sandboxName",
        "apiKey",
        "accessToken",
        "clientSecret",
        "tokenEndpoint",
    }
    assert saved["sandboxName"] == "prod"
    assert (home / "credentials.json").stat().st_mode & 0o777 == 0o600
    assert str(home / "credentials.json") in first
    assert "curl" in first
    assert saved["accessToken"] not in first  # the token is in the file, not in the log
    _serve_once(home)
    assert json.loads((home / "credentials.json").read_text())["orgId"] == saved["orgId"]


def test_revoked_bootstrap_token_is_replaced_on_next_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _serve_once(home)
    saved = json.loads((home / "credentials.json").read_text())
    cli = Cli(home, f"sqlite:///{home / 'flowservice.db'}")
    assert cli("tokens", "revoke", saved["accessToken"]).returncode == 0
    _serve_once(home)
    renewed = json.loads((home / "credentials.json").read_text())
    assert renewed["apiKey"] == saved["apiKey"]
    assert renewed["accessToken"] != saved["accessToken"]


def _serve_once(home: Path) -> str:
    """Start ``flowservice serve``, call it with the printed recipe's credentials, stop it."""
    port = free_port()
    env = {**os.environ, "FLOWSERVICE_HOME": str(home), "FLOWSERVICE_PORT": str(port)}
    env.pop("FLOWSERVICE_DATABASE_URL", None)
    with subprocess.Popen(
        [*CLI, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as server:
        try:
            _wait_healthy(port)
            saved = json.loads((home / "credentials.json").read_text())
            headers = {
                "Authorization": f"Bearer {saved['accessToken']}",
                "x-api-key": saved["apiKey"],
                "x-gw-ims-org-id": saved["orgId"],
                "x-sandbox-name": saved["sandboxName"],
            }
            assert saved["endpoint"] == f"http://127.0.0.1:{port}{BASE_PATH}"
            assert (
                httpx.get(f"{saved['endpoint']}/connectionSpecs", headers=headers).status_code
                == 200
            )
        finally:
            server.terminate()
            output, _ = server.communicate(timeout=20)
    return output


def _wait_healthy(port: int) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("flowservice serve did not become healthy")


def test_malformed_setting_is_a_message_not_a_traceback(cli: Cli) -> None:
    cli.env["FLOWSERVICE_ALLOWED_ENDPOINTS"] = "10.0.0.0/33"
    try:
        result = cli("db", "upgrade")
    finally:
        del cli.env["FLOWSERVICE_ALLOWED_ENDPOINTS"]
    assert result.returncode == 1
    assert "FLOWSERVICE_ALLOWED_ENDPOINTS" in result.stderr
    assert "Traceback" not in result.stderr
