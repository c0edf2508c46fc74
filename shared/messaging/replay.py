"""Replay a dead-letter topic: publish the original message of every record parked on
`<topic>.dlq` back on `<topic>`, with its original key (the envelope's `key`), once the cause
is fixed (docs/operations.md, "Replaying a DLQ").

    python -m shared.messaging.replay --topic invoice-issued.dlq --dry-run
    python -m shared.messaging.replay --topic invoice-issued.dlq [--consumer-group G]

It reads the `.dlq` topic from its beginning up to its end at start, with no consumer group
(nothing is committed, the `.dlq` records stay), and publishes each original envelope once,
even when several consumer groups parked it. Consumers deduplicate on `event_id`, so a group
that already processed the message skips it and the others process it once. A parked message
that is not a valid envelope (a producer's garbage) cannot be replayed as is: it is listed as
skipped with its partition and offset, for a person to repair and publish by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from shared.events import DeadLettered, Envelope, dead_letter_topic


@dataclass
class Replay:
    """What one run did: the parked records read (with their errors), the event ids replayed,
    duplicates left out (one message parked by several groups), records skipped."""

    parked: list[dict[str, Any]] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)
    duplicates: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "parked": self.parked,
            "replayed": len(self.replayed),
            "duplicates": self.duplicates,
            "skipped": self.skipped,
        }


def source_topic(dlq: str) -> str:
    if not dlq.endswith(".dlq") or dlq == ".dlq":
        raise ValueError(f"{dlq!r} is not a dead-letter topic (<topic>.dlq)")
    return dlq.removesuffix(".dlq")


async def read_to_end(bootstrap: str, topic: str) -> list[Any]:
    """Every record of the topic, from the beginning up to the end offsets at start."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        numbers = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(numbers)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*tps, timeout_ms=1000)
            records += [r for tp in tps for r in batch.get(tp, []) if r.offset < ends[tp]]
        return records
    finally:
        await consumer.stop()


def unwrap(record: Any) -> DeadLettered | str:
    """The dead-lettered event a `.dlq` record carries; a reason (str) when it is not one."""
    try:
        return DeadLettered.model_validate(Envelope.model_validate_json(record.value).data)
    except (ValidationError, ValueError) as exc:
        return f"not a dead-lettered record: {exc.__class__.__name__}"


def original(parked: DeadLettered, topic: str) -> Envelope | str:
    """The parked original envelope; a reason (str) when it cannot be replayed as is."""
    if parked.source_topic != topic:
        return f"parked from {parked.source_topic!r}, not {topic!r}"
    try:
        return Envelope.model_validate_json(parked.payload)
    except ValidationError as exc:
        return f"the original message is not a valid envelope ({exc.error_count()} errors)"


async def replay(
    bootstrap: str, dlq: str, *, consumer_group: str | None = None, dry_run: bool = False
) -> Replay:
    topic = source_topic(dlq)
    result = Replay()
    to_send: dict[str, Envelope] = {}  # by event id, in .dlq order: per-key order is kept
    for record in await read_to_end(bootstrap, dead_letter_topic(topic)):
        where = {"dlq_partition": record.partition, "dlq_offset": record.offset}
        parked = unwrap(record)
        if isinstance(parked, str):
            result.skipped.append({**where, "reason": parked})
            continue
        if consumer_group is not None and parked.consumer_group != consumer_group:
            continue
        found = original(parked, topic)
        result.parked.append(
            {**where, "consumer_group": parked.consumer_group, "error": parked.error[:300]}
        )
        if isinstance(found, str):
            result.skipped.append({**where, "reason": found})
        elif str(found.event_id) in to_send:
            result.duplicates += 1
        else:
            to_send[str(found.event_id)] = found
    if not dry_run and to_send:
        await publish(bootstrap, topic, list(to_send.values()))
    result.replayed = list(to_send)
    return result


async def publish(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(
                topic, envelope.model_dump_json().encode(), key=envelope.key.encode()
            )
    finally:
        await producer.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.replay", description=__doc__)
    parser.add_argument("--topic", required=True, help="the dead-letter topic, <topic>.dlq")
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        help="broker address (default: $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)",
    )
    parser.add_argument("--consumer-group", help="only what this group parked (<service>.<topic>)")
    parser.add_argument(
        "--dry-run", action="store_true", help="list the parked records and errors, publish nothing"
    )
    args = parser.parse_args(argv)
    try:
        source_topic(args.topic)
    except ValueError as exc:
        parser.error(str(exc))
    result = asyncio.run(
        replay(args.bootstrap, args.topic, consumer_group=args.consumer_group, dry_run=args.dry_run)
    )
    print(json.dumps({"topic": args.topic, "dry_run": args.dry_run, **result.summary()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
