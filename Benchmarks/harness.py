#!/usr/bin/env python3
"""Side-by-side load test of the release bridge and nginx-204 on this machine (see Benchmarks/run)."""
import csv
import hashlib
import hmac
import json
import os
import pathlib
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "Tests" / "MalomoFixtures" / "Fixtures"
OUT = ROOT / "bench-results"
SECRET = "malomo-dev-secret"
BRIDGE_PORT, MANAGEMENT_PORT, NGINX_PORT = 18202, 18203, 18204
QUICK = "--quick" in sys.argv
DURATION = "5s" if QUICK else "6s"
ROUNDS = 1 if QUICK else 3
CONNECTIONS = 64


def sh(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(pid):
    """pid and its descendants (nginx's master and worker)."""
    pids = [pid]
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            pids += process_tree(int(child))
    return pids


def cpu_seconds(pid):
    """User + system CPU of a process and its descendants, every thread included (/proc/PID/stat)."""
    total = 0
    for each in process_tree(pid):
        text = pathlib.Path(f"/proc/{each}/stat").read_text()
        fields = text[text.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def thread_cpu_seconds(pid):
    """User + system CPU of each thread of a process and its descendants, by thread id: (name,
    seconds) (/proc/PID/task/TID/stat; the name is the thread's comm, as top -H and perf show it)."""
    threads = {}
    for task in (task for each in process_tree(pid) for task in pathlib.Path(f"/proc/{each}/task").iterdir()):
        try:
            text = (task / "stat").read_text()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        fields = text[text.rindex(")") + 2:].split()
        threads[int(task.name)] = (text[text.index("(") + 1:text.rindex(")")], (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return threads


def thread_groups(before, after, answered):
    """CPU µs per answered request of each group of threads (threads of one name: the event
    loops, librdkafka's broker threads, ...), busiest first. A thread that ended during the
    phase is missing from `after`, so its last share is not counted."""
    groups = {}
    for tid, (name, seconds) in after.items():
        used = seconds - before.get(tid, (name, 0.0))[1]
        group = re.sub(r"\d+", "N", name)
        entry = groups.setdefault(group, {"threads": 0, "cpu_seconds": 0.0})
        entry["threads"] += 1
        entry["cpu_seconds"] += used
    for entry in groups.values():
        entry["cpu_us_per_request"] = entry["cpu_seconds"] / answered * 1e6 if answered else None
    return dict(sorted(groups.items(), key=lambda item: -item[1]["cpu_seconds"]))


def expect_only(target, statuses, wanted):
    """The run fails unless every answer had the wanted status: a baseline that answers
    errors is not a ceiling."""
    answered = sum(statuses.values())
    wrong = {code: count for code, count in statuses.items() if str(code) != str(wanted)}
    if answered == 0 or wrong:
        sys.exit(f"{target}: expected only {wanted}, got {statuses} ({answered} answers)")


def metrics(management_port=MANAGEMENT_PORT):
    """The bridge's webhooks answered 202 (outcome accepted) and answered otherwise."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{management_port}/metrics", timeout=5).read().decode()
    accepted = sum(float(v) for v in re.findall(r'malomo_bridge_webhooks_received_total\{[^}]*outcome="accepted"[^}]*\} (\S+)', text))
    other = sum(float(v) for k, v in re.findall(r'malomo_bridge_webhooks_received_total\{([^}]*)\} (\S+)', text)
                if 'outcome="accepted"' not in k)
    return int(accepted), int(other)


def wrk(port, script, duration=DURATION, connections=CONNECTIONS):
    out = sh(["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--latency", "-s", script, f"http://127.0.0.1:{port}"]).stdout
    result = {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "requests": int(re.search(r"(\d+) requests in", out).group(1)),
              "statuses": {code: int(count) for code, count in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)},
              "socket_errors": [int(x) for x in re.search(r"^ERRORS (\d+) (\d+) (\d+) (\d+)$", out, re.M).groups()]}
    for name, value in re.findall(r"PCT (p[\d.]+) ([\d.]+)", out):
        result[name + "_ms"] = float(value)
    return result


def hey_fixed_rate(port, body_path, headers, rate=2000, workers=20, seconds=10, method="POST", path="/webhooks/malomo"):
    args = ["hey", "-z", f"{seconds}s", "-c", str(workers), "-q", str(rate // workers), "-m", method, "-o", "csv"]
    if method == "POST":
        args += ["-D", body_path]
    for name, value in headers:
        args += ["-H", f"{name}: {value}"]
    out = sh(args + [f"http://127.0.0.1:{port}{path}"]).stdout
    latencies, statuses = [], {}
    for row in csv.DictReader(out.splitlines()):
        latencies.append(float(row["response-time"]) * 1000)
        statuses[row["status-code"]] = statuses.get(row["status-code"], 0) + 1
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))]
    return {"requests": len(latencies), "rate": len(latencies) / seconds, "statuses": statuses,
            "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99), "p99.9_ms": pct(99.9), "max_ms": latencies[-1],
            "over_50ms": sum(1 for l in latencies if l > 50), "latencies": latencies}


def kafka_end_offsets(bootstrap):
    listing = sh(["kcat", "-L", "-b", bootstrap]).stdout
    query = ["kcat", "-Q", "-b", bootstrap]
    for topic, partitions in re.findall(r'topic "([^"]+)" with (\d+) partitions', listing):
        if not topic.startswith("__"):
            for p in range(int(partitions)):
                query += ["-t", f"{topic}:{p}:-1"]
    # One query for every partition's end offset (-1 = latest).
    out = sh(query).stdout
    return sum(max(0, int(offset)) for offset in re.findall(r"offset (-?\d+)", out))


def wait_http(port, path, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"nothing answered on port {port}{path}")


def steal_seconds():
    """CPU time the hypervisor gave to others while this VM wanted it (/proc/stat, all CPUs)."""
    fields = pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[8]) / CLOCK_TICKS if len(fields) > 8 else 0.0


def measured(pid, run, broker_pid=None):
    """Runs one load phase and adds the server's CPU seconds and CPU per answered request (and
    the broker process's, reported beside it, never added to the bridge's), the same per group
    of the server's threads (`threads`), and the share of the machine's CPU time stolen by the
    hypervisor meanwhile (a noisy neighbour: figures of a phase with much of it are not
    comparable)."""
    before, threads_before = cpu_seconds(pid), thread_cpu_seconds(pid)
    broker_before = cpu_seconds(broker_pid) if broker_pid else 0
    steal_before, started = steal_seconds(), time.monotonic()
    result = run()
    result["steal_share"] = (steal_seconds() - steal_before) / ((time.monotonic() - started) * os.cpu_count())
    threads_after = thread_cpu_seconds(pid)
    cpu = cpu_seconds(pid) - before
    answered = sum(result["statuses"].values())
    result["threads"] = thread_groups(threads_before, threads_after, answered)
    result["cpu_seconds"] = cpu
    result["cpu_us_per_request"] = cpu / answered * 1e6 if answered else None
    if broker_pid:
        result["broker_cpu_us_per_request"] = (cpu_seconds(broker_pid) - broker_before) / answered * 1e6 if answered else None
    return result


def signature(body, secret=SECRET):
    """Malomo-Signature of `body` (bytes): hex HMAC-SHA256, upper case as Malomo sends it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().upper()


def webhook_headers(signature_hex):
    """The headers of a signed orders:created webhook (hey's -H pairs)."""
    return [("Content-Type", "application/json"), ("Malomo-Topic", "orders:created"),
            ("Malomo-Webhook-Id", "bench"), ("Malomo-Attempt-Number", "1"), ("Malomo-Signature", signature_hex)]


def stop(processes):
    """Stops every child still running, whatever failed (a stray bridge or broker would skew the
    next run): nginx with SIGQUIT, the others with SIGTERM; killed after 20 s."""
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT if process.args[0] == "nginx" else signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    OUT.mkdir(exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="malomo-bench-"))
    lua = work / "post.lua"
    subprocess.run([sys.executable, str(ROOT / "Benchmarks/wrk/make-lua.py"), SECRET, str(FIXTURES), str(lua)], check=True)
    # The broker in a process of its own, as in production the broker is elsewhere: its CPU is
    # not the bridge's.
    processes = []

    def start(args, **kwargs):
        process = subprocess.Popen(args, **kwargs)
        processes.append(process)
        return process

    try:
        run(work, lua, start)
    finally:
        stop(processes)


def run(work, lua, start):
    kafka = start([str(ROOT / ".build/release/malomo-mock-kafka"), "--brokers", "3"],
                             stdout=subprocess.PIPE, stderr=open(work / "kafka.err", "w"), text=True)
    line = kafka.stdout.readline()
    m = re.match(r"bootstrap.servers=(\S+)", line)
    assert m, f"malomo-mock-kafka did not start: {line!r}"
    bootstrap = m.group(1)
    env = dict(os.environ, LOG_LEVEL="warning", LOG_FORMAT="json", KAFKA_BROKERS=bootstrap, MALOMO_WEBHOOK_SECRET=SECRET,
               HTTP_HOST="127.0.0.1", HTTP_PORT=str(BRIDGE_PORT), MANAGEMENT_PORT=str(MANAGEMENT_PORT))
    bridge = start([str(ROOT / ".build/release/malomo-bridge")],
                              stdout=subprocess.DEVNULL, stderr=open(work / "bridge.err", "w"), text=True, env=env)
    nginx = start(["nginx", "-c", str(ROOT / "Benchmarks/wrk/nginx.conf"), "-p", str(work)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(MANAGEMENT_PORT, "/readyz")
    time.sleep(1)
    idle_rss = rss_kib(bridge.pid)
    results = {"machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                           "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")},
               "settings": {"connections": CONNECTIONS, "duration": DURATION, "wrk_threads": 2,
                            "broker": "malomo-mock-kafka, 3 brokers, separate process"},
               "idle_rss_kib": idle_rss, "rounds": []}
    # Warm-up for both; their answers are checked too.
    expect_only("bridge warm-up", wrk(BRIDGE_PORT, str(lua), "2s", 16)["statuses"], 202)
    expect_only("nginx warm-up", wrk(NGINX_PORT, str(lua), "2s", 16)["statuses"], 204)
    for round_number in range(ROUNDS):
        b = measured(bridge.pid, lambda: wrk(BRIDGE_PORT, str(lua)), kafka.pid)
        n = measured(nginx.pid, lambda: wrk(NGINX_PORT, str(lua)))
        expect_only(f"bridge round {round_number + 1}", b["statuses"], 202)
        expect_only(f"nginx round {round_number + 1}", n["statuses"], 204)
        rss = rss_kib(bridge.pid)
        results["rounds"].append({"bridge": b, "nginx": n, "ratio": b["requests_per_second"] / n["requests_per_second"],
                                  "cpu_ratio": b["cpu_us_per_request"] / n["cpu_us_per_request"],
                                  "rss_after_kib": rss, "open_fds": open_fds(bridge.pid)})
        print(f"round {round_number + 1}: bridge {b['requests_per_second']:.0f} req/s (p50 {b.get('p50_ms')} p99 {b.get('p99_ms')} "
              f"p99.9 {b.get('p99.9_ms')} ms, {b['cpu_us_per_request']:.0f} µs CPU/request (broker {b['broker_cpu_us_per_request']:.0f}), statuses {b['statuses']}, "
              f"socket errors {b['socket_errors']}), nginx {n['requests_per_second']:.0f} req/s (p99 {n.get('p99_ms')} ms, "
              f"{n['cpu_us_per_request']:.0f} µs CPU/request, statuses {n['statuses']}), "
              f"ratio {b['requests_per_second'] / n['requests_per_second']:.3f}, RSS {rss / 1024:.1f} MiB", flush=True)
    body = FIXTURES / "order.json"
    headers = webhook_headers(signature(body.read_bytes()))
    fixed_b = measured(bridge.pid, lambda: hey_fixed_rate(BRIDGE_PORT, str(body), headers), kafka.pid)
    fixed_n = measured(nginx.pid, lambda: hey_fixed_rate(NGINX_PORT, str(body), headers))
    expect_only("bridge at 2,000 req/s", fixed_b["statuses"], 202)
    expect_only("nginx at 2,000 req/s", fixed_n["statuses"], 204)
    results["fixed_rate"] = {"bridge": {k: v for k, v in fixed_b.items() if k != "latencies"},
                             "nginx": {k: v for k, v in fixed_n.items() if k != "latencies"}}
    print(f"fixed 2000 req/s: bridge p50 {fixed_b['p50_ms']:.2f} p99 {fixed_b['p99_ms']:.2f} p99.9 {fixed_b['p99.9_ms']:.2f} "
          f"max {fixed_b['max_ms']:.2f} ms (>50 ms: {fixed_b['over_50ms']}, statuses {fixed_b['statuses']}, "
          f"{fixed_b['cpu_us_per_request']:.0f} µs CPU/request, broker {fixed_b['broker_cpu_us_per_request']:.0f}); "
          f"nginx p50 {fixed_n['p50_ms']:.2f} p99 {fixed_n['p99_ms']:.2f} p99.9 {fixed_n['p99.9_ms']:.2f} max {fixed_n['max_ms']:.2f} ms "
          f"(statuses {fixed_n['statuses']}, {fixed_n['cpu_us_per_request']:.0f} µs CPU/request)",
          flush=True)
    time.sleep(0.5)
    accepted, rejected = metrics()
    records = kafka_end_offsets(bootstrap)
    results["kafka_check"] = {"bridge_202s": accepted, "bridge_non_202s": rejected, "records_in_kafka": records,
                              "equal": accepted == records}
    print(f"202s answered by the bridge: {accepted}; records in Kafka (end offsets): {records}; "
          f"{'EQUAL' if accepted == records else 'MISMATCH'}; non-202 answers: {rejected}", flush=True)
    time.sleep(1)
    results["idle_rss_after_kib"] = rss_kib(bridge.pid)
    results["open_fds_after"] = open_fds(bridge.pid)
    ratios = [r["ratio"] for r in results["rounds"]]
    results["summary"] = {
        "throughput_ratio_median": statistics.median(ratios),
        "saturated_cpu_us_per_request_bridge_median": statistics.median(r["bridge"]["cpu_us_per_request"] for r in results["rounds"]),
        "saturated_cpu_us_per_request_nginx_median": statistics.median(r["nginx"]["cpu_us_per_request"] for r in results["rounds"]),
        "fixed_rate_cpu_us_per_request_bridge": fixed_b["cpu_us_per_request"],
        "fixed_rate_cpu_us_per_request_nginx": fixed_n["cpu_us_per_request"],
        "fixed_rate_p99_ratio": fixed_b["p99_ms"] / fixed_n["p99_ms"],
        "fixed_rate_bridge_max_ms": fixed_b["max_ms"],
        "rss_mib_after_rounds": [round(r["rss_after_kib"] / 1024, 1) for r in results["rounds"]],
        "idle_rss_mib_before_and_after": [round(idle_rss / 1024, 1), round(results["idle_rss_after_kib"] / 1024, 1)],
    }
    print(json.dumps(results["summary"], indent=2))
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    plot(fixed_b["latencies"], fixed_n["latencies"], results)
    if accepted != records or rejected:
        sys.exit("Kafka does not hold exactly one record per 202, or the bridge answered something else")


def plot(bridge_latencies, nginx_latencies, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    percentiles = [50, 75, 90, 95, 99, 99.5, 99.9, 100]

    def values(latencies):
        return [latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] for p in percentiles]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    x = range(len(percentiles))
    left.plot(x, values(bridge_latencies), marker="o", label="bridge (202 after broker ack)")
    left.plot(x, values(nginx_latencies), marker="o", label="nginx (204)")
    left.set_xticks(list(x), [f"p{p}" if p < 100 else "max" for p in percentiles])
    left.set_yscale("log")
    left.set_ylabel("latency (ms, log scale)")
    left.set_title("Fixed rate: 2,000 req/s for 10 s (hey, 20 clients)")
    left.axhline(50, color="grey", linestyle="--", linewidth=0.8)
    left.legend()
    rounds = results["rounds"]
    width = 0.35
    xs = range(len(rounds))
    right.bar([i - width / 2 for i in xs], [r["bridge"]["requests_per_second"] for r in rounds], width, label="bridge")
    right.bar([i + width / 2 for i in xs], [r["nginx"]["requests_per_second"] for r in rounds], width, label="nginx")
    right.set_xticks(list(xs), [f"round {i + 1}\nratio {r['ratio']:.2f}" for i, r in enumerate(rounds)])
    right.set_ylabel("requests/s")
    right.set_title(f"Throughput: wrk, 2 threads, {CONNECTIONS} connections, {DURATION}")
    right.legend()
    fig.tight_layout()
    path = ROOT / "docs" / "benchmarks-latency.png"
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"plot: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
