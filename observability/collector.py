"""The metrics read from the database at scrape time, never cached in the process.

The apps that own the data say how to read it: settings.OBSERVABILITY_DATABASE_READINGS
names one function per app (e.g. hotline.metrics.call_queue_readings) that returns
`Reading`s. This module imports none of them, so every app may import observability.

All readings run in one read-only transaction with a statement timeout; when the database
does not answer, the scrape still answers, without them and with vt_database_up 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# A scrape must not hold a database connection while PostgreSQL struggles.
STATEMENT_TIMEOUT_MS = 2000


@dataclass(frozen=True)
class Reading:
    """One gauge value: `name` without the vt_ prefix, its help text, labels if any."""

    name: str
    documentation: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)


ReadingsFunction = Callable[[], Iterable[Reading]]


def _read_all(functions: list[ReadingsFunction]) -> list[Reading]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
                cursor.execute("SET TRANSACTION READ ONLY")
        return [reading for function in functions for reading in function()]


def _families(readings: list[Reading]) -> Iterator[Metric]:
    families: dict[str, GaugeMetricFamily] = {}
    for reading in readings:
        name = f"vt_{reading.name}"
        family = families.get(name)
        if family is None:
            family = families[name] = GaugeMetricFamily(
                name, reading.documentation, labels=sorted(reading.labels)
            )
        family.add_metric([reading.labels[key] for key in sorted(reading.labels)], reading.value)
    yield from families.values()


class DatabaseCollector(Collector):
    def describe(self) -> Iterable[Metric]:
        # Registering must not query: the families are known only at scrape time.
        return []

    def collect(self) -> Iterable[Metric]:
        functions = [import_string(path) for path in settings.OBSERVABILITY_DATABASE_READINGS]
        up = GaugeMetricFamily(
            "vt_database_up",
            "1 when this scrape could read the database metrics, 0 when they are left out",
        )
        try:
            readings = _read_all(functions)
        except Exception as error:
            # The database is down or too slow: the scrape itself must still answer.
            logger.warning("metrics: database readings left out: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _families(readings)
