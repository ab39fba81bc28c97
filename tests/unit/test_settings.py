"""Configuration comes from the function's environment, declared in template.yaml."""

from __future__ import annotations

import pytest

from instance_api.settings import MissingSetting, Settings


def test_given_the_template_variables_when_reading_settings_then_they_are_all_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("NAMESPACE_INDEX_NAME", "i")
    monkeypatch.setenv("PAGINATION_KEY_SECRET", "pagination")
    monkeypatch.setenv("NAME_KEY_SECRET", "names")
    monkeypatch.setenv("TOMBSTONE_RETENTION_DAYS", "45")
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:8000")
    settings = Settings.from_env()
    assert (settings.table_name, settings.namespace_index_name) == ("t", "i")
    assert settings.dynamodb_endpoint_url == "http://127.0.0.1:8000"
    assert settings.require_pagination_key_secret() == "pagination"
    assert settings.require_name_key_secret() == "names"
    assert settings.tombstone_retention_days == 45


def test_given_the_empty_endpoint_the_template_declares_when_reading_settings_then_the_sdk_default_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "")
    assert Settings.from_env().dynamodb_endpoint_url is None


def test_given_no_table_name_when_reading_settings_then_the_deployment_is_broken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    with pytest.raises(MissingSetting, match="TABLE_NAME"):
        Settings.from_env()


def test_given_no_pagination_key_when_a_list_needs_it_then_it_says_which_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.delenv("PAGINATION_KEY_SECRET", raising=False)
    with pytest.raises(MissingSetting, match="PAGINATION_KEY_SECRET"):
        Settings.from_env().require_pagination_key_secret()


def test_given_no_retention_when_reading_settings_then_tombstones_are_kept_30_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.delenv("TOMBSTONE_RETENTION_DAYS", raising=False)
    assert Settings.from_env().tombstone_retention_days == 30
