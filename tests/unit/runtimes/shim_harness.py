"""Drives a runtime shim the way the invoker does, for the shim tests.

A Shim owns one shim process: stdin/stdout/stderr pipes plus the result pipe dup'ed to fd 3, a
clean environment, cwd = the action directory. Shim(..., prewarm=True) starts a "stem cell"
instead: FW_PREWARM=1, no action-specific variables, an empty action directory; install() and
send_init() then hand it its action as the invoker would. Reads are poll() loops with a timeout (never
sleeps); stdout and stderr are drained while waiting for a result so a chatty action cannot
deadlock the test.

The shims are found through FW_RUNTIMES_DIR (ctest sets it to <source>/invoker/runtimes).
"""

import json
import os
import select
import subprocess
import tempfile
import time

PYTHON = os.environ.get("FW_TEST_PYTHON", "/usr/bin/python3")
NODE = os.environ.get("FW_TEST_NODE", "/usr/bin/node")
TIMEOUT_S = 30.0


def runtimes_dir():
    d = os.environ.get("FW_RUNTIMES_DIR")
    if not d:
        raise RuntimeError("FW_RUNTIMES_DIR is not set: run through ctest, or as "
                           "FW_RUNTIMES_DIR=<repo>/invoker/runtimes python3 -m unittest discover "
                           "-s tests/unit/runtimes")
    return os.path.abspath(d)


def argv_for(runtime):
    if runtime == "python":
        return [PYTHON, "-u", os.path.join(runtimes_dir(), "python", "launcher.py")]
    if runtime == "nodejs":
        return [NODE, os.path.join(runtimes_dir(), "nodejs", "launcher.js")]
    raise ValueError(runtime)


def write_files(directory, files):
    """files: {relative path: str or bytes}."""
    for rel, content in files.items():
        path = os.path.join(directory, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)


def now_ms():
    return int(time.time() * 1000)


class ShimExited(Exception):
    """The shim closed fd 3 (exited) before a full result line arrived."""


def action_env(main="main", binary=False, init_env=None, action_name="/guest/hello"):
    """The variables that depend on the action: in the start environment of a cold start, in the
    init message's env of a prewarmed one."""
    env = {
        "FW_ACTION_MAIN": main,
        "FW_ACTION_BINARY": "1" if binary else "0",
        "__OW_NAMESPACE": "guest",
        "__OW_ACTION_NAME": action_name,
        "__OW_ACTION_VERSION": "0.0.1",
    }
    env.update(init_env or {})
    return env


class Shim:
    def __init__(self, runtime, files, main="main", binary=False, init_env=None,
                 action_name="/guest/hello", memory_mb=256, nonblocking_pipes=False,
                 prewarm=False):
        self._tmp = tempfile.TemporaryDirectory(prefix="fw-shim-test-")
        self.action_dir = self._tmp.name
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "FW_ACTION_DIR": self.action_dir,
            "FW_MEMORY_LIMIT_MB": str(memory_mb),
            "__OW_API_HOST": "http://127.0.0.1:3233",
        }
        if prewarm:
            if files or init_env:
                raise ValueError("a prewarmed shim gets its code and init_env from install() "
                                 "and send_init()")
            env["FW_PREWARM"] = "1"
        else:
            write_files(self.action_dir, files)
            env.update(action_env(main, binary, init_env, action_name))
        read_end, write_end = os.pipe()

        def in_child():
            # subprocess cannot renumber an fd other than 0-2, so the child dup2()s the result
            # pipe onto fd 3 itself. close_fds=False is safe: every other fd we hold is
            # close-on-exec (PEP 446), and dup2() clears that flag on fd 3 only.
            os.dup2(write_end, 3)
            if nonblocking_pipes:  # as an invoker using O_NONBLOCK pipes would hand them over
                for fd in (0, 1, 2, 3):
                    os.set_blocking(fd, False)

        self.spawned_at = time.monotonic()
        self.proc = subprocess.Popen(
            argv_for(runtime), cwd=self.action_dir, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            close_fds=False, preexec_fn=in_child)
        os.close(write_end)
        self.result_fd = read_end
        self._fds = {"out": self.proc.stdout.fileno(), "err": self.proc.stderr.fileno(),
                     "res": self.result_fd}
        for fd in self._fds.values():
            os.set_blocking(fd, False)
        self._buf = {"out": bytearray(), "err": bytearray(), "res": bytearray()}
        self._open = set(self._fds)

    # -- reading -----------------------------------------------------------------------------

    def _read_available(self, name):
        """Reads what the pipe holds right now; False once it is at EOF."""
        fd = self._fds[name]
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return True
            if not chunk:
                self._open.discard(name)
                return False
            self._buf[name] += chunk

    def _pump(self, done, timeout):
        deadline = time.monotonic() + timeout
        while not done():
            if not self._open:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("shim timed out; stdout=%r stderr=%r" % (
                    bytes(self._buf["out"][-2000:]), bytes(self._buf["err"][-2000:])))
            poller = select.poll()
            by_fd = {}
            for name in self._open:
                poller.register(self._fds[name], select.POLLIN)
                by_fd[self._fds[name]] = name
            for fd, _ in poller.poll(left * 1000):
                self._read_available(by_fd[fd])

    def read_result_line(self, timeout=TIMEOUT_S):
        """Waits for the next fd 3 line and returns it (bytes, without the newline).

        Whatever is in the stdout/stderr pipes at that moment is drained before returning, so
        the caller sees exactly the logs that were written before the result line."""
        self._pump(lambda: b"\n" in self._buf["res"] or "res" not in self._open, timeout)
        res = self._buf["res"]
        if b"\n" not in res:
            raise ShimExited("fd 3 closed; partial line %r (%d bytes); stderr=%r" % (
                bytes(res[:200]), len(res), self.stderr_text()[-2000:]))
        line, _, rest = bytes(res).partition(b"\n")
        self._buf["res"] = bytearray(rest)
        self.drain_now()
        return line

    def read_result(self, timeout=TIMEOUT_S):
        return json.loads(self.read_result_line(timeout))

    def drain_now(self):
        """Non-blocking: reads what is already in the stdout and stderr pipes, no waiting."""
        for name in ("out", "err"):
            if name in self._open:
                self._read_available(name)

    def ack(self):
        return self.read_result()

    def unread_results(self):
        """Non-blocking: whatever arrived on fd 3 and has not been read as a line yet."""
        if "res" in self._open:
            self._read_available("res")
        return bytes(self._buf["res"])

    # -- writing -----------------------------------------------------------------------------

    def send(self, value=None, activation_id=None, deadline_ms=None, **extra):
        request = self.request(value, activation_id, deadline_ms, **extra)
        self.send_raw((json.dumps(request) + "\n").encode())
        return request

    def send_many(self, requests):
        """Writes several request dicts (see request()) as lines in one write."""
        self.send_raw("".join(json.dumps(r) + "\n" for r in requests).encode())

    @staticmethod
    def request(value=None, activation_id=None, deadline_ms=None, **extra):
        """An activation request as the invoker sends it (not sent)."""
        request = {
            "value": {} if value is None else value,
            "namespace": "guest",
            "action_name": "/guest/hello",
            "action_version": "0.0.1",
            "activation_id": activation_id or os.urandom(16).hex(),
            "transaction_id": "tid-" + os.urandom(4).hex(),
            "deadline": str(deadline_ms if deadline_ms is not None else now_ms() + 60000),
        }
        request.update(extra)
        return request

    def install(self, files):
        """Puts the action's code into a prewarmed shim's directory, as the invoker does."""
        write_files(self.action_dir, files)

    def send_init(self, main="main", binary=False, init_env=None, action_name="/guest/hello"):
        """Sends a prewarmed shim its init line; the env is what a cold start would have had."""
        message = {"init": {"main": main, "binary": binary,
                            "env": action_env(main, binary, init_env, action_name)}}
        self.send_raw((json.dumps(message) + "\n").encode())
        return message

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def run(self, value=None, **kw):
        self.send(value, **kw)
        return self.read_result()

    # -- logs and lifetime -------------------------------------------------------------------

    def take_stdout(self):
        data = bytes(self._buf["out"])
        self._buf["out"].clear()
        return data

    def take_stderr(self):
        data = bytes(self._buf["err"])
        self._buf["err"].clear()
        return data

    def stderr_text(self):
        return self._buf["err"].decode("utf-8", "replace")

    def wait_exit(self, timeout=TIMEOUT_S):
        """Waits for the process to end (draining its output) and returns its exit status."""
        self._pump(lambda: False, timeout)  # returns once stdout, stderr and fd 3 are at EOF
        return self.proc.wait(timeout)

    def close_stdin(self):
        self.proc.stdin.close()

    def close(self):
        """Kills the shim if it still runs and releases everything; safe to call twice."""
        if self.result_fd is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass
        os.close(self.result_fd)
        self.result_fd = None
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
