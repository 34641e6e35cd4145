"""Adobe's Python client, aepp, sets up a whole dataflow against the service by changing only
the host and the token endpoint (dataflows §11, §13.12)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

from flowservice.identity.service import create_client, create_org
from tests.support.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def test_aepp_drives_the_whole_setup(live: LiveServer) -> None:
    org = secrets.token_hex(8).upper() + "@AdobeOrg"
    create_org(live.services.db, org)
    client = create_client(live.services.db, org, "aepp", ttl_hours=1)
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.aepp_walkthrough", live.root_url, org,
         client.api_key, client.client_secret],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    flow_id = answers["flow"]["id"]
    assert {"id", "etag"} <= set(answers["base"])
    assert {"id", "etag"} <= set(answers["source"])
    assert answers["flowSpecId"] == "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
    assert answers["flows"] == answers["onlySources"] == [flow_id]
    assert answers["updated"]["id"] == flow_id
    assert answers["renamed"] == "renamed"
    assert [a["id"] for a in answers["actions"]] == [flow_id, flow_id]
    assert answers["runs"] == [answers["run"]["id"]]
    [run] = answers["getRun"]
    assert run["metrics"]["statusSummary"]["status"] == "scheduled"
    dataset_id = answers["dataset"][0].rsplit("/", 1)[1]
    assert answers["datasets"][dataset_id]["name"] == "aepp dataset"
    assert answers["batches"] == {}
