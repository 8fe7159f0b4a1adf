#!/usr/bin/python3
"""Round trip of one {"type":"usage"} request to a live fw-sandbox supervisor, the request the
invoker makes after each warm activation (CPU and peak memory; before commit cdabd90 also one
before it, for the CPU baseline) and waits for on its io thread. Needs root. Used for docs/performance.md ("where the warm
path's time goes"); not part of bench/run.sh.

    bench/usage_rtt.py [build-dir] [requests]
"""
import array
import json
import os
import socket
import subprocess
import sys
import time

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "build"))
n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
sandbox = os.path.join(build, "sandbox", "fw-sandbox")

ro = lambda p: {"source": p, "target": p, "readOnly": True}
spec = {
    "id": f"rtt{os.getpid()}", "argv": ["/bin/sleep", "600"], "env": ["PATH=/usr/bin:/bin"],
    "cwd": "/", "hostname": "sandbox",
    "mounts": [ro(p) for p in ("/usr", "/bin", "/lib", "/lib64") if os.path.exists(p)],
    "files": [], "stateDir": "/run/firework/sandbox", "tmpSizeMb": 8, "network": False,
    "hostUid": 299999, "hostGid": 299999, "uid": 1000, "gid": 1000, "memoryMb": 128,
    "pidsMax": 64, "openFiles": 64, "fileSizeMb": 0, "cgroupParent": "fwbench-rtt",
    "cgroupBackend": "auto", "cgroupRoot": "", "seccompProfile": "default", "setupTimeoutMs": 10000,
}

ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
devnull = os.open(os.devnull, os.O_RDWR)
r, w = os.pipe()  # fd 3: the result pipe


def child_fds():
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.dup2(w, 3)
    os.dup2(theirs.fileno(), 4)


proc = subprocess.Popen([sandbox, "run", "--control-fd=4"], preexec_fn=child_fds, pass_fds=(3, 4),
                        env={"PATH": "/usr/bin:/bin"})
theirs.close()
ours.sendall(json.dumps(spec).encode())


def receive():
    fds = array.array("i")
    msg, anc, _, _ = ours.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    for fd in fds:
        os.close(fd)
    return json.loads(msg)


ready = receive()
if ready.get("type") != "ready":
    sys.exit(f"fw-sandbox did not start: {ready}")
times = []
for i in range(n + 200):
    t0 = time.perf_counter()
    ours.send(b'{"type":"usage"}')
    m = receive()
    t1 = time.perf_counter()
    if m.get("type") != "usage":
        sys.exit(f"unexpected answer: {m}")
    if i >= 200:  # warm-up
        times.append((t1 - t0) * 1e6)
ours.close()  # the supervisor kills the instance, removes its cgroup and exits
proc.wait(timeout=20)
for hier in os.listdir("/sys/fs/cgroup"):
    try:
        os.rmdir(os.path.join("/sys/fs/cgroup", hier, spec["cgroupParent"]))
    except OSError:
        pass
times.sort()
q = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
print(f"usage round trip to the fw-sandbox supervisor, {n} requests: "
      f"p50 {q(50):.0f} us, p90 {q(90):.0f} us, p99 {q(99):.0f} us, max {times[-1]:.0f} us "
      f"(cgroup backend {ready.get('backend')}; the invoker made one per warm activation from commit cdabd90 (two before) until 326515c, and none since)")
