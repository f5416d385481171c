"""The channel-layer configuration, built in one place for settings and tests alike."""

from __future__ import annotations

from typing import Any

# redis-py's asyncio pool refuses a connection past its cap (MaxConnectionsError) instead of
# waiting for one: with its default of 100, 500 dashboards closing at once lost some of
# their group_discard calls and left stale group members behind.
DEFAULT_MAX_CONNECTIONS = 1000


def redis_channel_layer(
    url: str,
    encryption_key: str,
    *,
    prefix: str = "vt",
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> dict[str, Any]:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 reads with a 5 s socket timeout by default, exactly as long as
            # channels_redis blocks in BZPOPMIN: an idle layer then times out and drops a
            # dashboard socket every 5 s. Wait longer than the blocking pop.
            "hosts": [{"address": url, "socket_timeout": 10, "max_connections": max_connections}],
            "prefix": prefix,
            # Every message in Redis is encrypted: Redis sees no payload in the clear.
            "symmetric_encryption_keys": [encryption_key],
        },
    }
