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


def test_the_readme_configuration_reference_matches_the_declared_settings():
    from atlas.paths import README
    from atlas.readme import with_configuration_reference

    readme = README.read_text()

    assert with_configuration_reference(readme) == readme, "run `atlas config-reference`"
    assert "`ATLAS_LOG_FORMAT`" in readme and "`DATABASE_URL` 🔒" in readme


def test_a_secret_can_be_read_from_the_file_its_file_variable_names(tmp_path):
    secret = tmp_path / "redis_url"
    secret.write_text("redis://:s3cret@cache:6379/0\n")

    settings = load_settings({"REDIS_URL_FILE": str(secret)})

    assert settings.redis_url == "redis://:s3cret@cache:6379/0"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"REDIS_URL": "redis://a", "REDIS_URL_FILE": "/x"}, "set REDIS_URL or REDIS_URL_FILE, not both"),
        ({"ATLAS_DEMO_PASSWORD_FILE": "/nowhere/at/all"},
         "ATLAS_DEMO_PASSWORD_FILE names a file that cannot be read: No such file or directory"),
        ({"ATLAS_LOG_FORMAT": "xml"}, "ATLAS_LOG_FORMAT must be one of text, json, got 'xml'"),
        ({"ATLAS_METRICS": "flase"}, "ATLAS_METRICS must be true or false, got 'flase'"),
        ({"ATLAS_DB_SSLMODE": "prefer"},
         "ATLAS_DB_SSLMODE must be one of disable, require, verify-ca, verify-full, got 'prefer'"),
    ],
)
def test_secret_files_and_choices_are_checked(environ, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)

    assert str(raised.value) == message


def test_only_a_non_secret_setting_ignores_a_file_variable(tmp_path):
    (tmp_path / "port").write_text("9000")

    settings = load_settings({"ATLAS_PORT_FILE": str(tmp_path / "port")})

    assert settings.port == 8000


def test_web_and_workers_need_only_the_app_role_url():
    settings = load_settings({"DATABASE_APP_URL": "postgresql://atlas_app:pw@db/atlas", "REDIS_URL": "redis://r"})

    assert not settings.uses_embedded_database
    assert settings.database_url is None
