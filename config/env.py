"""Typed helpers that read settings from the environment.

Every variable the project reads goes through these helpers, so `VARIABLES` holds
the full list. Tests compare it with `.env.example` and `docker-compose.yml`, which
is how we keep the three from drifting apart.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

VARIABLES: dict[str, str] = {}

# Generated development secrets carry this marker so production can recognise
# (and refuse) them even when someone copies the file onto a server.
DEV_MARKER = "dev-insecure-"
DEV_KEY_PREFIX = b"DEVKEY--"
PLACEHOLDER_VALUES = {"", "change-me", "changeme", "secret", "replace-me"}


def _remember(name: str, help_text: str) -> None:
    VARIABLES.setdefault(name, help_text)


def env_str(name: str, default: str = "", *, help_text: str = "") -> str:
    _remember(name, help_text)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False, *, help_text: str = "") -> bool:
    _remember(name, help_text)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, help_text: str = "") -> int:
    _remember(name, help_text)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "", *, help_text: str = "") -> list[str]:
    raw = env_str(name, default, help_text=help_text)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, *, help_text: str = "", allow_empty: bool = False) -> str:
    """A secret from NAME, or read from the file that NAME_FILE names.

    Docker secrets (and Kubernetes, systemd credentials) hand a secret over as a file, so
    it never shows in `docker inspect`, the process environment or a crash dump of it.
    Errors name the variable and the path, never the value. `allow_empty`: an empty file
    means "none" (an SMTP server without login), not a mistake.
    """
    _remember(name, help_text)
    file_variable = f"{name}_FILE"
    _remember(file_variable, f"A file that holds {name} (e.g. /run/secrets/...), instead of {name}")
    path = os.environ.get(file_variable, "").strip()
    if not path:
        return os.environ.get(name, "")
    if os.environ.get(name, "").strip():
        raise ImproperlyConfigured(
            f"Both {name} and {file_variable} are set: set only one of them."
        )
    try:
        value = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImproperlyConfigured(f"{file_variable} names {path}, which does not exist.") from None
    except PermissionError:
        raise ImproperlyConfigured(
            f"{file_variable} names {path}, which this process (user id {os.getuid()}) "
            "may not read."
        ) from None
    except UnicodeDecodeError:
        raise ImproperlyConfigured(
            f"{file_variable} names {path}, which is not UTF-8 text."
        ) from None
    except OSError as error:
        raise ImproperlyConfigured(
            f"{file_variable} names {path}, which cannot be read ({error.strerror})."
        ) from None
    # Editors and `echo` end a file with a newline that is no part of the secret.
    value = value.rstrip("\r\n")
    if not value.strip() and not allow_empty:
        raise ImproperlyConfigured(f"{file_variable} names {path}, which is empty.")
    return value


# --- secrets -------------------------------------------------------------------


def generate_dev_secret() -> str:
    return DEV_MARKER + secrets.token_urlsafe(48)


def generate_dev_key() -> str:
    """A Fernet-compatible key (32 bytes, url-safe base64) that is recognisably for development."""
    raw = DEV_KEY_PREFIX + secrets.token_bytes(32 - len(DEV_KEY_PREFIX))
    return base64.urlsafe_b64encode(raw).decode()


def generate_dev_keyring() -> str:
    """A one-key ring "id:key" (see `SecretSpec` kind "keyring") for development."""
    return f"dev1:{generate_dev_key()}"


def is_development_value(value: str) -> bool:
    if value.strip().lower() in PLACEHOLDER_VALUES:
        return True
    if value.startswith((DEV_MARKER, "django-insecure")):
        return True
    for part in value.split(","):
        # A keyring part is "id:key"; base64 has no colon, so only the key is decoded.
        key = part.strip().rsplit(":", 1)[-1]
        try:
            decoded = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError):
            continue
        if decoded.startswith(DEV_KEY_PREFIX):
            return True
    return False


@dataclass(frozen=True)
class SecretSpec:
    name: str
    help_text: str
    # "secret" (free text), "key" (32-byte url-safe base64, comma-separated list allowed)
    # or "keyring" (comma-separated "id:key" pairs, newest first; ids name the key in data)
    kind: str


def load_dev_secrets(path: Path, specs: list[SecretSpec]) -> dict[str, str]:
    """Read the untracked development secrets file, creating or completing it on first use."""
    stored: dict[str, str] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ImproperlyConfigured(
                f"{path} is not valid JSON ({error}); "
                "delete it to generate new development secrets."
            ) from None
    changed = False
    for spec in specs:
        if spec.name not in stored:
            stored[spec.name] = {
                "key": generate_dev_key,
                "keyring": generate_dev_keyring,
            }.get(spec.kind, generate_dev_secret)()
            changed = True
    if changed:
        path.write_text(json.dumps(stored, indent=2) + "\n")
        path.chmod(0o600)
    return stored


def read_secrets(
    specs: list[SecretSpec], *, production: bool, dev_secrets_file: Path
) -> dict[str, str]:
    """Return every secret; in production refuse a missing or development value, by name."""
    values: dict[str, str] = {}
    for spec in specs:
        values[spec.name] = env_secret(spec.name, help_text=spec.help_text).strip()
    for spec in specs:
        if spec.kind == "key" and values[spec.name]:
            _check_keys(spec.name, values[spec.name])
        if spec.kind == "keyring" and values[spec.name]:
            check_keyring(spec.name, values[spec.name])
    if production:
        for spec in specs:
            value = values[spec.name]
            if not value:
                raise ImproperlyConfigured(
                    f"{spec.name} is not set (nor {spec.name}_FILE). DJANGO_ENV=production "
                    f"needs it: {spec.help_text}"
                )
            if is_development_value(value):
                raise ImproperlyConfigured(
                    f"{spec.name} holds a development or placeholder value. "
                    f"Generate a real one for production: {spec.help_text}"
                )
        return values
    missing = [spec for spec in specs if not values[spec.name]]
    if missing:
        generated = load_dev_secrets(dev_secrets_file, specs)
        for spec in missing:
            values[spec.name] = generated[spec.name]
    return values


def _check_keys(name: str, value: str) -> None:
    """Each comma-separated part must be 32 bytes in url-safe base64 (a Fernet key)."""
    for position, part in enumerate(value.split(","), start=1):
        try:
            raw = base64.urlsafe_b64decode(part.strip().encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"{name}: key {position} is not a valid key (32 bytes, url-safe base64). "
                "Make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            )


KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")


def check_keyring(name: str, value: str) -> None:
    """Each comma-separated part is "id:key": a short id (letters, digits, _ . -, at most
    16) and a 32-byte url-safe base64 key; no id twice."""
    seen: set[str] = set()
    for position, part in enumerate(value.split(","), start=1):
        key_id, colon, key = part.strip().partition(":")
        if not colon or not KEY_ID_PATTERN.match(key_id):
            raise ImproperlyConfigured(
                f"{name}: part {position} is not ID:KEY (an id of at most 16 letters, digits, "
                "_ . or -, a colon, then the key), e.g. 2026a:<key>."
            )
        if key_id in seen:
            raise ImproperlyConfigured(f"{name}: the key id {key_id!r} is used twice.")
        seen.add(key_id)
        _check_keys(f"{name} ({key_id})", key)


# How long a SQLite writer waits for the one write lock before "database is locked": long
# enough for a burst of webhooks to take turns, short of Twilio's 15 s for a webhook.
SQLITE_BUSY_TIMEOUT_SECONDS = 10


def sqlite_database(name: str | Path) -> dict[str, Any]:
    """The embedded default's DATABASES entry: SQLite that lets concurrent writers take turns.

    SQLite has one writer at a time. In its default (rollback journal, DEFERRED
    transactions) a transaction that read first and then writes can find another writer
    in the way and fail at once with "database is locked", whatever the busy timeout: two
    webhooks at the same moment, and one of them fails. IMMEDIATE transactions take the
    write lock at BEGIN, so the second waits (up to the busy timeout) instead; WAL lets
    reads go on while someone writes.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }


def parse_database_url(url: str) -> dict[str, Any]:
    """Turn postgres://user:pass@host:port/name?sslmode=require into Django's DATABASES entry."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL names no database (postgres://host/NAME).")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
        }
    if parts.scheme == "sqlite":
        return sqlite_database(unquote(parts.path) or ":memory:")
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with postgres:// or sqlite://, not {parts.scheme}://."
    )
