"""Database connections come from a pool with a cap; waiting too long is a clear 503."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from psycopg_pool import PoolTimeout

from config.database_pool import (
    PoolExhaustedMiddleware,
    ReleaseConnectionMiddleware,
    is_pool_timeout,
)
from tests.config.test_settings import production_environment, run_python
from tests.hotline.conftest import TwilioSays, new_sid

SHOW_DATABASE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; "
    "print(json.dumps({'engine': d['ENGINE'], 'max_age': d.get('CONN_MAX_AGE'), "
    "'pool': d.get('OPTIONS', {}).get('pool')}))"
)


def shown(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_connections_come_from_a_capped_pool_and_never_persist():
    database = shown(run_python(SHOW_DATABASE, production_environment()))
    assert database["engine"] == "django.db.backends.postgresql"
    assert database["max_age"] == 0
    assert database["pool"] == {"min_size": 2, "max_size": 20, "timeout": 5}


def test_the_pool_size_and_wait_come_from_the_environment():
    environment = production_environment(
        DATABASE_POOL_MIN_SIZE="0", DATABASE_POOL_MAX_SIZE="8", DATABASE_POOL_TIMEOUT="3"
    )
    database = shown(run_python(SHOW_DATABASE, environment))
    assert database["pool"] == {"min_size": 0, "max_size": 8, "timeout": 3}


def test_sqlite_the_embedded_default_has_no_pool(tmp_path):
    environment = {"DEV_SECRETS_FILE": str(tmp_path / "dev-secrets.json")}
    database = shown(run_python(SHOW_DATABASE, environment))
    assert database["engine"] == "django.db.backends.sqlite3"
    assert database["pool"] is None


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("DATABASE_POOL_MAX_SIZE", "0", "DATABASE_POOL_MAX_SIZE"),
        ("DATABASE_POOL_MIN_SIZE", "30", "DATABASE_POOL_MIN_SIZE"),
        ("DATABASE_POOL_TIMEOUT", "20", "DATABASE_POOL_TIMEOUT"),
        ("DATABASE_POOL_TIMEOUT", "0", "DATABASE_POOL_TIMEOUT"),
    ],
)
def test_a_pool_setting_out_of_range_stops_startup_and_names_it(variable, value, named):
    result = run_python(SHOW_DATABASE, production_environment(**{variable: value}))
    assert result.returncode != 0
    assert named in result.stderr


def test_a_leftover_persistent_connection_setting_stops_startup_and_says_what_replaced_it():
    result = run_python(SHOW_DATABASE, production_environment(DATABASE_CONN_MAX_AGE="60"))
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE is no longer read" in result.stderr
    assert "DATABASE_POOL_MAX_SIZE" in result.stderr


def pool_timeout_as_django_raises_it() -> Exception:
    """What a view sees: Django wraps psycopg errors in its own OperationalError."""
    try:
        with connection.wrap_database_errors:
            raise PoolTimeout("couldn't get a connection after 5.00 sec")
    except Exception as error:
        return error
    raise AssertionError("wrap_database_errors swallowed the timeout")


def view_that_raises(error: Exception):
    def view(request):
        raise error

    return view


def test_a_view_that_gets_no_pooled_connection_in_time_answers_503_saying_the_database_is_busy(
    caplog,
):
    error = pool_timeout_as_django_raises_it()
    middleware = PoolExhaustedMiddleware(lambda request: HttpResponse())
    request = RequestFactory().post("/hotline/twilio/voice/?step=x")
    response = middleware.process_exception(request, error)
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Database busy" in response.content
    assert "database pool exhausted" in caplog.text
    assert "path=/hotline/twilio/voice/" in caplog.text
    assert "step=x" not in caplog.text


def test_other_errors_are_left_to_django():
    middleware = PoolExhaustedMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, ValueError("not the pool")) is None
    assert not is_pool_timeout(RuntimeError("nor this"))


@pytest.mark.django_db
def test_a_pool_timeout_in_a_webhook_reaches_twilio_as_503(monkeypatch):
    """Through the whole middleware stack, on any database (the timeout is raised where
    the voice webhook would first use its connection)."""
    from hotline import views

    def no_connection(**kwargs):
        raise pool_timeout_as_django_raises_it()

    monkeypatch.setattr(views.services, "call_receive", no_connection)
    response = TwilioSays(Client()).voice(new_sid())
    assert response.status_code == 503
    assert response.content.startswith(b"Database busy")


def test_a_pool_timeout_in_a_middleware_is_answered_503_by_the_error_handler(rf):
    """The session middleware reads the database before any view, for a request with a
    session cookie; Django hands such an error straight to handler500."""
    from config.database_pool import server_error

    try:
        raise pool_timeout_as_django_raises_it()
    except Exception:
        response = server_error(rf.post("/hotline/twilio/voice/"))
    assert response.status_code == 503
    assert response.content.startswith(b"Database busy")


def test_any_other_server_error_keeps_the_plain_500_page(rf):
    from config.database_pool import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500


def view_that_reads(request) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok")


def pooled() -> bool:
    return getattr(connection, "pool", None) is not None


@pytest.mark.django_db(transaction=True)
def test_a_request_gives_its_pooled_connection_back_as_soon_as_its_response_is_made():
    response = ReleaseConnectionMiddleware(view_that_reads)(RequestFactory().get("/"))
    assert response.status_code == 200
    # Back in the pool before the server sends the response; without a pool (SQLite) it
    # stays until the end of the request, as always.
    assert (connection.connection is None) is pooled()


@pytest.mark.django_db(transaction=True)
def test_a_connection_inside_a_transaction_is_kept():
    from django.db import transaction

    with transaction.atomic():
        ReleaseConnectionMiddleware(view_that_reads)(RequestFactory().get("/"))
        assert connection.connection is not None
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")


@pytest.mark.django_db(transaction=True)
def test_a_streamed_response_keeps_its_connection_for_its_body():
    from django.http import StreamingHttpResponse

    def streaming_view(request):
        view_that_reads(request)
        return StreamingHttpResponse(iter(["a", "b"]))

    ReleaseConnectionMiddleware(streaming_view)(RequestFactory().get("/"))
    assert connection.connection is not None
