#!/usr/bin/env python3
"""N exporters connecting at once (bench/README.md): opens N TCP connections to a running server
at the same moment, sends one small OTLP/HTTP protobuf export on each and reads the answer.
Connections stay open until every answer is in (as exporters keep theirs), unless --close or
the answer says "Connection: close" (HTTP clients then close).

Prints how many answers were 200, the connect and connect+answer times (p50, p99, max) and,
with --pid, the most threads the server had while the storm ran. Nothing is asserted.

  python3 bench/connect_storm.py --url http://127.0.0.1:5000 [--connections 1000] [--pid PID]
"""

import argparse
import asyncio
import os
import struct
import sys
import threading
import time
import urllib.parse


def field(number, wire_type, payload):
    def varint(v):
        out = bytearray()
        while True:
            b = v & 0x7F
            v >>= 7
            out.append(b | (0x80 if v else 0))
            if not v:
                return bytes(out)

    key = varint(number << 3 | wire_type)
    if wire_type == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def export_request(i):
    """An ExportTraceServiceRequest with one span (trace id from i)."""
    now = time.time_ns()
    span = (field(1, 2, os.urandom(8) + struct.pack(">Q", i + 1))  # trace_id
            + field(2, 2, os.urandom(7) + b"\x01")  # span_id
            + field(5, 2, b"storm")  # name
            + field(7, 1, struct.pack("<Q", now - 1000000))  # start_time_unix_nano
            + field(8, 1, struct.pack("<Q", now)))  # end_time_unix_nano
    return field(1, 2, field(2, 2, field(2, 2, span)))


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def one(host, port, i, close, all_answered, results):
    body = export_request(i)
    head = (f"POST /v1/traces HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/x-protobuf\r\nContent-Length: {len(body)}\r\n"
            + ("Connection: close\r\n" if close else "") + "\r\n").encode()
    t0 = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.open_connection(host, port)
        t_connect = time.monotonic() - t0
        writer.write(head + body)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        length = 0
        server_closes = False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            if name.lower() == "connection" and value.strip().lower() == "close":
                server_closes = True
        await reader.readexactly(length)
        results.append((status, t_connect, time.monotonic() - t0))
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as e:
        results.append((repr(e), time.monotonic() - t0, time.monotonic() - t0))
        writer = None
    if len(results) == all_answered[0]:
        all_answered[1].set()
    if writer is None:
        return
    if not close and not server_closes:
        await all_answered[1].wait()
    writer.close()


def server_threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


async def storm(args):
    url = urllib.parse.urlparse(args.url)
    results = []
    all_answered = [args.connections, asyncio.Event()]
    await asyncio.gather(*(one(url.hostname, url.port, i, args.close, all_answered, results)
                           for i in range(args.connections)))
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--close", action="store_true", help="send Connection: close")
    p.add_argument("--pid", type=int, help="the server's pid, to sample its thread count")
    args = p.parse_args()

    peak_threads = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak_threads[0] = max(peak_threads[0], server_threads(args.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample) if args.pid else None
    if sampler:
        sampler.start()
    t0 = time.monotonic()
    results = asyncio.run(storm(args))
    wall = time.monotonic() - t0
    done.set()
    if sampler:
        sampler.join()
    ok = sum(1 for r in results if r[0] == 200)
    connect = [r[1] for r in results]
    total = [r[2] for r in results]
    print(f"{args.connections} connections ({'close' if args.close else 'kept open'}): "
          f"{ok} answered 200 in {wall:.2f} s")
    print(f"connect ms: p50={percentile(connect, 0.5) * 1e3:.1f} "
          f"p99={percentile(connect, 0.99) * 1e3:.1f} max={max(connect) * 1e3:.1f}")
    print(f"connect+answer ms: p50={percentile(total, 0.5) * 1e3:.1f} "
          f"p99={percentile(total, 0.99) * 1e3:.1f} max={max(total) * 1e3:.1f}")
    if sampler:
        print(f"server threads: peak {peak_threads[0]}")
    others = [r[0] for r in results if r[0] != 200]
    if others:
        print(f"not 200: {len(others)}, e.g. {others[:3]}")
    return 0 if ok == args.connections else 1


if __name__ == "__main__":
    sys.exit(main())
