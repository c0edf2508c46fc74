"""Record → consumer latency on the embedded broker for several consumer fetch waits
(docs/performance.md, "Steady latency"): one producer sends a record every `--gap` ms to a
one-partition topic, one consumer (`fetch_max_wait_ms` = each wait in turn) reads them; the
latency is the consumer's receipt minus the producer's send time carried in the record.

    python -m bench.fetch_wait                        # waits 500,250,100,50 ms
    python -m bench.fetch_wait --waits 500,200 --gap 300 --count 30
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.flow import latency_line
from shared.infra.kafka import ensure_topics, kafka_broker


async def one_wait(bootstrap: str, wait_ms: int, gap: float, count: int) -> list[float]:
    topic = f"fetch-wait-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], 1)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=topic,
        fetch_max_wait_ms=wait_ms,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await consumer.start()
    await producer.start()
    latencies: list[float] = []
    try:
        await consumer.getmany(timeout_ms=3000)  # joined (the topic is new: nothing to read)
        await asyncio.sleep(1.0)

        async def read() -> None:
            while len(latencies) < count:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    now = time.time()
                    latencies.extend((now - float(r.value)) * 1000 for r in records)

        reader = asyncio.create_task(read())
        for _ in range(count):
            await producer.send_and_wait(topic, str(time.time()).encode())
            await asyncio.sleep(gap)
        await asyncio.wait_for(reader, 30)
    finally:
        await consumer.stop()
        await producer.stop()
    return latencies


async def main(args: argparse.Namespace) -> None:
    with kafka_broker() as bootstrap:
        for wait_ms in (int(w) for w in args.waits.split(",")):
            latencies = await one_wait(bootstrap, wait_ms, args.gap / 1000, args.count)
            print(
                latency_line(
                    f"fetch wait {wait_ms:>4} ms, a record every {args.gap:g} ms", latencies
                )
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waits", default="500,250,100,50")
    parser.add_argument("--gap", type=float, default=10, help="ms between records")
    parser.add_argument("--count", type=int, default=200)
    asyncio.run(main(parser.parse_args()))
