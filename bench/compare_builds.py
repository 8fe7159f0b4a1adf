#!/usr/bin/python3
"""Two builds of fwd side by side: warm no-op invokes over HTTP keep-alive (wrk), the two daemons
running at once and measured alternately (A/B, B/A, ...), the order flipped every round. Prints
per round and the median over rounds: throughput, p50, p99, and CPU per request by part (the io
thread, the other fwd threads, the sandbox supervisors, the functions). The before/after tables
in docs/performance.md come from it. Run as root after building both trees:

    bench/compare_builds.py BASE_BUILD NEW_BUILD [--rounds R] [--duration S] [--concurrency C]
                            [--fwd-arg=ARG ...] [--base-arg=ARG ...] [--new-arg=ARG ...]

A build directory is one with fwd/fwd, sandbox/fw-sandbox and runtimes/ (a CMake build tree). Each
is copied first, so rebuilding during the run changes nothing.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def snapshot(build, into):
    os.makedirs(os.path.join(into, "fwd"))
    os.makedirs(os.path.join(into, "sandbox"))
    shutil.copy2(os.path.join(build, "fwd", "fwd"), os.path.join(into, "fwd"))
    shutil.copy2(os.path.join(build, "sandbox", "fw-sandbox"), os.path.join(into, "sandbox"))
    shutil.copytree(os.path.join(build, "runtimes"), os.path.join(into, "runtimes"))
    return into


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=6, help="measured seconds per wrk run")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--fwd-arg", action="append", default=[], metavar="ARG",
                    help="extra fwd argument for both daemons (repeat), e.g. --fwd-arg=--activation-retention-count=20000")
    ap.add_argument("--base-arg", action="append", default=[], metavar="ARG",
                    help="extra fwd argument for the base daemon only (repeat): with the same build "
                         "twice, compares two settings")
    ap.add_argument("--new-arg", action="append", default=[], metavar="ARG",
                    help="extra fwd argument for the new daemon only (repeat)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fw-compare-")
    fwds = {}
    try:
        for label, build in (("base", args.base), ("new", args.new)):
            snap = snapshot(os.path.abspath(build), os.path.join(work, label + "-build"))
            own = args.base_arg if label == "base" else args.new_arg
            f = h.Fwd(label, snap, work, "fwcmp-" + label, args.fwd_arg + own, "warn").start()
            for rt, (kind, code, _) in h.RUNTIMES.items():
                f.put_action(f"noop_{rt}", kind, code)
                h.check_noop(f.client(), f.invoke_path(f"noop_{rt}"), label)
            fwds[label] = f
        rows = {}
        for rnd in range(args.rounds):
            order = ["base", "new"] if rnd % 2 == 0 else ["new", "base"]
            for rt in h.RUNTIMES:
                for label in order:
                    f = fwds[label]
                    url = f.url + f.invoke_path(f"noop_{rt}")
                    h.idle_gate(10, 30)
                    h.wrk(url, args.concurrency, args.warmup, f.auth)
                    pa = h.cpu_by_part(f.proc.pid, h.THREAD_LABELS["fwd"])
                    r = h.wrk(url, args.concurrency, args.duration, f.auth)
                    pb = h.cpu_by_part(f.proc.pid, h.THREAD_LABELS["fwd"])
                    cpu = h.cpu_per_request(pa, pb, r["requests"])
                    fwd_cpu = sum(v for k, v in cpu.items() if k.startswith("fwd"))
                    rows.setdefault((rt, label), []).append((r, cpu, fwd_cpu))
                    parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 1)
                    h.log(f"round {rnd + 1} {rt:7} {label:4}: {r['rps']:7.0f} req/s  p50 {h.fmt_ms(r['p50_us'])} ms"
                          f"  p99 {h.fmt_ms(r['p99_us'])} ms  errors {r['errors']}  CPU us/req: {parts}")
        h.log(f"\nmedian over {args.rounds} rounds, c={args.concurrency}; ratio = new/base per round, then the median")
        h.log(f"{'action':8} {'build':5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'fwd CPU us/req':>15}")
        for rt in h.RUNTIMES:
            for label in ("base", "new"):
                rs = rows[(rt, label)]
                h.log(f"{rt:8} {label:5} {h.med([r['rps'] for r, _, _ in rs]):8.0f}"
                      f" {h.fmt_ms(h.med([r['p50_us'] for r, _, _ in rs])):>8}"
                      f" {h.fmt_ms(h.med([r['p99_us'] for r, _, _ in rs])):>8}"
                      f" {h.med([c for _, _, c in rs]):15.0f}")
            ratios = [n[0]["rps"] / b[0]["rps"] for b, n in zip(rows[(rt, "base")], rows[(rt, "new")])]
            cpu = [n[2] / b[2] for b, n in zip(rows[(rt, "base")], rows[(rt, "new")]) if b[2]]
            h.log(f"{rt:8} throughput new/base {h.fmt_x(h.med(ratios))} [{h.fmt_x(min(ratios))}-{h.fmt_x(max(ratios))}],"
                  f" fwd CPU per request new/base {h.fmt_x(h.med(cpu))}")
    finally:
        for f in fwds.values():
            f.stop()
        # The daemons remove their instance cgroups; the (empty) parents they made go here.
        for f in fwds.values():
            for hier in os.listdir("/sys/fs/cgroup") if os.path.isdir("/sys/fs/cgroup") else []:
                try:
                    os.rmdir(os.path.join("/sys/fs/cgroup", hier, f.cgroup_parent))
                except OSError:
                    pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
