"""``python -m rewardsmith.ray_bridge``: the CLI's way to Ray (``rewardsmith evolve
--executor ray``). It speaks the host's bridge protocol on stdin/stdout (one JSON object per
line; ``host/src/evolve/bridge.rs`` and ``docs/evolve.md``): it says ``{"ready": ...}``
once connected, then for each ``{"jobs": [...]}`` line it runs the jobs on Ray with
:class:`~rewardsmith.ray_executor.RayExecutor` and writes ``{"outcome": ...}`` per job as it
finishes, or ``{"error": ...}`` if one is lost for good. It exits when its stdin closes
(the host finished, or died: the tasks still running are cancelled)."""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rewardsmith.ray_bridge", description=__doc__)
    p.add_argument("--address", default=None, help="the Ray cluster (default: RAY_ADDRESS, else a local one)")
    p.add_argument("--cpus-per-task", type=int, default=1, help="CPUs and training threads per task")
    p.add_argument("--max-retries", type=int, default=3, help="reruns of a task whose worker or node died")
    p.add_argument(
        "--trace-dir",
        default=os.environ.get("REWARDSMITH_RAY_TRACE_DIR"),
        help="leave a file per task attempt here (tests; default: REWARDSMITH_RAY_TRACE_DIR)",
    )
    args = p.parse_args(argv)

    # The protocol owns stdout; anything else written there (a library's print) goes to
    # stderr, which the host keeps in the run folder's executor.log.
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(line: str) -> None:
        proto.write(line + "\n")
        proto.flush()

    try:
        from .ray_executor import RayExecutor

        ex = RayExecutor(
            args.address, cpus_per_task=args.cpus_per_task, max_retries=args.max_retries, trace_dir=args.trace_dir
        )
        send(json.dumps({"ready": ex.describe()}))
    except Exception as e:  # noqa: BLE001 - any failure to connect is the handshake's error
        send(json.dumps({"error": f"cannot reach Ray at {args.address or 'the default address'}: {type(e).__name__}: {e}"}))
        return 1

    lines: "queue.Queue[Optional[str]]" = queue.Queue()
    closed = threading.Event()

    def read() -> None:
        for line in sys.stdin:
            lines.put(line)
        closed.set()
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    while True:
        line = lines.get()
        if line is None:
            break
        try:
            jobs = [json.dumps(j) for j in json.loads(line)["jobs"]]
        except (ValueError, KeyError, TypeError) as e:
            send(json.dumps({"error": f"not a jobs line: {e}"}))
            continue
        outcomes = ex.run(jobs)
        try:
            for out in outcomes:
                if closed.is_set():
                    break  # the host is gone: close() below cancels the rest
                if out is not None:
                    send('{"outcome": ' + out + "}")
        except Exception as e:  # noqa: BLE001 - a task lost for good
            send(json.dumps({"error": f"a candidate's task was lost: {type(e).__name__}: {e}"}))
        finally:
            outcomes.close()
        if closed.is_set():
            break
    import ray

    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
