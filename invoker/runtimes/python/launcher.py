# Firework's in-sandbox shim for Python actions: loads the action's code once, then answers one
# activation per stdin line with one JSON result line on fd 3 (ActionLoop style, see
# docs/runtimes.md "Shim protocol"). It is not a general module loader and never writes to
# stdout: everything on stdout/stderr is the action's log.
#
# Started by the invoker as `/usr/bin/python3 -u launcher.py` with cwd = the action directory.
# With FW_PREWARM=1 it is a "stem cell": started before the action is known, it prepares what
# does not depend on the action, says {"ready":true}, and waits for an init line naming the
# action (see prewarm()). Standard library only.

import atexit
import glob
import importlib.util
import inspect
import json
import os
import sys
import time
import traceback

MODULE_FILE = "__main__.py"
# OpenWhisk imports the action as `main__`, so an `if __name__ == "__main__":` block (often used
# to try the function locally) does not run inside the platform. We do the same.
MODULE_NAME = "main__"


def one_line(text):
    """Collapses a multi-line message into one line for the {"error": ...} fields."""
    return " ".join(str(text).split())


class Channel:
    """The shim's private ends of the protocol: requests in, results out.

    fd 0 and fd 3 are moved to fresh close-on-exec descriptors and fd 0 is replaced with
    /dev/null, so that user code calling input()/sys.stdin.read() sees EOF instead of eating the
    next request, and a subprocess started by user code does not inherit the result pipe.
    """

    def __init__(self):
        self.requests = os.fdopen(os.dup(0), "rb")  # os.dup gives a non-inheritable fd
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        try:
            self.results = os.dup(3)
        except OSError:
            sys.exit("Firework python runtime: fd 3 (the result pipe) is not open; "
                     "this program is started by the Firework invoker")
        os.close(3)
        # The invoker may have made a pipe non-blocking; our writes must block rather than fail.
        for fd in (self.requests.fileno(), self.results, 1, 2):
            try:
                os.set_blocking(fd, True)
            except OSError:
                pass

    def read_request(self):
        return self.requests.readline()  # b"" at EOF

    def write_line(self, data):
        """Writes one encoded result line (ending in b"\\n") to fd 3, all of it."""
        view = memoryview(data)
        while view:
            written = os.write(self.results, view)
            view = view[written:]

    def write_result(self, obj):
        self.write_line(encode(obj))


def encode(obj):
    """One line of JSON. No indent, so a newline can only appear escaped inside a string."""
    return (json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            + "\n").encode("utf-8")


def flush_logs():
    """Pushes everything the action printed into the stdout/stderr pipes.

    Must run before the result is written: the invoker ends an activation's log window when the
    result line arrives, so output still sitting in a buffer would land in the next activation.
    (`python3 -u` already makes sys.stdout/stderr and C stdio unbuffered; this covers streams
    the action wrapped or replaced, and a start without -u.)
    """
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # a user-replaced or closed stream must not break the protocol
            pass


class LoadError(Exception):
    """Raised when the action cannot be loaded; the message is shown to the function author."""


def add_import_paths(action_dir):
    # sys.path[0] is this launcher's directory; the action must not see (or be shadowed by) it.
    launcher_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != launcher_dir]
    paths = [action_dir]
    # A zip may carry its dependencies in virtualenv/ (OpenWhisk's convention). Prefer the
    # site-packages matching this interpreter, fall back to any python3.x one.
    venv = os.path.join(action_dir, "virtualenv", "lib")
    own = os.path.join(venv, "python%d.%d" % sys.version_info[:2], "site-packages")
    candidates = [own] if os.path.isdir(own) else sorted(
        glob.glob(os.path.join(venv, "python3*", "site-packages")))
    paths += candidates[:1]
    sys.path[0:0] = paths
    if candidates:
        import site
        site.addsitedir(candidates[0])  # already on sys.path; this processes its .pth files


def print_user_traceback(e):
    """Prints e's traceback to stderr from the first frame of the action's code on, skipping the
    leading frames of this file, of importlib and of asyncio."""
    ours = [os.path.abspath(__file__)]
    if "asyncio" in sys.modules:
        ours.append(os.path.dirname(sys.modules["asyncio"].__file__) + os.sep)

    def is_ours(filename):
        return filename.startswith("<frozen ") or os.path.abspath(filename).startswith(tuple(ours))

    head = e.__traceback__
    while head is not None and is_ours(head.tb_frame.f_code.co_filename):
        head = head.tb_next
    traceback.print_exception(type(e), e, head or e.__traceback__)


def load_entry_point(action_dir, name, binary):
    path = os.path.join(action_dir, MODULE_FILE)
    if not os.path.isfile(path):
        if binary:
            raise LoadError("Zip file does not include %s at its root" % MODULE_FILE)
        raise LoadError("Action code not found: %s is missing" % MODULE_FILE)
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        print_user_traceback(e)
        raise LoadError("Syntax error in %s line %s: %s" % (
            os.path.basename(e.filename or MODULE_FILE), e.lineno, e.msg)) from None
    except Exception as e:
        print_user_traceback(e)
        raise LoadError("Could not load %s: %s: %s" % (
            MODULE_FILE, type(e).__name__, one_line(e))) from None
    if not hasattr(module, name):
        raise LoadError("Function '%s' not found in %s" % (name, MODULE_FILE))
    fn = getattr(module, name)
    if not callable(fn):
        raise LoadError("'%s' in %s is not a function (it is a %s)" % (
            name, MODULE_FILE, type(fn).__name__))
    return fn


def wants_context(fn):
    """Lambda style when the function takes two or more positional parameters.

    Parameters with defaults count (`def handler(event, context=None)` is Lambda style); *args
    does not. Anything we cannot inspect is called OpenWhisk style, main(args).
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in positional) >= 2


class Context:
    """The Lambda-style second argument. Mirrors AWS's LambdaContext where it makes sense."""

    def __init__(self, request):
        env = os.environ
        self.activation_id = env.get("__OW_ACTIVATION_ID", "")
        self.aws_request_id = self.activation_id
        self.function_name = env.get("__OW_ACTION_NAME", "")
        self.function_version = env.get("__OW_ACTION_VERSION", "")
        self.namespace = env.get("__OW_NAMESPACE", "")
        self.memory_limit_in_mb = _to_int(env.get("FW_MEMORY_LIMIT_MB"))
        self.deadline_ms = _to_int(request.get("deadline"))
        # An activation's logs are found by action (group) and activation id (stream).
        self.log_group_name = self.function_name
        self.log_stream_name = self.activation_id
        self.invoked_function_arn = None
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        if self.deadline_ms is None:
            return 0
        return max(0, self.deadline_ms - int(time.time() * 1000))

    def __repr__(self):
        return "Context(%r)" % {k: v for k, v in vars(self).items()}


def _to_int(value):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


class CEnviron:
    """Sets a variable in the C environment and in os.environ without leaking memory.

    os.environ[name] = value calls setenv(3), and glibc keeps every distinct "name=value" string
    ever set for the life of the process, because a getenv() caller may still hold the old one.
    An activation id, transaction id and deadline are new for every activation, so a warm
    instance grew by about 200 bytes per activation until its memory limit killed it, and each
    setenv() searched a tree of all those strings. Here each variable gets two buffers of ours
    that take turns: the new value is written into the one the environment does not point at and
    put there with putenv(3), which stores the pointer and copies nothing. The value replaced
    stays intact for one more activation, for a reader that fetched it just before.

    Without ctypes (or libc's putenv) it falls back to os.environ, leak and all.
    """

    def __init__(self):
        self._buffers = {}  # encoded name -> (buffer in the environment, spare buffer)
        self._keys = {}  # name -> its encoded form, checked (the same few names every time)
        self._encoding = sys.getfilesystemencoding()  # what os.environ encodes with on POSIX
        try:
            import ctypes
            putenv = ctypes.CDLL(None).putenv
            putenv.argtypes = (ctypes.c_void_p,)
            putenv.restype = ctypes.c_int
            self._ctypes, self._putenv, self._data = ctypes, putenv, os.environ._data
        except (ImportError, OSError, AttributeError):
            self._putenv = None

    def set(self, name, value):
        """os.environ[name] = value; ValueError/TypeError where os.environ would raise them."""
        if self._putenv is None:
            os.environ[name] = value
            return
        key = self._keys.get(name)
        if key is None:
            key = os.environ.encodekey(name)
            if not key or b"=" in key or b"\0" in key:
                raise ValueError("cannot be an environment variable: %r" % name)
            self._keys[name] = key
        if type(value) is not str:
            raise TypeError("str expected, not %s" % type(value).__name__)
        val = value.encode(self._encoding, "surrogateescape")
        if self._data.get(key) == val:
            return  # the namespace, action name, ...: most keys keep their value
        if b"\0" in val:
            raise ValueError("cannot be an environment variable: %r" % name)
        entry = key + b"=" + val
        current, spare = self._buffers.get(key, (None, None))
        if spare is None or len(spare) <= len(entry):
            spare = self._ctypes.create_string_buffer(max(64, len(entry) + 1))
        spare.value = entry
        if self._putenv(self._ctypes.addressof(spare)) != 0:
            raise MemoryError("putenv failed for %r" % name)
        self._data[key] = val
        self._buffers[key] = (spare, current)

    def unset(self, name):
        os.environ.pop(name, None)  # unsetenv(3): the environment no longer points at ours
        self._buffers.pop(os.environ.encodekey(name), None)


class ActivationEnv:
    """Sets __OW_<KEY> for each non-`value` key of a request.

    A key the previous request set but this one lacks is put back to its start-up value (or
    removed), so nothing from one activation leaks into the next.
    """

    def __init__(self):
        self.startup = {k: v for k, v in os.environ.items() if k.startswith("__OW_")}
        self.set_last_time = set()
        self.environ = CEnviron()
        self.names = {}  # request key -> variable name

    def apply(self, request):
        now = set()
        names = self.names
        for key, value in request.items():
            if key == "value":
                continue
            name = names.get(key)
            if name is None:
                name = names[key] = "__OW_" + key.upper()
            try:
                self.environ.set(name, value if isinstance(value, str) else json.dumps(value))
                now.add(name)
            except (ValueError, TypeError):  # NUL or '=' in the name/value: cannot be an env var
                pass
        for name in self.set_last_time - now:
            if name in self.startup:
                self.environ.set(name, self.startup[name])
            else:
                self.environ.unset(name)
        self.set_last_time = now


_loop = None


def run_awaitable(awaitable):
    # One loop for the life of the process, so clients created at module level and bound to the
    # running loop (aiohttp sessions, ...) keep working across warm activations. asyncio is
    # imported here, not at the top: it would double the start-up time of every instance.
    import asyncio
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop.run_until_complete(awaitable)


def invoke(fn, lambda_style, request):
    args = request.get("value")
    if args is None:
        args = {}
    result = fn(args, Context(request)) if lambda_style else fn(args)
    if inspect.isawaitable(result):
        result = run_awaitable(result)
    return result


def encode_return_value(value):
    """Turns what the action returned into the result line for fd 3."""
    if value is None:
        value = {}
    try:
        return encode(value)
    except Exception as e:  # TypeError, ValueError (NaN, cycles), RecursionError, bad Unicode
        print("The action returned a value that is not JSON: %r" % (e,), file=sys.stderr)
        return encode({"error": "The action returned a value that is not JSON: %s" % one_line(e)})


def error_result(e):
    # OpenWhisk's Python runtimes answer {"error": str(e)}; an empty str() would tell the author
    # nothing, so the exception's type name stands in for it.
    try:
        message = str(e)
    except Exception:  # a user-defined __str__ that raises
        message = ""
    # Lone surrogates cannot be encoded as UTF-8: escape them rather than lose the error.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return {"error": message or type(e).__name__}


def serve(channel, fn, lambda_style, env):
    while True:
        line = channel.read_request()
        if not line:
            return
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            print("Firework python runtime: invalid activation request: %s" % e, file=sys.stderr)
            flush_logs()
            channel.write_result({"error": "Invalid activation request: %s" % one_line(e)})
            continue
        env.apply(request)
        try:
            line = encode_return_value(invoke(fn, lambda_style, request))
        except (SystemExit, KeyboardInterrupt):
            raise  # sys.exit() ends the process; the invoker reports it
        except BaseException as e:  # BaseException: asyncio.CancelledError is one
            print_user_traceback(e)
            line = encode(error_result(e))
        flush_logs()
        channel.write_line(line)


def fail_start(channel, message):
    """Reports a failed start (bad init message, load error) the way the invoker expects: details
    on stderr, {"ok":false,...} on fd 3, exit status 1."""
    print("Firework python runtime: %s" % message, file=sys.stderr)
    flush_logs()
    channel.write_result({"ok": False, "error": message})
    sys.exit(1)


class InitError(ValueError):
    """A prewarm init line the shim cannot use; the message says why."""


def parse_init(line):
    """Checks a prewarm init line and returns (env, main or None, binary or None).

    {"init": {"main": str, "binary": bool, "env": {name: str}}}; main, binary and env may be
    absent. Everything is checked before anything is applied.
    """
    try:
        message = json.loads(line)
    except ValueError as e:  # also UnicodeDecodeError
        raise InitError("not JSON: %s" % e) from None
    init = message.get("init") if isinstance(message, dict) else None
    if not isinstance(init, dict):
        raise InitError('no "init" object')
    main = init.get("main")
    if main is not None and (not isinstance(main, str) or not main or "\0" in main
                             or not _encodable(main)):
        raise InitError('"main" must be a non-empty string')
    binary = init.get("binary")
    if binary is not None and not isinstance(binary, bool):
        raise InitError('"binary" must be true or false')
    env = init.get("env")
    if env is None:
        env = {}
    if not isinstance(env, dict):
        raise InitError('"env" must be an object')
    for name, value in env.items():
        if not name or "=" in name or "\0" in name:
            raise InitError("env: %s is not a valid variable name" % json.dumps(name))
        if not isinstance(value, str):
            raise InitError("env: the value of %s must be a string" % name)
        if "\0" in value:
            raise InitError("env: the value of %s contains a NUL character" % name)
        if not (_encodable(name) and _encodable(value)):
            raise InitError("env: %s or its value cannot be encoded" % json.dumps(name))
    return env, main, binary


def _encodable(text):
    """False for a string os.environ cannot take (a lone surrogate JSON allowed in)."""
    try:
        os.fsencode(text)
        return True
    except UnicodeError:
        return False


def prewarm(channel):
    """The stem-cell phase of a prewarmed start (FW_PREWARM=1).

    Prepares what does not depend on the action, writes {"ready":true}, then reads the init line
    and puts its settings into the environment, so that the rest of the start runs exactly as a
    cold start with that environment would. Returns only if the init line is valid; EOF before a
    complete line ends the process quietly with status 0.
    """
    # Not visible to the action: a cold-started instance does not have it either.
    os.environ.pop("FW_PREWARM", None)
    # Cold starts import asyncio only when an action returns an awaitable (it costs ~10 ms);
    # here nobody waits for it, and an async action's first call is then as fast as the next.
    import asyncio  # noqa: F401
    import ctypes  # noqa: F401  (for CEnviron, about 1 ms)
    channel.write_result({"ready": True})
    line = channel.read_request()
    if not line.endswith(b"\n"):  # EOF, possibly after part of a line: the invoker gave up
        flush_logs()
        os._exit(0)
    try:
        env, main, binary = parse_init(line)
    except InitError as e:
        fail_start(channel, "Invalid init message: %s" % one_line(e))
    os.environ.update(env)
    # main/binary win over FW_ACTION_MAIN/FW_ACTION_BINARY in env, and the environment then
    # says what was loaded, as in a cold start.
    if main is not None:
        os.environ["FW_ACTION_MAIN"] = main
    if binary is not None:
        os.environ["FW_ACTION_BINARY"] = "1" if binary else "0"
    time.tzset()  # the time module read TZ at start-up; an init parameter may set it


def main():
    # print() must never fail on a string the terminal encoding cannot represent (lone
    # surrogates from os.fsdecode, ...): escape it rather than raise inside the action.
    try:
        sys.stdout.reconfigure(errors="backslashreplace")
    except Exception:
        pass
    channel = Channel()
    if os.environ.get("FW_PREWARM") == "1":
        prewarm(channel)
    action_dir = os.environ.get("FW_ACTION_DIR") or os.getcwd()
    name = os.environ.get("FW_ACTION_MAIN") or "main"
    binary = os.environ.get("FW_ACTION_BINARY") == "1"
    try:
        os.chdir(action_dir)
        add_import_paths(action_dir)
        fn = load_entry_point(action_dir, name, binary)
    except (LoadError, OSError) as e:
        fail_start(channel, str(e) if isinstance(e, LoadError)
                   else "Cannot open action directory: %s" % e)
    env = ActivationEnv()  # the start-up values: the environment once the action is loaded
    flush_logs()  # output printed while loading belongs before the ack
    channel.write_result({"ok": True})
    serve(channel, fn, wants_context(fn), env)
    # stdin closed: the invoker is done with this instance. Run the action's atexit hooks, but do
    # not wait for threads it left running (a normal interpreter exit would).
    atexit._run_exitfuncs()
    flush_logs()
    os._exit(0)


if __name__ == "__main__":
    main()
