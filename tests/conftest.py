"""Test-wide settings: Hypothesis tuned for a shared 2-core machine."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "cleanwire", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("cleanwire")
