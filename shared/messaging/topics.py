"""The topics a service needs, kept in existence with their partition count.

A memory-storage broker that restarts forgets every topic, and a topic can be deleted on a
real Kafka too. Each service creates what is missing when it connects and every few seconds
after (N replicas racing is fine: "already exists" is success). Our clients never create a
topic as a side effect of asking for it (Kafka's default, and the broker's default
partition count), which would otherwise win that race with too few partitions for N
replicas to share a consumer group.
"""

from __future__ import annotations

import asyncio
import functools
import logging

import aiokafka.client
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from aiokafka.protocol.metadata import MetadataRequest

from shared.events import TOPICS, dead_letter_topic

log = logging.getLogger(__name__)


def service_topics() -> list[str]:
    """Every event topic and its dead-letter topic."""
    return [t for topic in TOPICS for t in (topic, dead_letter_topic(topic))]


def no_implicit_topic_creation() -> None:
    """Producers and consumers of this process ask for topic metadata without creating a
    missing topic (allow.auto.create.topics=false, which aiokafka has no setting for)."""
    aiokafka.client.MetadataRequest = functools.partial(
        MetadataRequest, allow_auto_topic_creation=False
    )


class TopicKeeper:
    """Creates the missing ones of `topics` with `partitions` partitions each."""

    def __init__(self, bootstrap_servers: str, topics: list[str], partitions: int) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topics = topics
        self.partitions = partitions
        self.created_total = 0
        self._checked_before = False
        self._admin: AIOKafkaAdminClient | None = None
        self._lock = asyncio.Lock()  # start-up and the periodic check may call at once

    async def ensure(self) -> list[str]:
        """The topics this call created (none when all were there)."""
        async with self._lock:
            try:
                return await self._create_missing(await self._connected())
            except Exception:
                await self.close()  # a broker that went away: connect afresh next time
                raise

    async def _create_missing(self, admin: AIOKafkaAdminClient) -> list[str]:
        existing = set(await admin.list_topics())
        missing = [t for t in self.topics if t not in existing]
        created: list[str] = []
        if missing:
            response = await admin.create_topics(
                [NewTopic(t, num_partitions=self.partitions, replication_factor=1) for t in missing]
            )
            for topic, code, *_ in response.topic_errors:
                if code == 0:
                    created.append(topic)
                elif code != TopicAlreadyExistsError.errno:  # another replica won the race
                    raise for_code(code)(f"creating topic {topic}")
        if created:
            self.created_total += len(created)
            # At start-up that is set-up; later, the broker lost them (a memory broker restarted).
            log.log(
                logging.WARNING if self._checked_before else logging.INFO,
                "created %d missing topics: %s",
                len(created),
                ", ".join(created),
            )
        self._checked_before = True
        return created

    async def _connected(self) -> AIOKafkaAdminClient:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self.bootstrap_servers,
                client_id="topic-keeper",
                request_timeout_ms=5_000,
            )
            await admin.start()
            self._admin = admin
        return self._admin

    async def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            try:
                await admin.close()
            except Exception:
                log.debug("admin client close failed", exc_info=True)
