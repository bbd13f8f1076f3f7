"""Real TLS servers for the connection tests: a throwaway certificate authority, Debian's PostgreSQL
with `hostssl ... cert` (mutual TLS) and redis-server with `tls-auth-clients yes`."""

from __future__ import annotations

import datetime
import glob
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PG_USER = "atlas_tls"


def require_binary(path: str | None, what: str) -> str:
    """The binary, or skip (fail when ATLAS_REQUIRE_SYSTEM_SERVERS=1, as in CI)."""
    if path and os.path.exists(path):
        return path
    message = f"{what} is needed for this test (apt-get install -y postgresql redis-server)"
    if os.environ.get("ATLAS_REQUIRE_SYSTEM_SERVERS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def system_postgres_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return str(Path(require_binary(found[-1] if found else None, "Debian's PostgreSQL")).parent)


@dataclass
class Authority:
    """A CA and the files it signed: server.crt/key (localhost) and client.crt/key (CN atlas_tls)."""

    directory: Path

    def path(self, name: str) -> str:
        return str(self.directory / name)


def _write(path: Path, key, cert) -> None:
    path.with_suffix(".key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").chmod(0o600)


def _certificate(subject: str, key, *, issuer_name, issuer_key, ca: bool = False, server: bool = False):
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def make_authority(directory: Path, *, name: str = "Atlas test CA") -> Authority:
    """A CA with a server and a client certificate, written as PEM files into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate(name, ca_key, issuer_name=None, issuer_key=None, ca=True)
    _write(directory / "ca", ca_key, ca_cert)
    for subject, file, server in (("localhost", "server", True), (PG_USER, "client", False)):
        key = ec.generate_private_key(ec.SECP256R1())
        _write(directory / file, key, _certificate(subject, key, issuer_name=ca_cert.subject, issuer_key=ca_key,
                                                    server=server))
    return Authority(directory)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the unprivileged user pgserver also uses."""
    return ["runuser", "-u", "pgserver", "--", *command] if os.geteuid() == 0 else command


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text() if log.exists() else ''}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port}")


def start_postgres(authority: Authority) -> tuple[subprocess.Popen, int, Path]:
    """Debian's PostgreSQL accepting only TLS connections that present a client certificate.
    Its directory is outside pytest's (0700, which the server's own user cannot enter)."""
    binaries, port = system_postgres_bin(), free_port()
    base = Path(tempfile.mkdtemp(prefix="atlas-tls-pg-"))
    data = base / "pgdata"
    tls = base / "pgtls"
    tls.mkdir()
    for name in ("server.crt", "server.key", "ca.crt"):
        shutil.copy(authority.path(name), tls / name)
    base.chmod(0o755)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "pgserver", str(base)], check=True)
    subprocess.run(_as_server_user([f"{binaries}/initdb", "-D", str(data), "-U", PG_USER, "--auth=trust"]),
                   check=True, capture_output=True)
    (data / "pg_hba.conf").write_text("local all all trust\nhostssl all all 127.0.0.1/32 cert\n")
    log = base / "postgres.log"
    options = [f"port={port}", "listen_addresses=127.0.0.1", f"unix_socket_directories={data}", "ssl=on",
               f"ssl_cert_file={tls}/server.crt", f"ssl_key_file={tls}/server.key", f"ssl_ca_file={tls}/ca.crt"]
    command = [f"{binaries}/postgres", "-D", str(data), *[part for o in options for part in ("-c", o)]]
    process = subprocess.Popen(_as_server_user(command), stdout=log.open("w"), stderr=subprocess.STDOUT)
    _wait_for_port(port, process, log)
    return process, port, base


def start_redis(base: Path, authority: Authority) -> tuple[subprocess.Popen, int]:
    """redis-server speaking only TLS and asking every client for a certificate."""
    binary, port = require_binary(shutil.which("redis-server"), "redis-server"), free_port()
    log = base / "redis.log"
    command = [binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--tls-cert-file", authority.path("server.crt"), "--tls-key-file", authority.path("server.key"),
               "--tls-ca-cert-file", authority.path("ca.crt"), "--tls-auth-clients", "yes"]
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    _wait_for_port(port, process, log)
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
