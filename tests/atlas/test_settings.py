from pathlib import Path

import pytest

from atlas.settings import SettingsError, load_settings


def test_defaults_describe_a_local_development_install():
    settings = load_settings({})

    assert settings.env == "development"
    assert settings.port == 8000
    assert settings.data_dir == Path(".atlas")
    assert settings.uses_embedded_database and settings.uses_embedded_redis


def test_external_servers_are_used_when_urls_are_set():
    settings = load_settings({"DATABASE_URL": "postgresql://o@db/atlas", "REDIS_URL": "redis://r:6379/0"})

    assert not settings.uses_embedded_database
    assert not settings.uses_embedded_redis


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ATLAS_ENV": "staging"}, "ATLAS_ENV must be one of development, production, got 'staging'"),
        ({"ATLAS_PORT": "http"}, "ATLAS_PORT must be a whole number, got 'http'"),
        ({"ATLAS_PORT": "70000"}, "ATLAS_PORT must be between 1 and 65535, got 70000"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(environ, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)

    assert str(raised.value) == message


def test_secrets_never_appear_in_the_settings_repr():
    settings = load_settings({"DATABASE_URL": "postgresql://o:hunter2@db/atlas", "ATLAS_DEMO_PASSWORD": "s3cret-pass"})

    shown = repr(settings)

    assert "hunter2" not in shown and "s3cret-pass" not in shown
    assert "database_url='***'" in shown
