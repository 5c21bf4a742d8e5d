"""`make bench`: run every benchmark and print its numbers.

Each benchmark module exposes `run() -> dict` and measures its own baseline in the same
run, so the ratios printed here compare like with like on this machine, today.
Pass names to run a subset: `python -m bench compliance import`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Rasa hides its training progress bars at WARNING; the numbers are what this prints.
os.environ.setdefault("LOG_LEVEL", "WARNING")

BENCHMARKS = {
    "compliance": "bench.compliance_bench",
    "console": "bench.console_bench",
    "import": "bench.import_bench",
    "nlu": "bench.nlu_bench",
    "pipeline": "bench.pipeline_bench",
    "webhook": "bench.webhook_bench",
    "campaign": "bench.campaign_bench",
    "conversations": "bench.conversation_bench",
    "report": "bench.report_bench",
    "throughput": "bench.throughput_bench",
    "voice": "bench.voice_bench",
}


def main(argv: list[str]) -> int:
    from bot.cli import quiet_third_party_warnings

    quiet_third_party_warnings()
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"bench: unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    results: dict[str, object] = {}
    failed = []
    for name in names:
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(BENCHMARKS[name])
            results[name] = module.run()
        except Exception as exc:  # a broken benchmark must not hide the others' numbers
            failed.append(name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    print("== summary (JSON) ==")
    print(json.dumps(results, indent=2, default=str, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
