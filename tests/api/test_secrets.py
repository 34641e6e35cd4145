"""Contract §5: a secret written through the API is found nowhere: not in any response, log line,
file under FLOWSERVICE_HOME (database, WAL, key file) nor, on PostgreSQL, any stored row."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text

from tests.conftest import s3_connection_body
from tests.support.live import LiveServer

SECRET = "Sup3r-Distinctive-Secret-7f3a9c"
TOKEN = "Session-Token-Distinctive-b81e4d"
NEW_SECRET = "Rotated-Distinctive-Secret-2c7e11"


def _every_file_under(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]


def _stored_rows(live: LiveServer) -> str:
    """Every row of every table, as text (what a database dump would hold)."""
    with live.services.db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        rows = [connection.execute(text(f'SELECT * FROM "{t}"')).all() for t in tables]
    return repr(rows)


def test_secret_is_never_in_responses_logs_files_or_rows(
    live: LiveServer, api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []
    body = s3_connection_body(s3AccessKey="AKIAVISIBLE", s3SecretKey=SECRET, s3SessionToken=TOKEN)
    created = api.post("/connections", json=body)
    responses.append(created)
    cid, etag = created.json()["id"], created.json()["etag"]
    responses.append(api.get(f"/connections/{cid}"))
    responses.append(api.get("/connections"))

    # Failing patches that carry secrets must not echo them either.
    def set_secret(value: object, if_match: str) -> httpx.Response:
        ops = [{"op": "replace", "path": "/auth/params/s3SecretKey", "value": value}]
        return api.patch(f"/connections/{cid}", headers={"If-Match": if_match}, json=ops)

    responses.append(set_secret([SECRET], etag))
    responses.append(set_secret(NEW_SECRET, '"stale"'))
    ok = set_secret(NEW_SECRET, etag)
    assert ok.status_code == 200
    responses += [ok, api.get(f"/connections/{cid}")]
    live.services.secrets.rotate()

    for secret in (SECRET, TOKEN, NEW_SECRET):
        for response in responses:
            assert secret not in response.text
            assert secret not in str(response.headers)
        assert secret not in caplog.text
        for path in _every_file_under(live.settings.resolved_home):
            assert secret.encode() not in path.read_bytes(), path
        assert secret not in _stored_rows(live)
    assert "AKIAVISIBLE" in _stored_rows(live)  # the search itself works: a non-secret is found


def test_key_rotation_reseals_every_secret_with_the_new_key(
    live: LiveServer, api: httpx.Client
) -> None:
    from sqlalchemy import select

    from flowservice.storage.models import Connection

    ids = [
        api.post(
            "/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey=f"s-{i}")
        ).json()["id"]
        for i in range(3)
    ]
    key_id, count = live.services.secrets.rotate()
    assert count >= 3
    with live.services.db.session() as session:
        rows = session.execute(
            select(Connection.id, Connection.secrets_key_id).where(Connection.id.in_(ids))
        ).all()
    assert {row.secrets_key_id for row in rows} == {key_id}
    tenant = live.services.authenticator.authenticate(
        api.headers["Authorization"],
        api.headers["x-api-key"],
        api.headers["x-gw-ims-org-id"],
        "prod",
    )
    assert [live.services.connections.open(tenant, i).params["s3SecretKey"] for i in ids] == [
        "s-0",
        "s-1",
        "s-2",
    ]
