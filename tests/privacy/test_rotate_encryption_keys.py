"""manage.py rotate_encryption_keys: A -> [B, A] -> rotate -> [B], and nothing is lost."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from privacy import rotation
from tests.privacy.conftest import KEY_A, KEY_B, KEY_C, Secret, raw_rows

MARKER = "MARKER-7513"


@pytest.fixture
def with_secret_model(monkeypatch, secret_table):
    # Only the test model: the real tables are covered in test_rotation_of_real_models.
    monkeypatch.setattr(rotation, "installed_models", lambda: [Secret])
    return secret_table


def make_rows(count: int) -> list[Secret]:
    return [
        Secret.objects.create(
            narrative=f"verhaal {i} {MARKER}",
            name=f"Naam {i}",
            born_on=datetime.date(2010, 1, 1) + datetime.timedelta(days=i),
            people=[{"naam": f"kind {i}"}],
        )
        for i in range(count)
    ]


def rotate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_rotates_every_value_so_the_old_key_can_be_removed(with_secret_model, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    made = make_rows(7)
    Secret.objects.create()  # nulls stay null
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out, _ = rotate("--batch-size", "3")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    read = {s.pk: s for s in Secret.objects.all()}
    assert len(read) == 8
    for original in made:
        again = read[original.pk]
        assert again.narrative == original.narrative
        assert again.name == original.name
        assert again.born_on == original.born_on
        assert again.people == original.people
    assert "Rotated 28 values" in out


def test_it_shows_a_progress_bar_per_table(with_secret_model, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    make_rows(4)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out, _ = rotate("--batch-size", "2")
    assert "privacy.Secret" in out
    assert "2/4" in out
    assert "[##############################] 4/4" in out


def test_rotated_raw_values_are_tokens_of_the_new_key_without_plaintext(
    with_secret_model, settings
):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    make_rows(2)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    rotate()
    new_key = Fernet(KEY_B.encode())
    for row in raw_rows("privacy_test_secret", ["narrative", "name", "born_on", "people"]):
        for token in row:
            assert MARKER not in token
            new_key.decrypt(token.encode())


def test_running_it_again_changes_nothing(with_secret_model, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    make_rows(3)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    rotate()
    before = raw_rows("privacy_test_secret", ["narrative", "name", "born_on", "people"])
    out, _ = rotate()
    assert "Rotated 0 values; 12 were already under the newest key" in out
    assert raw_rows("privacy_test_secret", ["narrative", "name", "born_on", "people"]) == before


def test_an_interrupted_run_keeps_its_finished_batches_and_a_rerun_completes_it(
    with_secret_model, settings, monkeypatch
):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    made = make_rows(6)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    real_batch = rotation._rotate_batch
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(rotation, "_rotate_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rotate("--batch-size", "2")
    monkeypatch.setattr(rotation, "_rotate_batch", real_batch)
    out, _ = rotate("--batch-size", "2")
    # The first batch (2 rows x 4 columns) was done before the interruption.
    assert "Rotated 16 values; 8 were already under the newest key" in out
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert [s.narrative for s in Secret.objects.order_by("pk")] == [m.narrative for m in made]


def test_it_reports_an_undecryptable_value_by_place_and_rotates_the_rest(
    with_secret_model, settings
):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    good = make_rows(2)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_C]
    stray = Secret.objects.create(name=f"onleesbaar {MARKER}")
    stray_token = raw_rows("privacy_test_secret", ["name"])[-1][0]
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError, match="1 values could not be decrypted"):
        out, err = StringIO(), StringIO()
        try:
            call_command("rotate_encryption_keys", stdout=out, stderr=err)
        finally:
            assert f"privacy_test_secret.name id={stray.pk}" in err.getvalue()
            assert MARKER not in err.getvalue() + out.getvalue()
            assert stray_token not in err.getvalue()
    # The unreadable value is left exactly as it was; the others moved to the new key.
    assert raw_rows("privacy_test_secret", ["name"])[-1][0] == stray_token
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert Secret.objects.get(pk=good[1].pk).name == "Naam 1"


def test_it_refuses_a_batch_size_below_one(with_secret_model):
    with pytest.raises(CommandError, match="--batch-size"):
        rotate("--batch-size", "0")


def test_it_finds_the_encrypted_columns_of_a_model():
    (table,) = rotation.encrypted_tables([Secret])
    assert table.table == "privacy_test_secret"
    assert table.columns == ("narrative", "name", "born_on", "people")
    assert table.pk_column == "id"


def test_a_model_without_encrypted_fields_is_skipped():
    from privacy.models import AccessLogEntry

    assert rotation.encrypted_tables([AccessLogEntry]) == []


def test_it_works_on_the_database_in_use(with_secret_model, settings):
    # Guards the raw SQL on both backends (PostgreSQL in CI, SQLite for `make run`).
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    make_rows(1)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    rotate()
    assert connection.vendor in {"postgresql", "sqlite"}
