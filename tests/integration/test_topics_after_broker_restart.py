"""A memory-storage broker that restarts forgets every topic: the topic keeper of each service
creates them again with their partition count, and nothing our clients do first creates one
with the broker's default count instead (issue 16)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiokafka.client
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from shared.infra.kafka import TansuBroker
from shared.messaging.topics import TopicKeeper, no_implicit_topic_creation

TOPICS = ["renewal-requested", "renewal-requested.dlq"]


@pytest.fixture
def broker() -> Iterator[TansuBroker]:
    broker = TansuBroker().start()  # its own: the test restarts it
    yield broker
    broker.stop()


@pytest.fixture
def no_auto_creation(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a service process runs; the test process gets aiokafka's default back after."""
    monkeypatch.setattr(aiokafka.client, "MetadataRequest", aiokafka.client.MetadataRequest)
    no_implicit_topic_creation()


async def partition_counts(bootstrap_servers: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        topics = await admin.describe_topics(await admin.list_topics())
        return {t["topic"]: len(t["partitions"]) for t in topics}
    finally:
        await admin.close()


async def test_topics_come_back_with_their_partitions_after_a_broker_restart(
    broker: TansuBroker, no_auto_creation: None
) -> None:
    keeper = TopicKeeper(broker.bootstrap_servers, TOPICS, partitions=6)
    consumer = AIOKafkaConsumer(
        TOPICS[0], bootstrap_servers=broker.bootstrap_servers, group_id="invoicing.test"
    )
    try:
        assert await keeper.ensure() == TOPICS
        assert await keeper.ensure() == []  # a second replica's check changes nothing
        await consumer.start()

        broker.stop()
        broker.start()
        await asyncio.sleep(1.5)  # the consumer asks for its topic meanwhile
        assert TOPICS[0] not in await partition_counts(broker.bootstrap_servers)

        assert await keeper.ensure() == TOPICS  # its admin client connects again
        assert await partition_counts(broker.bootstrap_servers) == dict.fromkeys(TOPICS, 6)
        assert keeper.created_total == 4
    finally:
        await consumer.stop()
        await keeper.close()


async def test_a_producer_does_not_create_a_missing_topic(
    broker: TansuBroker, no_auto_creation: None
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap_servers, request_timeout_ms=2_000
    )
    await producer.start()
    try:
        with pytest.raises(aiokafka.errors.UnknownTopicOrPartitionError):
            await producer.send_and_wait("renewal-requested", b"{}")
    finally:
        await producer.stop()
    assert await partition_counts(broker.bootstrap_servers) == {}
