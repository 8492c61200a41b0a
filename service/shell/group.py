"""Who else consumes with this group, and whether the dedup index is shared with them.

The near-duplicate index is only complete when every instance of a group checks the same
one: with the embedded store each instance has its own, so a second member (a second
replica, or the old and new pod of a rolling update) judges its partitions' articles
against a different index and the same story can be published once per instance.

After every rebalance :meth:`GroupWatch.check` asks the group coordinator for the
group's members (DescribeGroups), sets ``cleanwire_consumer_group_members``, and, when
there is more than one member and the index is not shared, logs
``dedup_store_not_shared`` at warning level. ``cleanwire_dedup_store_shared`` is 1 with
the Redis store (or with dedup off) and 0 with the embedded store; the shipped alert
``CleanwireDedupStoreNotShared`` fires on the two together.

Readiness does not depend on it: readiness gates traffic and rollouts, not consumption,
so failing it would not stop the duplicates, and it would stall every rolling update of
a single-replica deployment (the new pod shares the group with the old one until the old
one leaves).
"""

from __future__ import annotations

from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from service.settings import Settings
from service.shell import logs
from service.shell.client import client_options
from service.shell.metrics import Metrics

log = logs.get("cleanwire.kafka")
DESCRIBE_DEADLINE_S = 10.0


def store_is_shared(settings: Settings) -> bool:
    """Return True when every instance of the group checks the same dedup index."""
    return settings.store == "redis" or "dedup" not in settings.enabled_stages


def member_count(response: Any, group_id: str) -> int:
    """Return the number of members of ``group_id`` in a DescribeGroups response.

    Every DescribeGroups version lists a group as (error_code, group_id, state,
    protocol_type, protocol, members, ...). Raises KafkaError for a group-level error.
    """
    for group in response.groups:
        error_code, name, members = group[0], group[1], group[5]
        if name != group_id:
            continue
        if error_code:
            raise KafkaError(f"DescribeGroups({group_id}) answered error code {error_code}")
        return len(members)
    raise KafkaError(f"DescribeGroups did not describe group {group_id}")


class GroupWatch:
    """Count the group's members after each rebalance; warn when they share no index."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.s = settings
        self.metrics = metrics
        self.shared = store_is_shared(settings)
        self.members: int | None = None
        self._admin: AIOKafkaAdminClient | None = None
        metrics.store_shared.set(1.0 if self.shared else 0.0)

    async def check(self) -> int | None:
        """Describe the group, record its size and warn if needed; None when it failed."""
        try:
            if self._admin is None:
                self._admin = AIOKafkaAdminClient(
                    request_timeout_ms=int(DESCRIBE_DEADLINE_S * 1000),
                    **client_options(self.s),
                )
                await self._admin.start()
            responses = await self._admin.describe_consumer_groups([self.s.group_id])
            members = member_count(responses[0], self.s.group_id)
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning("group_describe_failed", group=self.s.group_id, error=repr(exc))
            return None
        self.members = members
        self.metrics.group_members.set(members)
        if members > 1 and not self.shared:
            log.warning(
                "dedup_store_not_shared",
                group=self.s.group_id,
                members=members,
                store=self.s.store,
                fix="use --store redis (CLEANWIRE_STORE=redis) with more than one instance",
            )
        return members

    async def close(self) -> None:
        """Release the admin connection."""
        if self._admin is not None:
            admin, self._admin = self._admin, None
            await admin.close()
