"""SeenStore backends: :class:`EmbeddedStore` (default) and ``redis_store.RedisStore``.

The Redis backend is not imported here so that the core never imports redis.
"""

from service.stores.embedded import EmbeddedStore

__all__ = ["EmbeddedStore"]
