"""`python -m observability.serve` is `daphne` with an access log that holds no data.

Daphne's own access log writes each request's full URI, query string included (a search
for ?q=VT-... would land in the log), and the client's raw address. This runs Daphne's
own command line with the same arguments, but each access entry goes to the
`daphne.access` logger (so LOG_FORMAT applies) with the path cut before its query and the
address as a keyed hash. HTTP requests that reach Django get their own access line with
the request id (observability.access), so Daphne's HTTP entries are written at DEBUG;
WebSocket handshakes (including those refused before any consumer runs) at INFO.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from daphne import cli

access_log = logging.getLogger("daphne.access")

_SOCKET_ACTIONS = {
    "connecting": "WSCONNECTING",
    "rejected": "WSREJECT",
    "connected": "WSCONNECT",
    "disconnected": "WSDISCONNECT",
}


class QueryFreeAccessLog:
    """Daphne's action-logger interface (daphne.access.AccessLogGenerator), minus the data."""

    def __init__(self, stream: Any = None) -> None:
        # Daphne hands over the stream its --access-log option named; lines go to logging.
        self.stream = stream

    def __call__(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        from observability.access import logged_path
        from observability.logs import ip_fingerprint

        client = str(details.get("client") or "").rsplit(":", 1)[0]
        path = logged_path(str(details.get("path") or ""))
        if protocol == "http" and action == "complete":
            access_log.debug(
                "%s %s %s client=%s",
                details.get("method"),
                path,
                details.get("status"),
                ip_fingerprint(client),
            )
        elif protocol == "websocket" and action in _SOCKET_ACTIONS:
            access_log.info(
                "%s %s client=%s", _SOCKET_ACTIONS[action], path, ip_fingerprint(client)
            )


def main(argv: list[str] | None = None) -> None:
    # Daphne's CLI builds its logger from this name; replacing it keeps every other option.
    cli.AccessLogGenerator = QueryFreeAccessLog
    cli.CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
