"""Shared setup for the MLflow-client tests: run with mlflow-python.sh ROOT script.py URL.

Each test script creates its own experiment on the server at URL, runs its test_* functions in
order and exits non-zero when any failed. Only the standard library and MLflow's real client are
used (the client runs inside the root built by ../shared/mlflow-client/setup.sh).
"""

import os
import sys
import time
import traceback
import uuid

# Traces are exported synchronously, so a trace is stored when the traced function returns.
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

URL = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MLFLOW_TRACKING_URI", "")
if not URL:
    sys.exit("usage: script.py TRACKING_URL")


def setup(prefix):
    """Points the client at URL and makes a fresh experiment active; returns (client, exp_id)."""
    mlflow.set_tracking_uri(URL)
    exp_id = mlflow.create_experiment(f"{prefix}-{uuid.uuid4().hex[:10]}")
    mlflow.set_experiment(experiment_id=exp_id)
    return MlflowClient(URL), exp_id


def wait_for(fn, what, timeout=10.0):
    """Polls fn() until it returns a truthy value (reads right after a write may lag)."""
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value or time.time() > deadline:
            assert value, f"timed out waiting for {what}"
            return value
        time.sleep(0.1)


def run(tests):
    """Runs each test function; prints PASS/FAIL lines and exits 1 when any failed."""
    failed = []
    t0 = time.time()
    for test in tests:
        start = time.time()
        try:
            test()
            print(f"PASS {test.__name__} ({time.time() - start:.2f}s)", flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported, then the next test runs
            failed.append(test.__name__)
            print(f"FAIL {test.__name__}", flush=True)
            traceback.print_exc()
    name = os.path.basename(sys.argv[0])
    print(f"{name}: {len(tests) - len(failed)}/{len(tests)} passed in {time.time() - t0:.1f}s"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    sys.exit(1 if failed else 0)
