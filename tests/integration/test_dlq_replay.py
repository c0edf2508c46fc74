"""`python -m shared.messaging.replay` on the real broker: the originals parked on
`<topic>.dlq` go back on `<topic>` with their keys, once each, and nothing that cannot be
replayed is published (docs/operations.md, "Replaying a DLQ")."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest

from shared.events import DeadLettered, Envelope
from shared.messaging.replay import main, replay
from tests.kafka_tools import publish_raw, read_topic


def envelope(topic: str, key: str, data: dict[str, object]) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type=topic,
        version=1,
        occurred_at=datetime.now(UTC),
        producer="test",
        correlation_id="replay-test",
        key=key,
        data=data,
    )


async def park(bootstrap: str, topic: str, payload: str, group: str, offset: int) -> None:
    parked = DeadLettered(
        source_topic=topic,
        partition=0,
        offset=offset,
        consumer_group=group,
        error="ValueError: boom",
        payload=payload,
    )
    wrapper = envelope("dead-lettered", topic, parked.model_dump())
    await publish_raw(
        bootstrap, f"{topic}.dlq", wrapper.model_dump_json().encode(), key=topic.encode()
    )


async def test_replay_publishes_each_original_once_with_its_key(kafka_bootstrap: str) -> None:
    topic = f"replay-{uuid.uuid4().hex[:8]}"
    first = envelope(topic, "sub-1", {"n": 1})
    second = envelope(topic, "sub-2", {"n": 2})
    await park(kafka_bootstrap, topic, first.model_dump_json(), f"invoicing.{topic}", 1)
    await park(kafka_bootstrap, topic, first.model_dump_json(), f"quotes.{topic}", 1)
    await park(kafka_bootstrap, topic, "{not json", f"invoicing.{topic}", 2)
    await park(kafka_bootstrap, topic, second.model_dump_json(), f"quotes.{topic}", 3)

    dry = await replay(kafka_bootstrap, f"{topic}.dlq", dry_run=True)
    assert dry.replayed == [str(first.event_id), str(second.event_id)]
    assert dry.duplicates == 1
    [skipped] = dry.skipped
    assert "not a valid envelope" in skipped["reason"]
    assert [p["consumer_group"] for p in dry.parked] == [
        f"invoicing.{topic}",
        f"quotes.{topic}",
        f"invoicing.{topic}",
        f"quotes.{topic}",
    ]
    assert {p["error"] for p in dry.parked} == {"ValueError: boom"}
    only_quotes = await replay(
        kafka_bootstrap, f"{topic}.dlq", consumer_group=f"quotes.{topic}", dry_run=True
    )
    assert only_quotes.replayed == [str(first.event_id), str(second.event_id)]
    assert only_quotes.skipped == [] and len(only_quotes.parked) == 2
    assert await read_topic(kafka_bootstrap, topic, timeout=2) == []  # dry run: nothing sent

    done = await replay(kafka_bootstrap, f"{topic}.dlq")
    assert done.summary()["replayed"] == 2
    records = await read_topic(kafka_bootstrap, topic, min_count=2)
    assert sorted((r.key.decode(), json.loads(r.value)["event_id"]) for r in records) == [
        ("sub-1", str(first.event_id)),
        ("sub-2", str(second.event_id)),
    ]
    # The .dlq records stay: replay reads them without a consumer group.
    assert len(await read_topic(kafka_bootstrap, f"{topic}.dlq", min_count=4)) == 4


async def test_an_empty_or_missing_dlq_replays_nothing(kafka_bootstrap: str) -> None:
    result = await replay(kafka_bootstrap, f"replay-none-{uuid.uuid4().hex[:8]}.dlq")
    assert result.summary() == {"parked": [], "replayed": 0, "duplicates": 0, "skipped": []}


def test_the_command_line_prints_a_json_summary(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = f"replay-cli-{uuid.uuid4().hex[:8]}"
    parked = envelope(topic, "sub-9", {"n": 9})
    asyncio.run(park(kafka_bootstrap, topic, parked.model_dump_json(), f"quotes.{topic}", 7))
    argv = ["--topic", f"{topic}.dlq", "--bootstrap", kafka_bootstrap, "--dry-run"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dry_run"] is True and summary["replayed"] == 1
    assert summary["parked"][0]["consumer_group"] == f"quotes.{topic}"


def test_a_topic_that_is_not_a_dlq_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--topic", "invoice-issued", "--bootstrap", "127.0.0.1:1"])
    assert exit_info.value.code == 2
    assert "is not a dead-letter topic" in capsys.readouterr().err
