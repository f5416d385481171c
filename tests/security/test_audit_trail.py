"""Attack replays on the access log: an attacker with full database rights but without
ACCESS_LOG_KEYS rewrites, deletes, reorders or cuts off rows; verify_access_log sees it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from privacy.access_log import GENESIS_HASH, access_record
from privacy.models import AccessLogEntry
from tests.privacy.test_access_log import as_database_superuser, raw

pytestmark = pytest.mark.django_db


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


KEY_A = new_key("a")
KEY_B = new_key("b")


@pytest.fixture(autouse=True)
def keys_and_head_file(settings: Any, tmp_path: Path) -> Path:
    head_file = tmp_path / "access-log-head.jsonl"
    settings.ACCESS_LOG_KEYS = [KEY_A]
    settings.ACCESS_LOG_HEAD_EXPORT = str(head_file)
    return head_file


def write_log(count: int) -> list[AccessLogEntry]:
    return [
        access_record(
            actor=None,
            action="view",
            target_type="cases.case",
            target_id=i,
            ip_address="192.0.2.7",
            role="partner-api",
        )
        for i in range(1, count + 1)
    ]


def verify() -> str:
    out, err = StringIO(), StringIO()
    call_command("verify_access_log", stdout=out, stderr=err)
    return out.getvalue()


def export_head() -> None:
    call_command("export_access_log_head", stdout=StringIO(), stderr=StringIO())


def sha256_without_key(entry: AccessLogEntry) -> str:
    """What an attacker can compute: the documented recipe, without the secret key."""
    canonical = json.dumps(entry.content(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def rewrite_from(seq: int, change: dict[str, Any], *, link: Any = sha256_without_key) -> None:
    """Change row `seq` and recompute its hash and every later row's link, as an attacker."""
    rows = list(AccessLogEntry.objects.filter(seq__gte=seq).order_by("seq"))
    previous = AccessLogEntry.objects.filter(seq__lt=seq).order_by("-seq").first()
    previous_hash = previous.entry_hash if previous else GENESIS_HASH
    with as_database_superuser():
        for entry in rows:
            if entry.seq == seq:
                for field, value in change.items():
                    setattr(entry, field, value)
            entry.previous_hash = previous_hash
            entry.entry_hash = link(entry)
            columns = ["previous_hash", "entry_hash", *(change if entry.seq == seq else [])]
            assignments = ", ".join(f"{column} = %s" for column in columns)
            raw(
                f"UPDATE privacy_accesslogentry SET {assignments} WHERE seq = %s",
                [getattr(entry, column) for column in columns] + [entry.seq],
            )
            previous_hash = entry.entry_hash


def test_a_changed_row_with_every_later_hash_recomputed_without_the_key_is_detected():
    entries = write_log(6)
    rewrite_from(entries[2].seq, {"allowed": False, "reason": "nothing to see"})
    with pytest.raises(CommandError, match=rf"broken at seq {entries[2].seq} \(changed\)"):
        verify()


def test_a_keyed_row_rewritten_as_a_row_from_before_the_keys_is_detected():
    entries = write_log(6)
    rewrite_from(entries[2].seq, {"allowed": False, "key_id": ""})
    with pytest.raises(CommandError, match=rf"broken at seq {entries[2].seq}"):
        verify()


def test_a_row_relinked_with_a_guessed_key_is_detected():
    entries = write_log(4)
    guessed = secrets.token_bytes(32)

    def hmac_with_guess(entry: AccessLogEntry) -> str:
        import hmac

        canonical = json.dumps(entry.content(), sort_keys=True, separators=(",", ":"))
        return hmac.new(guessed, canonical.encode(), hashlib.sha256).hexdigest()

    rewrite_from(entries[1].seq, {"reason": "forged"}, link=hmac_with_guess)
    with pytest.raises(CommandError, match=rf"broken at seq {entries[1].seq} \(changed\)"):
        verify()


def test_deleting_the_newest_ten_rows_after_an_export_is_detected(keys_and_head_file: Path):
    entries = write_log(15)
    export_head()
    assert keys_and_head_file.exists()
    with as_database_superuser():
        raw("DELETE FROM privacy_accesslogentry WHERE seq > %s", [entries[4].seq])
    with pytest.raises(CommandError, match=r"\(truncated\)"):
        verify()


def test_cutting_off_the_newest_rows_and_writing_on_is_detected_too():
    entries = write_log(8)
    export_head()
    with as_database_superuser():
        raw("DELETE FROM privacy_accesslogentry WHERE seq > %s", [entries[4].seq])
    write_log(5)
    with pytest.raises(CommandError, match=rf"exported head.*seq {entries[-1].seq}"):
        verify()


def test_a_forged_line_in_the_head_file_is_refused(keys_and_head_file: Path):
    write_log(3)
    export_head()
    line = json.loads(keys_and_head_file.read_text().splitlines()[-1])
    line["seq"] = 1
    with keys_and_head_file.open("a") as out:
        out.write(json.dumps(line) + "\n")
    with pytest.raises(CommandError, match="head"):
        verify()


def test_a_deleted_middle_row_is_detected():
    entries = write_log(6)
    export_head()
    with as_database_superuser():
        raw("DELETE FROM privacy_accesslogentry WHERE seq = %s", [entries[2].seq])
    with pytest.raises(CommandError, match=rf"broken at seq {entries[3].seq} \(removed\)"):
        verify()


def test_a_deleted_middle_row_with_the_later_rows_relinked_without_the_key_is_detected():
    entries = write_log(6)
    with as_database_superuser():
        raw("DELETE FROM privacy_accesslogentry WHERE seq = %s", [entries[2].seq])
    rewrite_from(entries[3].seq, {})
    with pytest.raises(CommandError, match=rf"broken at seq {entries[3].seq} \(changed\)"):
        verify()


def test_a_reordered_pair_is_detected():
    entries = write_log(5)
    second, third = entries[1].seq, entries[2].seq
    with as_database_superuser():
        raw("UPDATE privacy_accesslogentry SET seq = %s WHERE seq = %s", [-1, second])
        raw("UPDATE privacy_accesslogentry SET seq = %s WHERE seq = %s", [second, third])
        raw("UPDATE privacy_accesslogentry SET seq = %s WHERE seq = %s", [third, -1])
    with pytest.raises(CommandError, match=rf"broken at seq {second} \(reordered\)"):
        verify()


def test_rows_linked_with_an_old_key_still_verify_after_a_new_key_is_put_in_front(
    settings: Any, keys_and_head_file: Path
):
    old = write_log(3)
    export_head()
    settings.ACCESS_LOG_KEYS = [KEY_B, KEY_A]
    new = write_log(3)
    export_head()
    assert {entry.key_id for entry in old} == {"a"}
    assert {entry.key_id for entry in new} == {"b"}
    assert "intact: 6 rows" in verify()
    # Dropping the old key too early is reported, not silently accepted.
    settings.ACCESS_LOG_KEYS = [KEY_B]
    with pytest.raises(CommandError, match="unknown key"):
        verify()


def legacy_rows(count: int) -> list[AccessLogEntry]:
    """Rows as the code before the keyed chain wrote them: plain SHA-256, no key id."""
    from django.utils import timezone

    written = []
    previous = GENESIS_HASH
    for i in range(count):
        entry = AccessLogEntry(
            at=timezone.now(),
            action="view",
            target_type="cases.case",
            target_id=str(i),
            allowed=True,
            previous_hash=previous,
        )
        entry.entry_hash = sha256_without_key(entry)
        entry.save()
        written.append(entry)
        previous = entry.entry_hash
    return written


def test_the_cut_over_seals_the_legacy_rows_and_legacy_plus_keyed_rows_verify():
    from privacy.models import AccessLogAnchor

    legacy = legacy_rows(4)
    keyed = write_log(3)
    anchor = AccessLogAnchor.objects.get()
    assert (anchor.seq, anchor.entry_hash, anchor.key_id) == (
        legacy[-1].seq,
        legacy[-1].entry_hash,
        "a",
    )
    assert keyed[0].previous_hash == legacy[-1].entry_hash
    assert all(entry.key_id == "" for entry in AccessLogEntry.objects.filter(seq__lte=anchor.seq))
    assert "intact: 7 rows" in verify()


def test_a_legacy_row_changed_after_the_cut_over_is_detected_even_with_hashes_recomputed():
    legacy = legacy_rows(4)
    write_log(2)
    # The legacy part has no key: the attacker can recompute it all, up to the anchor.
    rewrite_from(legacy[1].seq, {"allowed": False})
    with pytest.raises(CommandError, match="broken at seq"):
        verify()


def test_verify_shows_progress_on_stderr():
    write_log(7)
    err = StringIO()
    call_command("verify_access_log", "--progress-every", "3", stdout=StringIO(), stderr=err)
    assert "3 rows" in err.getvalue() and "6 rows" in err.getvalue()
