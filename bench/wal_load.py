#!/usr/bin/env python3
"""Disk use under sustained ingest: the SQLite WAL beside the database (bench/README.md).

Starts a fresh server per round, runs tracelake_loadgen against it at full load and samples the
sizes of tracelake.db and tracelake.db-wal every 200 ms. Prints per round: spans/s, p99, peak WAL,
the database size at the end, the WAL's bound (256 MiB or 25% of the database, whichever is
larger) and whether a sample exceeded it, and the peak disk use (database + WAL) per stored span;
then medians. Nothing is asserted.

  python3 bench/wal_load.py [--build build] [--seconds 60] [--rounds 3] [--profile A]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

MIB = 1 << 20


def size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def run_round(args, port):
    work = tempfile.mkdtemp(prefix="tracelake-wal-bench-")
    db = os.path.join(work, "tracelake.db")
    server = subprocess.Popen(
        [os.path.join(args.build, "bin", "tracelake"), "server", "--port", str(port),
         "--otlp-grpc-port", "0", "--data-dir", work],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        samples = []  # (seconds, db bytes, wal bytes)
        stop = threading.Event()

        def sample():
            t0 = time.monotonic()
            while not stop.is_set():
                samples.append((time.monotonic() - t0, size(db), size(db + "-wal")))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample)
        sampler.start()
        out = subprocess.run(
            [os.path.join(args.build, "bench", "tracelake_loadgen"), "--endpoint",
             f"http://127.0.0.1:{port}", "--protocol", args.protocol, "--profile", args.profile,
             "--connections", str(args.connections), "--seconds", str(args.seconds)],
            capture_output=True, text=True, check=True).stdout
        stop.set()
        sampler.join()
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
        spans = int(re.search(rb"^tracelake_store_spans (\d+)", metrics, re.M).group(1))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    rate = float(re.search(r"throughput: ([0-9.]+)", out).group(1))
    p99 = float(re.search(r"p99=([0-9.]+)", out).group(1))
    peak_wal = max(w for _, _, w in samples)
    peak_total = max(d + w for _, d, w in samples)
    over = [(t, d, w) for t, d, w in samples if w > max(256 * MIB, d // 4)]
    final_db = samples[-1][1]
    return {
        "rate": rate, "p99": p99, "peak_wal_mb": peak_wal / MIB, "db_mb": final_db / MIB,
        "over": len(over), "samples": len(samples), "spans": spans,
        "peak_bytes_per_span": peak_total / max(spans, 1),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default="build")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--profile", default="A")
    p.add_argument("--protocol", default="http-proto", choices=["http-proto", "http-json"])
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--port", type=int, default=5394)
    args = p.parse_args()
    rounds = []
    for r in range(args.rounds):
        res = run_round(args, args.port)
        rounds.append(res)
        print(f"round {r + 1}: {res['rate']:.0f} spans/s, p99 {res['p99']:.1f} ms, "
              f"{res['spans']} spans, db {res['db_mb']:.0f} MiB, peak WAL {res['peak_wal_mb']:.0f} MiB "
              f"({res['over']} of {res['samples']} samples over max(256 MiB, db/4)), "
              f"peak disk {res['peak_bytes_per_span']:.0f} B/span", flush=True)
    med = lambda k: statistics.median(x[k] for x in rounds)
    print(f"median: {med('rate'):.0f} spans/s, p99 {med('p99'):.1f} ms, peak WAL "
          f"{med('peak_wal_mb'):.0f} MiB, db {med('db_mb'):.0f} MiB, peak disk "
          f"{med('peak_bytes_per_span'):.0f} B/span")


if __name__ == "__main__":
    sys.exit(main())
