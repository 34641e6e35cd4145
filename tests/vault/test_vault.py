"""The vault: authenticated encryption, key ids per record, rotation, the master key file."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from flowservice.errors import InternalError, UserError
from flowservice.settings import Settings
from flowservice.storage.db import Database
from flowservice.storage.migrate import upgrade
from flowservice.vault import MasterKey, Vault, load_master_key


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'vault.db'}")
    upgrade(database)
    return database


def test_seal_and_open_round_trip_with_key_id(db: Database) -> None:
    vault = Vault(MasterKey(b"k" * 32))
    with db.session() as session, session.begin():
        blob, key_id = vault.seal(session, "record-1", {"s3SecretKey": "hunter2"})
        assert b"hunter2" not in blob
        assert vault.open(session, "record-1", blob, key_id) == {"s3SecretKey": "hunter2"}


def test_blob_moved_to_another_record_fails_its_integrity_check(db: Database) -> None:
    vault = Vault(MasterKey(b"k" * 32))
    with db.session() as session, session.begin():
        blob, key_id = vault.seal(session, "record-1", {"s": "v"})
        with pytest.raises(InternalError):
            vault.open(session, "record-2", blob, key_id)
        tampered = blob[:-1] + bytes([blob[-1] ^ 1])
        with pytest.raises(InternalError):
            vault.open(session, "record-1", tampered, key_id)


def test_old_records_open_after_a_new_key_is_added(db: Database) -> None:
    vault = Vault(MasterKey(b"k" * 32))
    with db.session() as session, session.begin():
        blob, first = vault.seal(session, "r", {"s": "v"})
        second = vault.add_key(session)
        assert second != first
        assert vault.active_key_id(session) == second
    reopened = Vault(MasterKey(b"k" * 32))  # a fresh process: keys come from the store
    with db.session() as session:
        assert reopened.open(session, "r", blob, first) == {"s": "v"}


def test_wrong_master_key_cannot_unwrap_data_keys(db: Database) -> None:
    with db.session() as session, session.begin():
        blob, key_id = Vault(MasterKey(b"k" * 32)).seal(session, "r", {"s": "v"})
    with db.session() as session, pytest.raises(InternalError, match="master key"):
        Vault(MasterKey(b"x" * 32)).open(session, "r", blob, key_id)


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    first = load_master_key(settings)
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600
    assert load_master_key(settings).key == first.key


def test_master_key_from_environment_setting(tmp_path: Path) -> None:
    key = base64.urlsafe_b64encode(b"m" * 32).decode()
    loaded = load_master_key(Settings(home=tmp_path, master_key=key))
    assert loaded.key == b"m" * 32
    assert not (tmp_path / "master.key").exists()
    assert "m" * 8 not in repr(loaded)


def test_malformed_master_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="32 random bytes"):
        load_master_key(Settings(home=tmp_path, master_key="too-short"))
