"""After the whole suite: no message on any dead-letter topic because a handler failed.
The only parked messages are the malformed ones tests publish on purpose (`invalid envelope`,
`invalid data`); a handler that raised on a well-formed event is a defect (issue 11: on SQLite,
payments parked every `subscription-changed` after the first one of a subscription)."""

from __future__ import annotations

import asyncio
import json

from shared.events import TOPICS, dead_letter_topic
from tests.kafka_tools import read_topic


async def test_no_well_formed_event_was_parked_by_a_failing_handler(kafka_bootstrap: str) -> None:
    topics = [dead_letter_topic(t) for t in TOPICS]
    parked_per_topic = await asyncio.gather(
        *(read_topic(kafka_bootstrap, topic, timeout=3) for topic in topics)
    )
    failures = []
    for topic, records in zip(topics, parked_per_topic, strict=True):
        for record in records:
            parked = json.loads(record.value)["data"]
            if parked["error"].startswith("handler failed"):
                failures.append(f"{topic} [{parked['consumer_group']}]: {parked['error'][:300]}")
    assert failures == [], "parked by a failing handler:\n" + "\n".join(failures)
