"""A whole dataflow set up with Adobe's Python client (aepp), against this service.

Run as a script (its own process: aepp keeps its configuration in module globals):
``python -m tests.support.aepp_walkthrough ROOT_URL ORG_ID CLIENT_ID CLIENT_SECRET``. It prints
one JSON object with what each call answered; ``tests/api/test_aepp.py`` checks it.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

S3_SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"


def main(root: str, org_id: str, client_id: str, secret: str) -> dict[str, Any]:
    import aepp
    from aepp import catalog, flowservice

    # The recipe (README): environment "support" with the service's URL, and its token endpoint.
    aepp.configure(
        org_id=org_id,
        client_id=client_id,
        secret=secret,
        scopes="openid",
        sandbox="prod",
        environment="support",
        endpoint=root,
    )
    aepp.config.config_object["oauthTokenEndpointV2"] = f"{root}/ims/token/v3"
    flows, datasets = flowservice.FlowService(), catalog.Catalog()
    base = flows.createConnection(
        data={
            "name": "aepp base connection",
            "auth": {
                "specName": "Access Key",
                "params": {
                    "s3AccessKey": "AKIDEXAMPLE",
                    "s3SecretKey": "secret",
                    "serviceUrl": "http://127.0.0.1:9",
                    "bucketName": "acme",
                },
            },
            "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
        }
    )
    source = flows.createSourceConnection(
        {
            "name": "aepp source",
            "baseConnectionId": base["id"],
            "data": {"format": "delimited", "properties": {"columnDelimiter": ","}},
            "params": {"path": "/acme/in/*.csv", "type": "folder"},
            "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
        }
    )
    created = datasets.createDataSet(
        name="aepp dataset", schemaId="https://ns.adobe.com/acme/schemas/a1"
    )
    dataset_id = created[0].rsplit("/", 1)[1]
    target = flows.createTargetConnection(
        name="aepp target", connectionSpecId=DATA_LAKE_SPEC_ID, datasetId=dataset_id
    )
    spec_id = flows.getFlowSpecIdFromNames("CloudStorageToAEP")
    flow = flows.createFlow(
        spec_id,
        obj={
            "name": "aepp flow",
            "flowSpec": {"id": spec_id, "version": "1.0"},
            "sourceConnectionIds": [source["id"]],
            "targetConnectionIds": [target["id"]],
            "scheduleParams": {
                "startTime": str(int(time.time()) + 3600),
                "frequency": "minute",
                "interval": "15",
            },
        },
    )
    etag = flows.getFlow(flow["id"])["etag"]
    updated = flows.updateFlow(
        flow["id"], etag, [{"op": "replace", "path": "/name", "value": "renamed"}]
    )
    disabled = flows.postFlowAction(flow["id"], "disable")
    enabled = flows.postFlowAction(flow["id"], "enable")
    run = flows.createRun(flow["id"])
    return {
        "base": base, "source": source, "dataset": created, "target": target,
        "flowSpecId": spec_id, "flow": flow, "flows": [f["id"] for f in flows.getFlows()],
        "onlySources": [f["id"] for f in flows.getFlows(onlySources=True)],
        "updated": updated, "renamed": flows.getFlow(flow["id"])["name"],
        "actions": [disabled, enabled], "run": run,
        "runs": [r["id"] for r in flows.getRuns(prop=f"flowId=={flow['id']}")],
        "getRun": flows.getRun(run["id"]),
        "datasets": datasets.getDataSets(), "batches": datasets.getBatches(),
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5])))
