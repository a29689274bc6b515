"""Test certificates for TLS runs, made at test time with the openssl tool.

make_pki(directory) -> Pki
    A private CA and, signed by it: the server's certificate for "localhost"
    and 127.0.0.1 (cert/key), a second pair for the same names (for reloads:
    cert2/key2), and a pair naming only "other.example" (wrong_cert/wrong_key).
    Every key is ECDSA P-256; nothing is read from or written to the system
    store.

client_context(pki) -> ssl.SSLContext trusting only the test CA, verifying
    the host name, TLS 1.2 or newer.
"""

import os
import ssl
import subprocess
from dataclasses import dataclass


@dataclass
class Pki:
    dir: str
    ca: str
    cert: str
    key: str
    cert2: str
    key2: str
    wrong_cert: str
    wrong_key: str


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _issue(directory, name, subject, alt_names):
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject, cwd=directory)
    with open(os.path.join(directory, f"{name}.ext"), "w") as f:
        f.write(f"subjectAltName={alt_names}\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-out", f"{name}.pem",
             "-extfile", f"{name}.ext", cwd=directory)
    return os.path.join(directory, f"{name}.pem"), os.path.join(directory, f"{name}.key")


def make_pki(directory):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=Parley Test CA", cwd=directory)
    cert, key = _issue(directory, "server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1")
    cert2, key2 = _issue(directory, "server2", "/CN=localhost", "DNS:localhost,IP:127.0.0.1")
    wrong_cert, wrong_key = _issue(directory, "wrong", "/CN=other.example", "DNS:other.example")
    return Pki(directory, os.path.join(directory, "ca.pem"), cert, key, cert2, key2,
               wrong_cert, wrong_key)


def client_context(pki):
    ctx = ssl.create_default_context(cafile=pki.ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
