#!/usr/bin/python3
"""Where a warm no-op invoke spends its time in fwd: the evidence behind the "warm path" section
of docs/performance.md. Not part of bench/run.sh (tracing perturbs the timings it would report).
Run it as root on a quiet machine, after bench/run.sh has installed wrk:

    bench/profile.py [--build DIR] [--seconds S]

1. CPU per request by thread and process (schedstat), wrk -c1, untraced.
2. Syscalls per request by thread (strace -f -c): what the io and store threads do per invoke.
3. perf record of fwd during wrk -c1: on-CPU samples by thread and library.
4. Storage: the same fwd with its data directory on ext4 (/tmp) and on tmpfs (/dev/shm),
   interleaved, 3 rounds: how much of the latency is SQLite's writes and WAL checkpoints.
5. The usage round trip to a live fw-sandbox supervisor (usage_rtt.py).
6. Retention: 100 s of wrk -c8 with a probe invoke every 10 ms on its own connection, with the
   default retention (at most 100000 records per namespace, pruned every 60 s) and with
   --activation-retention-count 0; the probe's slow answers show the store stalls.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def start(label, snap, work, data_root=None):
    f = h.Fwd(label, snap, work, "fwbench-" + label, [], "warn")
    if data_root:
        f.dir = os.path.join(data_root, label)
    f.start()
    f.put_action("noop", "python:3", h.PY_NOOP)
    h.check_noop(f.client(), f.invoke_path("noop"), label)
    return f


def url(f):
    return f.url + f.invoke_path("noop")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(h.REPO, "build"))
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--skip-retention", action="store_true", help="skip step 6 (3.5 minutes)")
    args = ap.parse_args()
    if not shutil.which("perf"):
        print("perf not found (apt-get install linux-perf): step 3 is skipped")
    work = tempfile.mkdtemp(prefix="fwprofile-")
    snap = os.path.join(work, "build")
    os.makedirs(os.path.join(snap, "fwd"))
    os.makedirs(os.path.join(snap, "sandbox"))
    shutil.copy2(os.path.join(args.build, "fwd", "fwd"), os.path.join(snap, "fwd", "fwd"))
    shutil.copy2(os.path.join(args.build, "sandbox", "fw-sandbox"), os.path.join(snap, "sandbox", "fw-sandbox"))
    shutil.copytree(os.path.join(args.build, "runtimes"), os.path.join(snap, "runtimes"))
    shm = tempfile.mkdtemp(prefix="fwprofile-", dir="/dev/shm")
    started = []
    try:
        disk = start("disk", snap, work)
        started.append(disk)
        h.wrk(url(disk), 1, 2, disk.auth)

        print("\n1. CPU per request (µs), wrk -t1 -c1, untraced")
        a = h.cpu_by_part(disk.proc.pid, h.THREAD_LABELS["fwd"])
        r = h.wrk(url(disk), 1, args.seconds, disk.auth)
        b = h.cpu_by_part(disk.proc.pid, h.THREAD_LABELS["fwd"])
        cpu = h.cpu_per_request(a, b, r["requests"])
        print(f"   {r['requests']} requests, p50 {r['p50_us']} µs, p99 {r['p99_us']} µs; "
              + ", ".join(f"{k} {v:.0f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 0.5)
              )

        print("\n2. syscalls per request by thread (strace -f -c; strace slows fwd several-fold)")
        out = os.path.join(work, "strace.txt")
        tracer = subprocess.Popen(["strace", "-f", "-c", "-S", "calls", "-o", out, "-p", str(disk.proc.pid)],
                                  stderr=subprocess.DEVNULL)
        time.sleep(1)
        r = h.wrk(url(disk), 1, args.seconds, disk.auth)
        tracer.send_signal(2)
        tracer.wait()
        n = r["requests"]
        for line in open(out):
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
            if m and int(m.group(1)) >= n / 2:
                print(f"   {m.group(2):14} {int(m.group(1)) / n:5.1f} per request")

        if shutil.which("perf"):
            print(f"\n3. perf record -F 2000 -g of fwd during wrk -c1 ({args.seconds} s): on-CPU samples by thread (pid column: thread id) and library")
            data = os.path.join(work, "perf.data")
            rec = subprocess.Popen(["perf", "record", "-F", "2000", "-g", "-o", data, "-p", str(disk.proc.pid)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            h.wrk(url(disk), 1, args.seconds, disk.auth)
            rec.send_signal(2)
            rec.wait()
            rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "pid,dso", "--stdio",
                                  "-g", "none", "--percent-limit", "1.5"], capture_output=True, text=True).stdout
            for line in rep.splitlines():
                if line.strip() and not line.startswith("#"):
                    print("   " + line.strip())
            rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "sym", "--stdio",
                                  "-g", "none", "--percent-limit", "0.8"], capture_output=True, text=True).stdout
            print("   top symbols:")
            for line in rep.splitlines():
                if line.strip() and not line.startswith("#"):
                    print("   " + line.strip()[:150])
            print(f"   (perf.data kept in {data})")

        print("\n4. data directory on ext4 (/tmp) vs tmpfs (/dev/shm), interleaved, wrk -c1")
        mem = start("tmpfs", snap, work, data_root=shm)
        started.append(mem)
        h.wrk(url(mem), 1, 2, mem.auth)
        for conc in (1, 8):
            for rnd in range(3):
                for f in ((disk, mem) if rnd % 2 == 0 else (mem, disk)):
                    h.wrk(url(f), conc, 1, f.auth)
                    r = h.wrk(url(f), conc, args.seconds, f.auth)
                    print(f"   c={conc} round {rnd + 1} {f.label:5}: p50 {r['p50_us']:6} µs  p90 {r['p90_us']:6} µs"
                          f"  p99 {r['p99_us']:6} µs  {r['rps']:6.0f} req/s")
    finally:
        for f in started:
            f.stop()
        for label in ("disk", "tmpfs"):
            for hier in os.listdir("/sys/fs/cgroup"):
                try:
                    os.rmdir(os.path.join("/sys/fs/cgroup", hier, "fwbench-" + label))
                except OSError:
                    pass
        shutil.rmtree(shm, ignore_errors=True)

    print("\n5. usage round trip to a fw-sandbox supervisor")
    subprocess.run([sys.executable, os.path.join(h.HERE, "usage_rtt.py"), snap, "3000"])

    if not args.skip_retention:
        print("\n6. retention pruning under load: wrk -t2 -c8 for 100 s + a probe every 10 ms")
        for label, extra in (("default", []), ("nocount", ["--activation-retention-count", "0"])):
            f = h.Fwd("ret-" + label, snap, work, "fwbench-ret", extra, "warn")
            f.start()
            try:
                f.put_action("noop", "nodejs:20", h.JS_NOOP)
                env = h.clean_env({"FWB_AUTH": f.auth})
                w = subprocess.Popen(["wrk", "-t2", "-c8", "-d100s", "--timeout", "10s", "-s", h.WRK_LUA, url(f)],
                                     stdout=subprocess.PIPE, text=True, env=env)
                c = f.client()
                c.connect()
                t0 = time.monotonic()
                slow, n = [], 0
                while time.monotonic() - t0 < 99:
                    a = time.perf_counter()
                    c.request("POST", f.invoke_path("noop"), {})
                    b = time.perf_counter()
                    n += 1
                    if b - a > 0.1:
                        slow.append(f"{a - t0:.0f}s: {(b - a) * 1000:.0f} ms")
                    time.sleep(0.01)
                out = w.communicate()[0]
                r = json.loads(re.search(r"^FWBENCH (\{.*\})$", out, re.M).group(1))
                print(f"   {' '.join(extra) or 'default retention':40} wrk {r['requests'] / 100:.0f} req/s, p50 {r['p50_us']} µs,"
                      f" p99 {r['p99_us']} µs, max {r['max_us']} µs; probe answers over 100 ms: {slow or 'none'} of {n}")
            finally:
                f.stop()
                for hier in os.listdir("/sys/fs/cgroup"):
                    try:
                        os.rmdir(os.path.join("/sys/fs/cgroup", hier, "fwbench-ret"))
                    except OSError:
                        pass

    print(f"\nwork dir {work}")


if __name__ == "__main__":
    main()
