#!/usr/bin/python3
"""Firework performance harness (issue 4, "Performance"). Run it through bench/run.sh, which
installs wrk and serverless-offline first and gives it a clean environment. bench/README.md says
what each part measures; docs/performance.md records results.

Parts, all in one run on this machine:
  a  warm blocking invokes of a no-op Python and Node.js action over HTTP keep-alive (wrk),
     concurrency 1 and 8: latency p50/p99 and throughput
  b  first invocation of a new action, with and without prewarm
  c  a burst of concurrent first invocations of one new action: time until all complete and
     instances created
  d  the same handlers under serverless-offline 13 (Serverless Framework v3): rows next to a, b, c,
     interleaved with the fwd runs so that noise hits both
Standard library only.
"""
import argparse
import base64
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WRK_LUA = os.path.join(HERE, "wrk.lua")
SLS_BIN = os.path.join(HERE, "node_modules", "serverless", "bin", "serverless.js")
HANDLERS = os.path.join(HERE, "handlers")
DEFAULT_PREWARM = "python:3:256=2,nodejs:20:256=2"

PY_NOOP = "def main(args):\n    return {}\n"
JS_NOOP = "function main(args) {\n  return {};\n}\n"
RUNTIMES = {  # runtime -> (fwd kind, fwd code, serverless-offline function prefix)
    "python": ("python:3", PY_NOOP, "python"),
    "nodejs": ("nodejs:20", JS_NOOP, "node"),
}


def log(msg=""):
    print(msg, flush=True)


# ----------------------------------------------------------------------------- statistics

def pct(values, p):
    """Percentile with linear interpolation between closest ranks (p in 0..100)."""
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def med(values):
    return pct(values, 50)


def fmt_ms(us):
    if us is None:
        return "-"
    ms = us / 1000.0
    return f"{ms:.3f}" if ms < 10 else (f"{ms:.2f}" if ms < 100 else f"{ms:.1f}")


def fmt_x(x):
    return "-" if x is None else f"{x:.2f}x"


# ----------------------------------------------------------------------------- machine noise

def cpu_times():
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    return [int(x) for x in parts]


def cpu_delta(a, b):
    """busy % and steal % of all CPUs between two cpu_times() samples."""
    d = [y - x for x, y in zip(a, b)]
    total = sum(d[:8]) or 1  # user nice system idle iowait irq softirq steal
    idle = d[3] + d[4]
    steal = d[7] if len(d) > 7 else 0
    return 100.0 * (total - idle) / total, 100.0 * steal / total


def idle_gate(max_wait, threshold):
    """Wait until the machine is quiet (CPU busy below threshold % over 0.5 s, twice in a row),
    at most max_wait seconds. Returns the last busy % seen (others share this machine)."""
    deadline = time.monotonic() + max_wait
    quiet = 0
    busy = 0.0
    while True:
        a = cpu_times()
        time.sleep(0.5)
        busy, _ = cpu_delta(a, cpu_times())
        quiet = quiet + 1 if busy < threshold else 0
        if quiet >= 2 or time.monotonic() > deadline:
            return busy


def _schedstat_ns(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


THREAD_LABELS = {"fwd": ("fwd io thread", "fwd store thread"),
                 "sls": ("node main thread", "node other threads")}


def children_by_parent():
    """{parent pid: [(pid, command name), ...]} for every process now running."""
    kids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append((int(pid), comm))
    return kids


def descendants(root):
    """[(pid, command name), ...] of every process below `root`."""
    kids, out, stack = children_by_parent(), [], [root]
    while stack:
        for pid, comm in kids.get(stack.pop(), []):
            out.append((pid, comm))
            stack.append(pid)
    return out


def cpu_by_part(root, labels=("main thread", "other threads")):
    """On-CPU nanoseconds (schedstat) of a process tree, by part: the root's main thread, its other
    threads, and each descendant grouped by command name. For fwd: "main thread" is the io thread
    (HTTP, controller, invoker), "other threads" the SQLite store thread, "fw-sandbox" the sandbox
    supervisors and inits, "python3"/"node" the functions."""
    kids = children_by_parent()
    out = {}
    for tid in os.listdir(f"/proc/{root}/task") if os.path.isdir(f"/proc/{root}/task") else []:
        key = labels[0] if int(tid) == root else labels[1]
        out[key] = out.get(key, 0) + _schedstat_ns(f"/proc/{root}/task/{tid}/schedstat")
    stack = list(kids.get(root, []))
    while stack:
        pid, comm = stack.pop()
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        out[comm] = out.get(comm, 0) + sum(_schedstat_ns(f"/proc/{pid}/task/{t}/schedstat") for t in tids)
        stack.extend(kids.get(pid, []))
    return out


def cpu_per_request(before, after, requests):
    """µs of CPU per request by part (processes that started in between count from zero)."""
    return {k: round((after[k] - before.get(k, 0)) / 1e3 / max(requests, 1), 1) for k in after}


# ----------------------------------------------------------------------------- processes

def clean_env(extra=None):
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"}
    for k in ("HOME", "TMPDIR"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra or {})
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    """Tiny blocking HTTP client: one keep-alive connection per object."""

    def __init__(self, host, port, auth=None, timeout=120):
        self.host, self.port, self.timeout = host, port, timeout
        self.auth = auth
        self.conn = None

    def connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self, method, path, body=None, retry=True):
        if self.conn is None:
            self.connect()
        headers = {"Accept": "application/json"}
        if self.auth:
            headers["Authorization"] = "Basic " + self.auth
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                payload = r.read()
                break
            except (http.client.HTTPException, OSError):
                # A kept-alive connection the server closed while idle: reconnect once. Timed
                # requests use a fresh connection, so a retry never lands inside a measurement.
                self.close()
                if attempt == 2 or not retry:
                    raise
                self.connect()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, payload

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Fwd:
    def __init__(self, label, build, workdir, cgroup_parent, extra_args, log_level):
        self.label = label
        self.binary = os.path.join(build, "fwd", "fwd")
        self.dir = os.path.join(workdir, label)
        self.cgroup_parent = cgroup_parent
        self.extra = list(extra_args)
        self.log_level = log_level
        self.proc = None
        self.url = None

    def start(self):
        data = os.path.join(self.dir, "data")
        os.makedirs(data, exist_ok=True)
        self.errlog = open(os.path.join(self.dir, "fwd.stderr"), "w")
        self.cmd = [self.binary, "standalone", "--listen", "127.0.0.1:0", "--data-dir", data,
                    "--wskprops", os.path.join(data, "wskprops"), "--cgroup-parent", self.cgroup_parent,
                    "--log-level", self.log_level] + self.extra
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.errlog,
                                     env=clean_env(), text=True)
        found = {}

        def reader():
            for line in self.proc.stdout:
                m = re.match(r"fwd ready on (http://\S+)", line)
                if m and "url" not in found:
                    found["url"] = m.group(1)
            found.setdefault("eof", True)

        threading.Thread(target=reader, daemon=True).start()
        deadline = time.monotonic() + 60
        while "url" not in found:
            if "eof" in found or self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.label}: fwd did not become ready; see {self.errlog.name}")
            time.sleep(0.02)
        self.url = found["url"]
        m = re.match(r"http://([^:/]+):(\d+)", self.url)
        self.host, self.port = m.group(1), int(m.group(2))
        props = open(os.path.join(data, "wskprops")).read()
        key = re.search(r"^AUTH=(.*)$", props, re.M).group(1).strip()
        self.auth = base64.b64encode(key.encode()).decode()
        self.http = Http(self.host, self.port, self.auth)
        self.lift_quotas(data)
        return self

    def lift_quotas(self, data):
        """A benchmark is not a tenant: per-namespace quotas (issue 4; defaults 120 invocations a
        minute, 100 concurrent) would answer 429 within the first second. Builds without quotas
        have no `admin namespace limits`; nothing to lift there."""
        self.quotas = "none in this build"
        probe = subprocess.run([self.binary, "admin", "namespace", "limits", "--help"],
                               capture_output=True, text=True, env=clean_env())
        if probe.returncode != 0 or "--per-minute" not in probe.stdout:
            return
        cmd = [self.binary, "admin", "namespace", "limits", "guest", "--data-dir", data,
               "--per-minute", "0", "--concurrent", "0"]
        done = subprocess.run(cmd, capture_output=True, text=True, env=clean_env())
        if done.returncode != 0:
            raise RuntimeError(f"{self.label}: {' '.join(cmd)}: {done.stderr.strip()}")
        st, _, body = self.http.request("GET", "/api/v1/namespaces/_/limits")
        lim = json.loads(body) if st == 200 else {}
        if lim.get("invocationsPerMinute") != 0 or lim.get("concurrentInvocations") != 0:
            raise RuntimeError(f"{self.label}: quotas still in force after lifting them: {st} {body[:300]!r}")
        self.quotas = "lifted (per-minute 0, concurrent 0: unlimited)"

    def client(self):
        return Http(self.host, self.port, self.auth)

    def put_action(self, name, kind, code):
        st, _, body = self.http.request("PUT", f"/api/v1/namespaces/_/actions/{name}?overwrite=true",
                                        {"exec": {"kind": kind, "code": code}})
        if st != 200:
            raise RuntimeError(f"{self.label}: PUT action {name}: {st} {body[:200]!r}")

    def delete_action(self, name):
        self.http.request("DELETE", f"/api/v1/namespaces/_/actions/{name}")

    def invoke_path(self, name):
        return f"/api/v1/namespaces/_/actions/{name}?blocking=true&result=true"

    def record(self, activation_id):
        for _ in range(50):
            st, _, body = self.http.request("GET", f"/api/v1/namespaces/_/activations/{activation_id}")
            if st == 200:
                return json.loads(body)
            time.sleep(0.1)
        return None

    def instances(self):
        """GET /api/v1/namespaces/_/instances, or None when this build has no such endpoint."""
        try:
            st, _, body = self.client_for_instances().request("GET", "/api/v1/namespaces/_/instances")
        except OSError:
            return None
        if st != 200:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def client_for_instances(self):
        if not hasattr(self, "_ihttp"):
            self._ihttp = Http(self.host, self.port, self.auth, timeout=10)
        return self._ihttp

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)  # second signal forces
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def annotation(record, key):
    for a in record.get("annotations", []):
        if a.get("key") == key:
            return a.get("value")
    return None


class Sls:
    """serverless-offline 13 under Serverless Framework v3, serving bench/handlers."""

    def __init__(self, workdir, first_n):
        self.dir = os.path.join(workdir, "sls")
        self.first_n = first_n
        self.proc = None

    def write_service(self):
        os.makedirs(self.dir, exist_ok=True)
        for f in ("handler.js", "handler_py.py"):
            shutil.copy(os.path.join(HANDLERS, f), self.dir)
        # Plugins resolve from the service directory; point it at bench/node_modules.
        link = os.path.join(self.dir, "node_modules")
        if not os.path.exists(link):
            os.symlink(os.path.join(HERE, "node_modules"), link)
        base = open(os.path.join(HANDLERS, "serverless.yml")).read()
        # Extra functions for parts b and c: each must be new (never invoked) when it is measured.
        extra = []
        names = [f"first{p}{i}" for i in range(self.first_n) for p in ("node", "python")]
        names += ["burstnode", "burstpython"]
        for n in names:
            if "python" in n:
                extra.append(f"  {n}:\n    handler: handler_py.noop\n    runtime: python3.11\n"
                             f"    events:\n      - http: {{ path: {n}, method: post }}\n")
            else:
                extra.append(f"  {n}:\n    handler: handler.noop\n"
                             f"    events:\n      - http: {{ path: {n}, method: post }}\n")
        with open(os.path.join(self.dir, "serverless.yml"), "w") as f:
            f.write(base.rstrip("\n") + "\n" + "".join(extra))

    def start(self):
        self.write_service()
        self.port = free_port()
        lambda_port = free_port()
        ws_port = free_port()
        self.logpath = os.path.join(self.dir, "offline.log")
        logf = open(self.logpath, "w")
        env = clean_env({"SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
                         "SLS_DEPRECATION_DISABLE": "*", "SLS_INTERACTIVE_SETUP_DISABLE": "1",
                         "HOME": self.dir})
        self.cmd = ["/usr/bin/node", SLS_BIN, "offline", "start", "--host", "127.0.0.1",
                    "--httpPort", str(self.port), "--lambdaPort", str(lambda_port),
                    "--websocketPort", str(ws_port), "--noPrependStageInUrl"]
        self.proc = subprocess.Popen(self.cmd, cwd=self.dir, stdout=logf, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            if "Server ready" in open(self.logpath, errors="replace").read():
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serverless-offline did not start; see {self.logpath}")
            time.sleep(0.1)
        self.host = "127.0.0.1"
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def client(self):
        return Http(self.host, self.port)

    def invoke_path(self, name):
        return "/" + name

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own process group: node and python children
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


# ----------------------------------------------------------------------------- part a / d: wrk

def wrk(url, conc, seconds, auth=None, method="POST"):
    env = clean_env({"FWB_METHOD": method})
    if auth:
        env["FWB_AUTH"] = auth
    cmd = ["wrk", f"-t{min(conc, 2)}", f"-c{conc}", f"-d{seconds}s", "--timeout", "10s",
           "-s", WRK_LUA, url]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
    m = re.search(r"^FWBENCH (\{.*\})$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk gave no summary: {out.stdout} {out.stderr}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def check_noop(client, path, auth_note):
    st, _, body = client.request("POST", path, {})
    client.close()
    if st != 200 or json.loads(body) != {}:
        raise RuntimeError(f"{auth_note} {path}: expected 200 {{}}, got {st} {body[:200]!r}")


def part_a(args, fwd, sls, results):
    log("\n== (a)+(d) warm no-op invokes over HTTP keep-alive (wrk) ==")
    log(f"   {args.rounds} round(s); each run: {args.warmup}s warm-up (discarded) then {args.duration}s measured;"
        " fwd and serverless-offline alternate, order flipped every round")
    targets = {}
    for rt, (kind, code, sls_prefix) in RUNTIMES.items():
        name = f"noop_{rt}"
        fwd.put_action(name, kind, code)
        targets[("fwd", rt)] = (fwd.url + fwd.invoke_path(name), fwd.auth, "POST")
        check_noop(fwd.client(), fwd.invoke_path(name), "fwd")
        if sls:
            targets[("sls", rt)] = (sls.url + f"/noop{sls_prefix}", None, "POST")
            check_noop(sls.client(), f"/noop{sls_prefix}", "serverless-offline")
    # Diagnostic floors on fwd, concurrency 1: the HTTP server alone, and auth + controller
    # without an invocation. They split the warm invoke's time; no serverless-offline peer.
    diag = {}
    if not args.no_diag:
        diag[("fwd", "GET /api/v1")] = (fwd.url + "/api/v1", None, "GET")
        diag[("fwd", "GET action")] = (fwd.url + "/api/v1/namespaces/_/actions/noop_python?code=false",
                                       fwd.auth, "GET")
    runs = results.setdefault("warm_runs", [])
    systems = ["fwd", "sls"] if sls else ["fwd"]
    for rnd in range(args.rounds):
        order = systems if rnd % 2 == 0 else list(reversed(systems))
        for conc in args.concurrency:
            for rt in RUNTIMES:
                for sysname in order:
                    url, auth, method = targets[(sysname, rt)]
                    root = fwd.proc.pid if sysname == "fwd" else sls.proc.pid
                    runs.append(one_wrk_run(args, rnd, sysname, rt, conc, url, auth, method, root))
        if diag:
            for (sysname, what), (url, auth, method) in diag.items():
                runs.append(one_wrk_run(args, rnd, sysname, what, 1, url, auth, method, fwd.proc.pid))
    summarize_a(args, runs, results, bool(sls))


def one_wrk_run(args, rnd, sysname, rt, conc, url, auth, method, root_pid):
    pre_busy = idle_gate(args.idle_wait, args.idle_threshold)
    wrk(url, conc, args.warmup, auth, method)
    a = cpu_times()
    pa = cpu_by_part(root_pid, THREAD_LABELS[sysname])
    r = wrk(url, conc, args.duration, auth, method)
    pb = cpu_by_part(root_pid, THREAD_LABELS[sysname])
    busy, steal = cpu_delta(a, cpu_times())
    r["cpu_us_per_request"] = cpu_per_request(pa, pb, r["requests"])
    r.update({"round": rnd + 1, "system": sysname, "runtime": rt, "concurrency": conc,
              "pre_busy_pct": round(pre_busy, 1), "busy_pct": round(busy, 1),
              "steal_pct": round(steal, 2)})
    log(f"   round {rnd + 1} {sysname:4} {rt:12} c={conc}: p50 {fmt_ms(r['p50_us'])} ms"
        f"  p99 {fmt_ms(r['p99_us'])} ms  {r['rps']:8.0f} req/s  errors {r['errors']}"
        f"  (idle-gate busy {pre_busy:.0f}%, steal {steal:.1f}%)"
        + ("  <- ERRORS: this run is not valid" if r["errors"] else ""))
    return r


def summarize_a(args, runs, results, have_sls):
    rows = []
    keys = []
    for r in runs:
        k = (r["system"], r["runtime"], r["concurrency"])
        if k not in keys:
            keys.append(k)
    log("\n   summary: median over rounds [min-max] (latency in ms)")
    log(f"   {'system':5} {'action':12} {'c':>2} {'p50':>18} {'p99':>22} {'req/s':>22} {'errors':>6}")
    for k in keys:
        rs = [r for r in runs if (r["system"], r["runtime"], r["concurrency"]) == k]
        row = {"system": k[0], "runtime": k[1], "concurrency": k[2], "rounds": len(rs)}
        for f in ("p50_us", "p99_us", "rps"):
            vals = [r[f] for r in rs]
            row[f] = med(vals)
            row[f + "_min"] = min(vals)
            row[f + "_max"] = max(vals)
        row["errors"] = sum(r["errors"] for r in rs)
        rows.append(row)
        log(f"   {k[0]:5} {k[1]:12} {k[2]:>2} "
            f"{fmt_ms(row['p50_us']):>7} [{fmt_ms(row['p50_us_min'])}-{fmt_ms(row['p50_us_max'])}]".ljust(30)
            + f" {fmt_ms(row['p99_us']):>7} [{fmt_ms(row['p99_us_min'])}-{fmt_ms(row['p99_us_max'])}]".ljust(24)
            + f" {row['rps']:7.0f} [{row['rps_min']:.0f}-{row['rps_max']:.0f}]".ljust(24)
            + f" {row['errors']:>6}")
    results["warm_summary"] = rows
    # Where the CPU goes, per request (median over rounds): which process or thread pays.
    log("\n   CPU time per request in µs (schedstat, median over rounds); fwd io thread = HTTP, controller and"
        " invoker; fwd store thread = SQLite; fw-sandbox = sandbox supervisors; python3/node = the functions")
    for row in rows:
        rs = [r for r in runs if (r["system"], r["runtime"], r["concurrency"]) == (row["system"], row["runtime"], row["concurrency"])]
        parts = {}
        for r in rs:
            for k, v in r["cpu_us_per_request"].items():
                parts.setdefault(k, []).append(v)
        cpu = {k: med(v) for k, v in parts.items() if med(v) >= 0.5}
        row["cpu_us_per_request"] = cpu
        total = sum(cpu.values())
        log(f"   {row['system']:5} {row['runtime']:12} c={row['concurrency']}: total {total:6.0f}  "
            + ", ".join(f"{k} {v:.0f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])))
    if not have_sls:
        return
    # Ratios paired per round (the two runs of a pair ran back to back), then the median.
    log("\n   fwd vs serverless-offline (paired per round, median over rounds [min-max]):")
    log(f"   {'action':8} {'c':>2} {'throughput fwd/sls':>26} {'p99 sls/fwd':>22} {'p50 sls/fwd':>22}")
    ratios = []
    for rt in RUNTIMES:
        for conc in args.concurrency:
            tput, p99, p50 = [], [], []
            for rnd in range(args.rounds):
                f = [r for r in runs if (r["system"], r["runtime"], r["concurrency"], r["round"]) == ("fwd", rt, conc, rnd + 1)]
                s = [r for r in runs if (r["system"], r["runtime"], r["concurrency"], r["round"]) == ("sls", rt, conc, rnd + 1)]
                if f and s:
                    tput.append(f[0]["rps"] / s[0]["rps"])
                    p99.append(s[0]["p99_us"] / f[0]["p99_us"])
                    p50.append(s[0]["p50_us"] / f[0]["p50_us"])
            row = {"runtime": rt, "concurrency": conc, "throughput_fwd_over_sls": med(tput),
                   "throughput_ratio_min": min(tput), "throughput_ratio_max": max(tput),
                   "p99_sls_over_fwd": med(p99), "p99_ratio_min": min(p99), "p99_ratio_max": max(p99),
                   "p50_sls_over_fwd": med(p50)}
            ratios.append(row)
            log(f"   {rt:8} {conc:>2} {fmt_x(row['throughput_fwd_over_sls']):>10} "
                f"[{fmt_x(min(tput))}-{fmt_x(max(tput))}]".ljust(38)
                + f" {fmt_x(row['p99_sls_over_fwd']):>7} [{fmt_x(min(p99))}-{fmt_x(max(p99))}]".ljust(24)
                + f" {fmt_x(row['p50_sls_over_fwd']):>7}")
    results["warm_ratios"] = ratios


# ----------------------------------------------------------------------------- part b: first invocation

def timed_invoke(client, path):
    """One blocking invoke on an already connected client: (latency µs, status, activation id)."""
    t0 = time.perf_counter()
    st, headers, body = client.request("POST", path, {}, retry=False)
    t1 = time.perf_counter()
    timed_invoke.server_timing = headers.get("server-timing")
    return (t1 - t0) * 1e6, st, headers.get("x-openwhisk-activation-id"), body


def part_b(args, fwds, sls, results):
    log("\n== (b) first invocation of a new action (client-side latency of the blocking invoke) ==")
    log(f"   {args.first} new actions per runtime and system, interleaved; {args.gap}s pause before each")
    systems = list(fwds.items()) + ([("serverless-offline", sls)] if sls else [])
    samples = []
    for i in range(args.first):
        for rt, (kind, code, sls_prefix) in RUNTIMES.items():
            order = systems[i % len(systems):] + systems[:i % len(systems)]
            for label, target in order:
                if isinstance(target, Fwd):
                    name = f"first_{rt}_{i}"
                    target.put_action(name, kind, code)
                else:
                    name = f"first{sls_prefix}{i}"
                c = target.client()
                c.connect()
                time.sleep(args.gap)
                us, st, aid, body = timed_invoke(c, target.invoke_path(name))
                c.close()
                s = {"system": label, "runtime": rt, "i": i, "latency_us": us, "status": st}
                if body is not None and st != 200:
                    s["body"] = body[:300].decode(errors="replace")
                if timed_invoke.server_timing:
                    s["serverTiming"] = timed_invoke.server_timing
                if isinstance(target, Fwd) and aid:
                    rec = target.record(aid)
                    if rec:
                        s.update({"startKind": annotation(rec, "startKind"),
                                  "initTime_ms": annotation(rec, "initTime"),
                                  "waitTime_ms": annotation(rec, "waitTime"),
                                  "duration_ms": rec.get("duration")})
                    target.delete_action(name)  # retires the instance: the pool stays small
                samples.append(s)
    results["first_samples"] = samples
    rows = []
    log(f"\n   {'system':22} {'action':7} {'n':>3} {'p50 ms':>8} {'p99 ms':>8} {'min':>7} {'max':>7}"
        f"  startKind counts; record initTime and waitTime p50")
    for label, _ in systems:
        for rt in RUNTIMES:
            ss = [s for s in samples if s["system"] == label and s["runtime"] == rt]
            lat = [s["latency_us"] for s in ss]
            kinds = {}
            for s in ss:
                kinds[s.get("startKind") or "?"] = kinds.get(s.get("startKind") or "?", 0) + 1
            inits = [s["initTime_ms"] for s in ss if s.get("initTime_ms") is not None]
            waits = [s["waitTime_ms"] for s in ss if s.get("waitTime_ms") is not None]
            row = {"system": label, "runtime": rt, "n": len(lat), "p50_us": med(lat), "p99_us": pct(lat, 99),
                   "min_us": min(lat), "max_us": max(lat), "startKinds": kinds,
                   "initTime_ms_p50": med(inits) if inits else None,
                   "waitTime_ms_p50": med(waits) if waits else None,
                   "non200": sum(1 for s in ss if s["status"] != 200)}
            # The prewarmed-only view: what a first invocation costs when it did get a stem cell.
            pw = [s["latency_us"] for s in ss if s.get("startKind") == "prewarmed"]
            if pw:
                row["prewarmed_p50_us"] = med(pw)
                row["prewarmed_p99_us"] = pct(pw, 99)
            rows.append(row)
            kind_txt = " ".join(f"{k}={v}" for k, v in sorted(kinds.items())) if label != "serverless-offline" else "-"
            log(f"   {label:22} {rt:7} {len(lat):>3} {fmt_ms(row['p50_us']):>8} {fmt_ms(row['p99_us']):>8}"
                f" {fmt_ms(row['min_us']):>7} {fmt_ms(row['max_us']):>7}  {kind_txt}"
                + (f"; initTime {row['initTime_ms_p50']:.0f} ms" if row["initTime_ms_p50"] is not None else "")
                + (f", waitTime {row['waitTime_ms_p50']:.0f} ms" if row["waitTime_ms_p50"] is not None else "")
                + (f"; prewarmed-only p50 {fmt_ms(row['prewarmed_p50_us'])} ms" if "prewarmed_p50_us" in row else "")
                + (f"; non-200: {row['non200']}" if row["non200"] else ""))
    if "fwd prewarm" not in fwds:
        log("   prewarm: not available in this build (fwd standalone --help has no --prewarm)")
    results["first_summary"] = rows


# ----------------------------------------------------------------------------- part c: burst

def burst(target, path, n, poll=None):
    """n concurrent first invokes, one connection each, released together. Returns timings."""
    clients = [target.client() for _ in range(n)]
    for c in clients:
        c.connect()
    barrier = threading.Barrier(n + 1)
    out = [None] * n

    def worker(i):
        barrier.wait()
        t0 = time.perf_counter()
        try:
            st, headers, _ = clients[i].request("POST", path, {}, retry=False)
            out[i] = (t0, time.perf_counter(), st, headers.get("x-openwhisk-activation-id"))
        except Exception as e:  # noqa: BLE001 - reported as a failed request
            out[i] = (t0, time.perf_counter(), f"error: {e}", None)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    stop = threading.Event()
    peak = {}
    poller = None
    if poll:
        def poll_loop():
            while not stop.is_set():
                snap = poll()
                if snap is None:
                    return
                for a in snap.get("actions", []):
                    total = sum(a.get(k, 0) for k in ("starting", "idle", "busy"))
                    name = a.get("action")
                    peak[name] = max(peak.get(name, 0), total)
                time.sleep(0.02)
        poller = threading.Thread(target=poll_loop, daemon=True)
        poller.start()
    barrier.wait()
    for t in threads:
        t.join()
    stop.set()
    if poller:
        poller.join(timeout=5)
    for c in clients:
        c.close()
    start = min(o[0] for o in out)
    return {"all_done_us": (max(o[1] for o in out) - start) * 1e6,
            "latencies_us": [(o[1] - o[0]) * 1e6 for o in out],
            "statuses": [o[2] for o in out], "ids": [o[3] for o in out], "peak_instances": peak}


def count_invoke_py():
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                # serverless-offline spawns through a shell: count the python3 processes only
                if os.path.basename(argv[0]).startswith(b"python") and any(a.endswith(b"invoke.py") for a in argv):
                    n += 1
            except OSError:
                pass
    return n


def part_c(args, fwds, sls, results):
    log(f"\n== (c) burst: {args.burst} concurrent first invocations of one new action ==")
    rows = []
    systems = list(fwds.items()) + ([("serverless-offline", sls)] if sls else [])
    for rt, (kind, code, sls_prefix) in RUNTIMES.items():
        for label, target in systems:
            idle_gate(args.idle_wait, args.idle_threshold)
            row = {"system": label, "runtime": rt, "n": args.burst}
            if isinstance(target, Fwd):
                name = f"burst_{rt}"
                target.put_action(name, kind, code)
                time.sleep(args.gap)
                have_instances = target.instances() is not None
                b = burst(target, target.invoke_path(name), args.burst, target.instances if have_instances else None)
                kinds = {}
                ids = [i for i in b["ids"] if i]
                for aid in ids:
                    rec = target.record(aid)
                    k = annotation(rec, "startKind") if rec else "?"
                    kinds[k] = kinds.get(k, 0) + 1
                row["startKinds"] = kinds
                row["distinct_activations"] = len(set(ids))
                row["instances_started"] = kinds.get("cold", 0) + kinds.get("prewarmed", 0)
                row["instances_endpoint_peak"] = b["peak_instances"].get(name) if have_instances else None
                row["instances_endpoint"] = have_instances
                if have_instances:
                    # scale back: wait a moment and look again (no keep-alive change here: report only)
                    snap = target.instances() or {}
                    row["instances_after"] = [a for a in snap.get("actions", []) if a.get("action") == name]
            else:
                name = f"burst{sls_prefix}"
                before = count_invoke_py()
                b = burst(target, target.invoke_path(name), args.burst)
                row["python_processes_started"] = count_invoke_py() - before if rt == "python" else None
            lat = b["latencies_us"]
            row.update({"all_done_us": b["all_done_us"], "p50_us": med(lat), "p99_us": pct(lat, 99),
                        "non200": sum(1 for s in b["statuses"] if s != 200)})
            rows.append(row)
            if isinstance(target, Fwd):
                kinds_txt = " ".join(f"{k}={v}" for k, v in sorted(row["startKinds"].items()))
                inst = (f"instances started {row['instances_started']} ({kinds_txt})"
                        + (f"; /instances peak {row['instances_endpoint_peak']}" if row["instances_endpoint"]
                           else "; /instances: not available in this build"))
            else:
                inst = (f"python3 processes started {row['python_processes_started']}" if rt == "python"
                        else "instances: not observable (worker threads)")
            log(f"   {label:22} {rt:7} all done {fmt_ms(row['all_done_us']):>8} ms; per request p50"
                f" {fmt_ms(row['p50_us'])} p99 {fmt_ms(row['p99_us'])} ms; {inst}"
                + (f"; non-200: {row['non200']}" if row["non200"] else ""))
    results["burst"] = rows


# ----------------------------------------------------------------------------- markdown

def markdown(results):
    """The run as Markdown tables, for docs/performance.md."""
    m = results["machine"]
    L = [f"Run of {m['date']}: `{results['command']}`", "",
         f"{m['cpus']} CPUs ({m['cpu']}), {m['memory']}, kernel {m['kernel']}; fwd from commit "
         f"{m['fwd_commit']}{' + uncommitted changes' if m['fwd_dirty'] else ''} (binary built {m['fwd_binary_mtime']}); "
         f"serverless {m['serverless']} + serverless-offline {m['serverless_offline']}, node {m['node']}, {m['python']}; "
         f"prewarm flag in this build: {'yes' if results['have_prewarm_flag'] else 'no'}.", ""]
    if results.get("warm_summary"):
        L += ["Warm no-op invokes, wrk over keep-alive; median over rounds [min-max]:", "",
              "| system | action | c | p50 ms | p99 ms | req/s | errors |", "|---|---|---|---|---|---|---|"]
        for r in results["warm_summary"]:
            L.append(f"| {r['system']} | {r['runtime']} | {r['concurrency']} | {fmt_ms(r['p50_us'])} "
                     f"[{fmt_ms(r['p50_us_min'])}-{fmt_ms(r['p50_us_max'])}] | {fmt_ms(r['p99_us'])} "
                     f"[{fmt_ms(r['p99_us_min'])}-{fmt_ms(r['p99_us_max'])}] | {r['rps']:.0f} "
                     f"[{r['rps_min']:.0f}-{r['rps_max']:.0f}] | {r['errors']} |")
        L.append("")
    if results.get("warm_ratios"):
        L += ["fwd vs serverless-offline, paired per round, median [min-max]:", "",
              "| action | c | throughput fwd/sls | p99 sls/fwd | p50 sls/fwd |", "|---|---|---|---|---|"]
        for r in results["warm_ratios"]:
            L.append(f"| {r['runtime']} | {r['concurrency']} | {fmt_x(r['throughput_fwd_over_sls'])} "
                     f"[{fmt_x(r['throughput_ratio_min'])}-{fmt_x(r['throughput_ratio_max'])}] | "
                     f"{fmt_x(r['p99_sls_over_fwd'])} [{fmt_x(r['p99_ratio_min'])}-{fmt_x(r['p99_ratio_max'])}] | "
                     f"{fmt_x(r['p50_sls_over_fwd'])} |")
        L.append("")
    if results.get("warm_summary"):
        L += ["CPU time per request, µs (median over rounds):", "",
              "| system | action | c | total | by process / thread |", "|---|---|---|---|---|"]
        for r in results["warm_summary"]:
            cpu = r.get("cpu_us_per_request", {})
            L.append(f"| {r['system']} | {r['runtime']} | {r['concurrency']} | {sum(cpu.values()):.0f} | "
                     + ", ".join(f"{k} {v:.0f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])) + " |")
        L.append("")
    if results.get("first_summary"):
        L += ["First invocation of a new action, client-side latency:", "",
              "| system | action | n | p50 ms | p99 ms | min | max | startKind | initTime p50 ms | waitTime p50 ms | prewarmed-only p50 ms |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in results["first_summary"]:
            kinds = " ".join(f"{k}={v}" for k, v in sorted(r["startKinds"].items())) if r["system"].startswith("fwd") else "-"
            L.append(f"| {r['system']} | {r['runtime']} | {r['n']} | {fmt_ms(r['p50_us'])} | {fmt_ms(r['p99_us'])} | "
                     f"{fmt_ms(r['min_us'])} | {fmt_ms(r['max_us'])} | {kinds} | "
                     f"{'-' if r['initTime_ms_p50'] is None else format(r['initTime_ms_p50'], '.0f')} | "
                     f"{'-' if r.get('waitTime_ms_p50') is None else format(r['waitTime_ms_p50'], '.0f')} | "
                     f"{fmt_ms(r.get('prewarmed_p50_us'))} |")
        if not results["have_prewarm_flag"]:
            L.append("")
            L.append("prewarm: not available in this build")
        L.append("")
    if results.get("burst"):
        L += ["Burst of concurrent first invocations of one new action:", "",
              "| system | action | n | all done ms | per-request p50 ms | p99 ms | instances started | non-200 |",
              "|---|---|---|---|---|---|---|---|"]
        for r in results["burst"]:
            if r["system"].startswith("fwd"):
                inst = f"{r['instances_started']} (" + " ".join(f"{k}={v}" for k, v in sorted(r["startKinds"].items())) + ")"
                if r.get("instances_endpoint"):
                    inst += f"; /instances peak {r['instances_endpoint_peak']}"
            else:
                inst = (f"{r['python_processes_started']} python3 processes" if r["runtime"] == "python"
                        else "not observable")
            L.append(f"| {r['system']} | {r['runtime']} | {r['n']} | {fmt_ms(r['all_done_us'])} | {fmt_ms(r['p50_us'])} | "
                     f"{fmt_ms(r['p99_us'])} | {inst} | {r['non200']} |")
        L.append("")
    return "\n".join(L)


# ----------------------------------------------------------------------------- main

def git(*a):
    try:
        return subprocess.run(["git", "-C", REPO] + list(a), capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine_facts(args):
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = ""
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, env=clean_env()).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    pkg = lambda p: json.load(open(os.path.join(HERE, "node_modules", p, "package.json")))["version"]
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "kernel": platform.release(), "cpu": cpu, "cpus": os.cpu_count(), "memory": mem,
            "loadavg": open("/proc/loadavg").read().split()[:3],
            "fwd_commit": git("log", "-1", "--format=%h", "--", ".", ":!bench", ":!docs/performance.md"), "fwd_dirty": bool(git("status", "--porcelain", "--", ".", ":!bench")),
            "fwd_binary": os.path.join(args.build, "fwd", "fwd"),
            "fwd_binary_mtime": datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(args.build, "fwd", "fwd")),
                                                                datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "wrk": ver(["wrk", "-v"]), "node": ver(["/usr/bin/node", "--version"]),
            "python": ver(["/usr/bin/python3", "--version"]),
            "serverless": pkg("serverless"), "serverless_offline": pkg("serverless-offline")}


def main():
    ap = argparse.ArgumentParser(description="Firework vs serverless-offline benchmarks (bench/README.md)")
    ap.add_argument("--build", default=os.path.join(REPO, "build"), help="build directory with fwd/fwd and sandbox/fw-sandbox")
    ap.add_argument("--parts", default="a,b,c", help="which of a,b,c to run (d rides along unless --no-sls)")
    ap.add_argument("--no-sls", action="store_true", help="skip serverless-offline (part d)")
    ap.add_argument("--rounds", type=int, default=3, help="(a) rounds; fwd and serverless-offline alternate within each")
    ap.add_argument("--duration", type=int, default=8, help="(a) measured seconds per wrk run")
    ap.add_argument("--warmup", type=int, default=2, help="(a) discarded warm-up seconds before each wrk run")
    ap.add_argument("--concurrency", default="1,8", help="(a) wrk connections, comma list")
    ap.add_argument("--no-diag", action="store_true", help="(a) skip the fwd diagnostic floors (GET /api/v1, GET action)")
    ap.add_argument("--first", type=int, default=30, help="(b) new actions per runtime and system")
    ap.add_argument("--gap", type=float, default=0.5, help="(b, c) pause in seconds before each first invocation")
    ap.add_argument("--burst", type=int, default=50, help="(c) concurrent first invocations")
    ap.add_argument("--prewarm", default=DEFAULT_PREWARM, help="(b, c) SPEC for the prewarm daemon")
    ap.add_argument("--idle-threshold", type=float, default=30.0, help="idle gate: CPU busy %% below which a run may start")
    ap.add_argument("--idle-wait", type=float, default=10.0, help="idle gate: longest wait in seconds")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 round of 3 s, 5 first invocations, burst 10")
    ap.add_argument("--out", default=None, help="directory for results.json and logs (default: a new temp dir)")
    ap.add_argument("--log-level", default="warn", help="fwd --log-level")
    ap.add_argument("--fwd-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for every fwd, repeatable (e.g. --fwd-arg=--activation-retention-count=0)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (daemon data and logs)")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.duration, args.warmup, args.first, args.burst = 1, 3, 1, 5, 10
    args.concurrency = [int(x) for x in args.concurrency.split(",")]
    args.build = os.path.abspath(args.build)
    parts = set(args.parts.split(","))

    fwd_bin = os.path.join(args.build, "fwd", "fwd")
    if not os.access(fwd_bin, os.X_OK):
        sys.exit(f"no {fwd_bin}: build first (cmake --build {args.build})")
    if os.geteuid() != 0:
        sys.exit("fwd runs every function in fw-sandbox, which needs root: run as root")
    work = tempfile.mkdtemp(prefix="fwbench-")
    # Run a private copy of the build (fwd, fw-sandbox, runtime shims in the same layout, so fwd
    # finds them next to itself): others rebuild build/ while this runs.
    snap = os.path.join(work, "build")
    os.makedirs(os.path.join(snap, "fwd"))
    os.makedirs(os.path.join(snap, "sandbox"))
    shutil.copy2(fwd_bin, os.path.join(snap, "fwd", "fwd"))
    shutil.copy2(os.path.join(args.build, "sandbox", "fw-sandbox"), os.path.join(snap, "sandbox", "fw-sandbox"))
    shutil.copytree(os.path.join(args.build, "runtimes"), os.path.join(snap, "runtimes"))
    # The prewarm flag is detected, not assumed: without it, part b reports only the no-prewarm side.
    help_text = subprocess.run([os.path.join(snap, "fwd", "fwd"), "standalone", "--help"],
                               capture_output=True, text=True).stdout
    have_prewarm = "--prewarm" in help_text
    out_dir = args.out or work
    os.makedirs(out_dir, exist_ok=True)
    results = {"command": " ".join(["bench/run.sh"] + sys.argv[1:]), "machine": machine_facts(args),
               "have_prewarm_flag": have_prewarm, "args": {k: v for k, v in vars(args).items()}}
    m = results["machine"]
    log(f"fwbench {m['date']}: {m['cpus']} CPUs ({m['cpu']}), {m['memory']}, kernel {m['kernel']}, load {' '.join(m['loadavg'])}")
    log(f"fwd {m['fwd_binary']} (commit {m['fwd_commit']}{', dirty tree' if m['fwd_dirty'] else ''}, built {m['fwd_binary_mtime']});"
        f" prewarm flag: {'yes' if have_prewarm else 'no'}")
    log(f"reference: serverless {m['serverless']} + serverless-offline {m['serverless_offline']}, node {m['node']}, {m['python']}; {m['wrk']}")
    log(f"work dir {work}")

    started = []
    try:
        main_extra = (["--prewarm", args.prewarm] if have_prewarm else []) + args.fwd_arg
        fwd = Fwd("fwd", snap, work, "fwbench", main_extra, args.log_level).start()
        started.append(fwd)
        log(f"fwd: {' '.join(fwd.cmd)}; namespace quotas: {fwd.quotas}")
        sls = None
        if not args.no_sls:
            sls = Sls(work, args.first).start()
            started.append(sls)
            log(f"serverless-offline: {sls.url} (node {' '.join(sls.cmd[1:])})")
        if "a" in parts:
            part_a(args, fwd, sls, results)
        if parts & {"b", "c"}:
            # Without the flag this build has no prewarm: the main daemon is the "no prewarm" side.
            if have_prewarm:
                nopw = Fwd("fwd-noprewarm", snap, work, "fwbench-noprewarm", ["--prewarm", "none"] + args.fwd_arg,
                           args.log_level).start()
                started.append(nopw)
                fwds = {"fwd no prewarm": nopw, "fwd prewarm": fwd}
                time.sleep(2)  # let the prewarm pool fill
            else:
                fwds = {"fwd no prewarm": fwd}
            if "b" in parts:
                part_b(args, fwds, sls, results)
            if "c" in parts:
                part_c(args, fwds, sls, results)
    finally:
        for p in reversed(started):
            p.stop()
        path = os.path.join(out_dir, "results.json")
        with open(path, "w") as f:
            json.dump(results, f, indent=1, default=str)
        md = os.path.join(out_dir, "results.md")
        try:
            with open(md, "w") as f:
                f.write(markdown(results))
        except (KeyError, TypeError, ValueError) as e:  # a part that failed half-way
            log(f"(no results.md: {e!r})")
        log(f"\nresults: {path} and {md}")
        # The daemons remove their instance cgroups; the (empty) parents they made go here.
        for parent in ("fwbench", "fwbench-noprewarm"):
            for hier in os.listdir("/sys/fs/cgroup") if os.path.isdir("/sys/fs/cgroup") else []:
                try:
                    os.rmdir(os.path.join("/sys/fs/cgroup", hier, parent))
                except OSError:
                    pass
        if not args.keep:
            # fwd's stderr logs stay; the stores, the build copy and serverless-offline's service
            # copy with its request log (a line per request, tens of MB) go.
            shutil.rmtree(snap, ignore_errors=True)
            for p in started:
                shutil.rmtree(os.path.join(p.dir, "data") if isinstance(p, Fwd) else p.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
