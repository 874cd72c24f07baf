"""Development secrets, generated once per checkout and kept out of git.

A fresh machine has no SECRET_KEY, CPR encryption key or hash key in its environment. Instead of
shipping a key in the repository, the first start writes random ones to ``var/dev-secrets.env``
(ignored by git). Production never reads this file: there every secret comes from the environment.
"""

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _new_secrets() -> str:
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return (
        "# Generated on first run for development only; never commit, never use in production.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"CPR_ENCRYPTION_KEYS={fernet_key}\n"
        f"PII_HASH_KEY={secrets.token_urlsafe(32)}\n"
    )


def ensure_dev_secrets(path: Path) -> Path:
    """Create the file if missing (atomically: two processes starting at once get the same keys)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "w") as fh:
        fh.write(_new_secrets())
    return path


def ensure_dev_signing_key(path: Path) -> str:
    """The login broker's RSA key for signing ID tokens (PEM), created once per checkout."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    return path.read_text()
