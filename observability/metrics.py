"""The instruments behind /metrics that live in this process.

What the database knows (queue, outbox, mail, failed jobs) is read at scrape time instead
(observability.collector). Each Daphne process and each worker has its own counters:
scrape every process, not the load balancer (README, "Observability").
"""

from __future__ import annotations

from prometheus_client import Gauge, Histogram

# Twilio waits 15 s for a webhook, then calls the fallback URL: the buckets go up to there.
WEBHOOK_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)

webhook_duration = Histogram(
    "vt_webhook_duration_seconds",
    "Time from request to response of a Twilio webhook, by URL name",
    ["webhook"],
    buckets=WEBHOOK_BUCKETS,
)
dashboard_sockets = Gauge(
    "vt_dashboard_sockets",
    "Dashboard sockets connected to this process",
)


def webhook_answered(url_name: str, seconds: float) -> None:
    webhook_duration.labels(webhook=url_name).observe(seconds)


def dashboard_socket_opened() -> None:
    dashboard_sockets.inc()


def dashboard_socket_closed() -> None:
    dashboard_sockets.dec()
