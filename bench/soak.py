#!/usr/bin/python3
"""Sustained warm load on one fwd: does anything grow that should not? Not part of bench/run.sh.

Runs `wrk -c8` against a no-op action in rounds and prints, after each round: requests so far,
req/s of the round, and what fwd's tree holds: fwd's RSS and open fds, the number of function
and sandbox processes with the largest RSS among them, and the size of the data directory
(SQLite database + WAL) and the completion journal. Run as root after bench/run.sh has installed wrk:

    bench/soak.py [--build DIR] [--runtime python|nodejs] [--seconds S] [--round S]
                  [--fwd-arg=ARG ...]

What to look for: fwd's RSS and fds level off; a function instance's RSS levels off (docs/runtimes.md,
"How the shims set them"); the data directory levels off at the retention bound
(docs/operating.md, "Retention"); the completion journal holds a segment or two (docs/architecture.md,
"Durability").
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
    except (OSError, StopIteration):
        return 0


def tree(fwd):
    """What fwd's process tree holds right now."""
    out = {"fwd RSS kB": rss_kb(fwd.proc.pid), "fwd fds": len(os.listdir(f"/proc/{fwd.proc.pid}/fd"))}
    kids = {}
    for pid, comm in h.descendants(fwd.proc.pid):
        kids.setdefault(comm, []).append(rss_kb(pid))
    for comm, sizes in sorted(kids.items()):
        out[comm] = f"{len(sizes)} (max {max(sizes)} kB)"
    data = os.path.join(fwd.dir, "data")
    size = sum(os.path.getsize(os.path.join(data, n)) for n in os.listdir(data)
               if os.path.isfile(os.path.join(data, n)))
    out["data MB"] = round(size / 1e6, 1)
    # The completion journal: a few segments at most while the store keeps up.
    journal = os.path.join(data, "journal")
    segs = [os.path.join(journal, n) for n in os.listdir(journal)] if os.path.isdir(journal) else []
    out["journal"] = f"{len(segs)} segment(s), {round(sum(os.path.getsize(p) for p in segs) / 1e6, 1)} MB"
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(h.REPO, "build"))
    ap.add_argument("--runtime", choices=("python", "nodejs"), default="python")
    ap.add_argument("--seconds", type=int, default=200)
    ap.add_argument("--round", type=int, default=20, help="seconds per wrk run")
    ap.add_argument("--fwd-arg", action="append", default=[])
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: run bench/run.sh once (it installs wrk)")
    work = tempfile.mkdtemp(prefix="fwsoak-")
    cgroup = "fwbench-soak"
    fwd = h.Fwd("soak", args.build, work, cgroup, ["--prewarm", h.DEFAULT_PREWARM] + args.fwd_arg, "warn")
    try:
        fwd.start()
        kind, code = ("python:3", h.PY_NOOP) if args.runtime == "python" else ("nodejs:20", h.JS_NOOP)
        fwd.put_action("noop", kind, code)
        h.check_noop(fwd.client(), fwd.invoke_path("noop"), "soak")
        url = fwd.url + fwd.invoke_path("noop")
        h.log(f"0 requests: {tree(fwd)}")
        total = 0
        for _ in range(max(1, args.seconds // args.round)):
            r = h.wrk(url, 8, args.round, fwd.auth)
            total += r["requests"]
            h.log(f"{total} requests, {round(r['rps'])} req/s, errors {r['errors']}: {tree(fwd)}")
    finally:
        if fwd.proc:
            fwd.stop()
        shutil.rmtree(work, ignore_errors=True)
        for ctl in os.listdir("/sys/fs/cgroup"):
            path = os.path.join("/sys/fs/cgroup", ctl, cgroup)
            if os.path.isdir(path):
                try:
                    os.rmdir(path)
                except OSError:
                    pass


if __name__ == "__main__":
    main()
