"""Secrets providers: AWS Secrets Manager (through boto3) or local 0600 files in the data directory.

Both store text values by name. The local provider is the zero-setup default; set
``ATLAS_SECRETS_PROVIDER=aws`` (with the usual AWS credentials and region) for production.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from atlas.settings import Settings

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


class SecretsError(RuntimeError):
    """A secret could not be read or written."""


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise SecretsError(f"invalid secret name {name!r}")
    return name


class SecretsProvider(Protocol):
    """Reads and writes named text secrets."""

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...

    def locked(self, name: str) -> contextlib.AbstractContextManager[None]: ...


class LocalSecrets:
    """Secrets as files (mode 0600) in a 0700 folder of the data directory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        return self.folder / _check_name(name)

    def _ensure_folder(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)

    def get(self, name: str) -> str | None:
        try:
            return self._path(name).read_text()
        except FileNotFoundError:
            return None

    def put(self, name: str, value: str) -> None:
        self._ensure_folder()
        target = self._path(name)
        tmp = target.with_name(f".{target.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        tmp.replace(target)

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Serialise read-modify-write of ``name`` across processes sharing the folder."""
        self._ensure_folder()
        with open(self.folder / f".{_check_name(name)}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class AwsSecrets:
    """Secrets in AWS Secrets Manager, named ``<prefix><name>``."""

    def __init__(self, client, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def get(self, name: str) -> str | None:
        try:
            return self.client.get_secret_value(SecretId=self.prefix + _check_name(name))["SecretString"]
        except self.client.exceptions.ResourceNotFoundException:
            return None

    def put(self, name: str, value: str) -> None:
        secret_id = self.prefix + _check_name(name)
        try:
            self.client.put_secret_value(SecretId=secret_id, SecretString=value)
        except self.client.exceptions.ResourceNotFoundException:
            self.client.create_secret(Name=secret_id, SecretString=value)

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Secrets Manager has no locks; writers are rare (key rotation) and last one wins."""
        yield


def secrets_provider(settings: Settings) -> SecretsProvider:
    """The provider configured by ``ATLAS_SECRETS_PROVIDER``."""
    if settings.secrets_provider == "aws":
        import boto3

        return AwsSecrets(boto3.client("secretsmanager"), settings.secrets_prefix)
    return LocalSecrets(settings.data_dir.resolve() / "secrets")
