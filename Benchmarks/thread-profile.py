#!/usr/bin/env python3
"""Where a signed webhook's CPU goes, thread by thread: one release bridge against one
malomo-mock-kafka process (the broker outside the bridge, as in production), in two loads:

  - fixed: 2,000 req/s of signed order.json webhooks (hey, 20 workers, 10 s), the rate of #13's
    CPU and latency targets;
  - saturated: wrk, 2 threads, 64 connections, 6 s (as Benchmarks/run), the throughput target.

Each load runs twice. The first run (repeated, up to four times, while the hypervisor's steal
took more than 5 % of the CPU) is measured from /proc alone: CPU per answered request of
the whole process and of each group of its threads (/proc/PID/task/*/stat: the event loops,
librdkafka's broker and main threads, the delivery-report poll thread, ...), and the
hypervisor's steal. The second runs under `perf record` (a cpu-clock sample every ~1 ms of CPU
on every thread of the bridge): its flat profile by thread group, by library and by symbol in
each of the busiest thread groups (Swift names demangled). perf's own cost skews the second
run's figures, which is why the CPU per request comes from the first.

Every answer must be a 202 (the run fails otherwise) and, at the end, Kafka must hold one record
per 202. Run after the release build (Benchmarks/run builds it): python3
Benchmarks/thread-profile.py; writes bench-results/thread-profile.json and
bench-results/thread-profile.txt."""
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

_spec = importlib.util.spec_from_file_location("make_lua", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk", "make-lua.py"))
make_lua = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_lua)

TOP_GROUPS = 4
TOP_SYMBOLS = 25
MAX_STEAL = 0.05
MAX_ATTEMPTS = 4


def perf_report(data, sort, limit="0.3"):
    """perf's flat profile (self time), as (percent, key...) rows, Swift names demangled."""
    args = ["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", sort, "--percent-limit", limit, "-F", f"overhead,{sort}"]
    out = H.sh(args).stdout
    demangled = subprocess.run(["swift", "demangle", "--simplified"], input=out, capture_output=True, text=True).stdout or out
    rows = [line.rstrip() for line in demangled.splitlines() if re.match(r"\s*[\d.]+%", line)]
    return sorted(rows, key=lambda row: -float(row.split("%")[0]))


def phase(name, pid, run, work):
    """The phase measured from /proc (again, up to MAX_ATTEMPTS times, while the hypervisor took
    more than MAX_STEAL of the CPU: such a run is kept in `discarded`, and if every attempt was
    noisy the least noisy is used and marked `noisy`), then again under perf."""
    discarded = []
    while True:
        result = H.measured(pid, run)
        H.expect_only(f"{name} (measured)", result["statuses"], 202)
        if any(result.get("socket_errors", [])):
            sys.exit(f"{name}: socket errors {result['socket_errors']}")
        result.pop("latencies", None)
        if result["steal_share"] <= MAX_STEAL or len(discarded) + 1 >= MAX_ATTEMPTS:
            break
        print(f"{name}: {result['steal_share']:.1%} of the CPU stolen, measured again", flush=True)
        discarded.append(result)
    if result["steal_share"] > MAX_STEAL:
        discarded.append(result)
        result = dict(min(discarded, key=lambda r: r["steal_share"]), noisy=True)
        discarded.remove(min(discarded, key=lambda r: r["steal_share"]))
    result["discarded"] = [{key: r[key] for key in ("steal_share", "cpu_us_per_request", "requests")} for r in discarded]
    print(f"{name}: {result['requests']} answers, {result['cpu_us_per_request']:.1f} µs CPU/request, "
          f"p99 {result['p99_ms']:.2f} ms, stolen {result['steal_share']:.1%}{' (NOISY: every attempt lost more than 5 %)' if result.get('noisy') else ''}",
          flush=True)
    for group, entry in result["threads"].items():
        if entry["cpu_seconds"] > 0:
            print(f"    {group:24s} ×{entry['threads']:<3d} {entry['cpu_us_per_request']:7.1f} µs/request", flush=True)
    data = os.path.join(work, f"{name}.perf")
    perf = subprocess.Popen(["perf", "record", "-F", "999", "-p", str(pid), "-o", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    profiled = run()
    perf.send_signal(2)
    perf.wait(timeout=60)
    H.expect_only(f"{name} (under perf)", profiled["statuses"], 202)
    profile = {"by_thread": perf_report(data, "comm"), "by_library": perf_report(data, "comm,dso"), "symbols": {}}
    # Each thread's symbols as shares of that thread's samples. (Not with --comms: perf filters
    # whole entries by the thread of their first sample, so with comm outside the sort key a
    # symbol would count for one thread only.)
    totals = {row.split()[-1]: float(row.split("%")[0]) for row in profile["by_thread"]}
    rows = perf_report(data, "comm,dso,sym", limit="0.05")
    for comm in list(totals)[:TOP_GROUPS]:
        mine = [row for row in rows if row.split()[1] == comm]
        profile["symbols"][comm] = [
            f"{float(row.split('%')[0]) / totals[comm] * 100:6.2f}%  " + row.split(None, 2)[2] for row in mine[:TOP_SYMBOLS]
        ]
    result["perf"] = profile
    result["perf_requests"] = profiled["requests"]
    return result


def main():
    body = H.FIXTURES / "order.json"
    signed = H.signature(body.read_bytes())
    work = tempfile.mkdtemp(prefix="malomo-thread-profile-")
    processes = []
    try:
        kafka = subprocess.Popen([str(H.ROOT / ".build/release/malomo-mock-kafka"), "--brokers", "3"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        processes.append(kafka)
        line = kafka.stdout.readline()
        match = re.match(r"bootstrap.servers=(\S+)", line)
        assert match, f"malomo-mock-kafka did not start: {line!r}"
        env = dict(os.environ, LOG_LEVEL="warning", LOG_FORMAT="json", KAFKA_BROKERS=match.group(1),
                   MALOMO_WEBHOOK_SECRET=H.SECRET, HTTP_HOST="127.0.0.1", HTTP_PORT=str(H.BRIDGE_PORT),
                   MANAGEMENT_PORT=str(H.MANAGEMENT_PORT))
        bridge = subprocess.Popen([str(H.ROOT / ".build/release/malomo-bridge")], stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(work, "bridge.err"), "w"), env=env)
        processes.append(bridge)
        H.wait_http(H.MANAGEMENT_PORT, "/readyz")
        H.expect_only("warm-up", H.hey_fixed_rate(H.BRIDGE_PORT, str(body), H.webhook_headers(signed), seconds=2)["statuses"], 202)
        script = os.path.join(work, "signed.lua")
        with open(script, "w") as f:
            f.write(make_lua.script([make_lua.webhook("orders:created", body.read_bytes(), H.SECRET)], "signed"))
        results = {
            "fixed_2000": phase("fixed_2000", bridge.pid,
                                lambda: H.hey_fixed_rate(H.BRIDGE_PORT, str(body), H.webhook_headers(signed), seconds=10), work),
            "saturated": phase("saturated", bridge.pid, lambda: H.wrk(H.BRIDGE_PORT, script), work),
        }
        accepted, other = H.metrics()
        records = H.kafka_end_offsets(match.group(1))
        results["kafka"] = {"accepted": accepted, "other_answers": other, "records": records}
        if accepted != records or other:
            sys.exit(f"Kafka holds {records} records for {accepted} 202s ({other} other answers)")
        print(f"Kafka: {records} records for {accepted} 202s", flush=True)
        H.OUT.mkdir(exist_ok=True)
        (H.OUT / "thread-profile.json").write_text(json.dumps(results, indent=2))
        with open(H.OUT / "thread-profile.txt", "w") as text:
            for name in ("fixed_2000", "saturated"):
                profile = results[name]["perf"]
                text.write(f"== {name}: perf by thread (self time)\n" + "\n".join(profile["by_thread"]) + "\n\n")
                text.write(f"== {name}: perf by thread and library\n" + "\n".join(profile["by_library"][:30]) + "\n\n")
                for comm, rows in profile["symbols"].items():
                    text.write(f"== {name}: thread {comm}, hottest symbols (share of that thread's samples)\n" + "\n".join(rows) + "\n\n")
        print(f"wrote {H.OUT / 'thread-profile.json'} and {H.OUT / 'thread-profile.txt'}")
    finally:
        H.stop(processes)


if __name__ == "__main__":
    main()
