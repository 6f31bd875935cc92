"""A self-signed certificate for 127.0.0.1/localhost, made with openssl."""

from __future__ import annotations

import os
import shutil
import subprocess


def make_cert(directory: str) -> tuple:
    """(cert.pem, key.pem) in `directory`; the cert is its own CA (use it as REQUESTS_CA_BUNDLE)."""
    if not shutil.which("openssl"):
        raise RuntimeError("openssl is required to make the test certificate")
    os.makedirs(directory, exist_ok=True)
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, capture_output=True,
    )
    return cert, key
