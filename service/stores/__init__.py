"""SeenStore backends: :class:`EmbeddedStore` (default) and ``service.stores.redis.store.RedisStore``.

The Redis backend is not imported here so that the core never imports redis.
"""

from service.stores.embedded.store import EmbeddedStore

__all__ = ["EmbeddedStore"]
