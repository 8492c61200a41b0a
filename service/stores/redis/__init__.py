"""The shared seen-store and learned-line statistics on Redis."""
