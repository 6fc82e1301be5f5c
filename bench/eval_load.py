#!/usr/bin/env python3
"""End-to-end load of an evaluation run (bench/README.md): N dataset records x 4 LLM judges
against a local OpenAI-compatible stand-in that answers after --latency-ms, at --concurrency
records at once. Prints wall time, records/s, verdicts/s, tracelake's CPU per verdict and its
peak memory, and (with --ingest) OTLP ingest throughput with and without the evaluation running.

    python3 bench/eval_load.py --bin build/bin/tracelake [--records 1000] [--concurrency 16]
        [--latency-ms 200] [--ingest build/bench/tracelake_loadgen]

The wall time should be set by the stand-in's latency and the concurrency limit
(records x judges x latency / concurrency), not by tracelake. Python 3 standard library only.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JUDGES = ["correctness", "relevance_to_query", "safety", "fluency"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
    try:
        return json.loads(text or b"{}")
    except ValueError:
        return {"text": text.decode(errors="replace")}


def stand_in(latency_s):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            time.sleep(latency_s)
            content = json.dumps({"result": "yes", "rationale": "fine"})
            out = json.dumps({"choices": [{"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant", "content": content}}],
                              "usage": {"prompt_tokens": 200, "completion_tokens": 20,
                                        "total_tokens": 220}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def ingest(loadgen, port, seconds):
    out = subprocess.run([loadgen, "--endpoint", f"http://127.0.0.1:{port}", "--profile", "A",
                          "--connections", "4", "--seconds", str(seconds)],
                         capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("throughput")]
    return lines[-1] if lines else out.stderr.strip()[-300:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/bin/tracelake")
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--ingest", help="tracelake_loadgen: also measure ingest beside the run")
    args = ap.parse_args()

    judge = stand_in(args.latency_ms / 1000)
    port = free_port()
    data = tempfile.mkdtemp(prefix="tracelake-evalbench-")
    env = dict(os.environ, OPENAI_BASE_URL=f"http://127.0.0.1:{judge.server_port}/v1",
               OPENAI_API_KEY="bench")
    server = subprocess.Popen(
        [args.bin, "server", "--port", str(port), "--otlp-grpc-port", "0", "--data-dir", data,
         "--judge-concurrency", str(args.concurrency * len(JUDGES))],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                call(f"{base}/health")
                break
            except OSError:
                time.sleep(0.1)
        ds = call(f"{base}/api/3.0/mlflow/datasets/create", "POST", {"name": "bench"})
        dataset_id = ds["dataset"]["dataset_id"]
        records = [{"inputs": {"question": f"question {i}?"},
                    "outputs": f"answer {i}",
                    "expectations": {"expected_response": f"answer {i}"}}
                   for i in range(args.records)]
        for i in range(0, len(records), 1000):
            call(f"{base}/api/3.0/mlflow/datasets/{dataset_id}/records", "POST",
                 {"records": json.dumps(records[i:i + 1000])})

        baseline = ingest(args.ingest, port, 10) if args.ingest else None
        cpu0 = cpu_seconds(server.pid)
        t0 = time.time()
        run = call(f"{base}/api/2.0/tracelake/evaluations", "POST",
                   {"experiment_id": "0", "dataset_id": dataset_id, "scorers": JUDGES,
                    "concurrency": args.concurrency})
        during = None
        if args.ingest:
            during = ingest(args.ingest, port, 10)
        while True:
            s = call(f"{base}/api/2.0/tracelake/evaluations/{run['run_id']}")
            if s["status"] != "RUNNING":
                break
            time.sleep(0.2)
        wall = time.time() - t0
        cpu = cpu_seconds(server.pid) - cpu0
        verdicts = sum(x["yes"] + x["no"] + x["unknown"] for x in s["scorers"])
        ideal = args.records * len(JUDGES) * args.latency_ms / 1000 / args.concurrency
        print(f"records {args.records} x judges {len(JUDGES)}, stand-in latency "
              f"{args.latency_ms} ms, concurrency {args.concurrency}: status {s['status']}")
        print(f"wall {wall:.1f} s (latency-bound ideal {ideal:.1f} s, ratio {wall / ideal:.3f}); "
              f"{args.records / wall:.1f} records/s, {verdicts / wall:.1f} verdicts/s")
        print(f"tracelake CPU {cpu:.2f} s: {1e3 * cpu / max(verdicts, 1):.3f} ms per verdict; "
              f"peak RSS {peak_rss_mb(server.pid):.0f} MiB; verdicts stored {verdicts}")
        if args.ingest:
            print(f"ingest without evaluation: {baseline}")
            print(f"ingest during evaluation:  {during}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        judge.shutdown()


if __name__ == "__main__":
    sys.exit(main())
