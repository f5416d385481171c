"""The send task: mail queued in a request is sent by the worker, never by the request.

The outbox row stays the source of truth: if this task is lost (a worker killed, the
embedded queue of `make run` restarted), the periodic send_outgoing_email sweep sends it.
"""

from __future__ import annotations

from procrastinate.contrib.django import app

from outgoing_mail.sending import email_send

QUEUE = "mail"


@app.task(name="outgoing_email_send", queue=QUEUE)
def outgoing_email_send(pk: int) -> None:
    # No procrastinate retries: email_send records a failure on the row and sets its next
    # attempt with backoff, which the sweep picks up.
    email_send(pk=pk)
