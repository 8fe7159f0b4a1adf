"""invoker/runtimes/python/launcher.py driven as the invoker drives it (see shim_contract.py)."""

import unittest

from shim_contract import ShimContract
from shim_harness import Shim

CODE = {
    "echo": '''
import sys
def main(args):
    print("hello stdout")
    print("hello stderr", file=sys.stderr)
    return {"args": args, "greeting": "Hello, " + args.get("name", "stranger")}
''',
    "zip": {
        "__main__.py": '''
from helper import double, NAME
def main(args):
    return {"doubled": double(args["x"]), "from": NAME}
''',
        "helper.py": "NAME = 'helper'\ndef double(x):\n    return 2 * x\n",
    },
    "custom_name": "def handler(args):\n    return {'handled': args['v']}\n",
    "syntax_error": "def main(args):\n    x = 1\n    return {'a': }\n",
    "not_callable": "main = 42\n",
    "load_raises": "raise RuntimeError('exploded at load')\ndef main(args):\n    return {}\n",
    "init_env": '''
import os
AT_LOAD = os.environ.get("SOME_VAR")
def main(args):
    return {"at_load": AT_LOAD}
''',
    "counter": '''
count = 0
def main(args):
    global count
    count += 1
    return {"count": count}
''',
    "env": '''
import os
def main(args):
    return {k: v for k, v in os.environ.items() if k.startswith("__OW_")}
''',
    "lambda": '''
import time
def handler(event, context):
    r1 = context.get_remaining_time_in_millis()
    time.sleep(0.02)
    r2 = context.get_remaining_time_in_millis()
    return {"event": event, "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "request_id": context.aws_request_id, "activation_id": context.activation_id,
            "namespace": context.namespace, "deadline": context.deadline_ms,
            "remaining_1": r1, "remaining_2": r2}
''',
    "async": '''
import asyncio
async def main(args):
    await asyncio.sleep(args["n"] / 1000)
    return {"slept": args["n"]}
''',
    "raises": '''
def main(args):
    if args["fail"]:
        raise ValueError("boom")
    return {"fine": True}
''',
    "scalar": "def main(args):\n    return args['v']\n",
    "returns_nothing": "def main(args):\n    pass\n",
    "not_json": '''
def main(args):
    if args.get("ok"):
        return {"ok": True}
    return {"s": {1, 2}}
''',
    "recursion": '''
def down(n):
    return down(n + 1)
def main(args):
    if "depth" in args:
        return args
    return down(0)
''',
    "exits": "import sys\ndef main(args):\n    print('bye')\n    sys.exit(3)\n",
    "logs": '''
import sys
def main(args):
    i = args["i"]
    sys.stdout.write("start-%d" % i)
    sys.stdout.write("x" * args["bulk"])
    print("end-%d" % i, end="")
    sys.stderr.write("err-%d" % i)
    return {"i": i}
''',
    "binary_logs": '''
import sys
def main(args):
    chunk = b"y" * (1 << 20)
    for _ in range(args["mb"]):
        sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.write(b"\\xff\\xfe\\x00\\x80ok")
    return {"done": True}
''',
    "prints_at_load": "print('loading', end='')\ndef main(args):\n    return None\n",
    "environ": '''
import os
AT_LOAD = dict(os.environ)
def main(args):
    return {"load": AT_LOAD, "call": dict(os.environ)}
''',
    "tz": "import time\ndef main(args):\n    return {'hour_at_epoch': time.localtime(0).tm_hour}\n",
    "child_env": '''
import os
import subprocess
def main(args):
    out = subprocess.run(["/bin/sh", "-c", 'echo "$__OW_ACTIVATION_ID $__OW_DEADLINE"'],
                         capture_output=True, text=True, check=True).stdout
    return {"child": out.strip(), "own": os.environ.get("__OW_ACTIVATION_ID")}
''',
}


class PythonShimTest(ShimContract, unittest.TestCase):
    runtime = "python"
    text_file = "__main__.py"
    CODE = CODE
    recursion_error_text = "maximum recursion depth exceeded"

    def test_error_shape_matches_openwhisk(self):
        # OpenWhisk's launcher.py answers {"error": str(e)}; an empty message falls back to the
        # exception's type name.
        shim = self.started_with("""
class Odd(Exception):
    def __str__(self):
        raise RuntimeError("no str")
def main(args):
    kind = args["kind"]
    if kind == "key":
        return {}["missing"]
    if kind == "empty":
        raise ValueError()
    if kind == "odd":
        raise Odd()
    if kind == "surrogate":
        raise ValueError("bad \\udcff byte")
""")
        self.assertEqual(shim.run({"kind": "key"}), {"error": "'missing'"})
        self.assertEqual(shim.run({"kind": "empty"}), {"error": "ValueError"})
        self.assertEqual(shim.run({"kind": "odd"}), {"error": "Odd"})
        self.assertEqual(shim.run({"kind": "surrogate"}), {"error": "bad \\udcff byte"})

    def test_traceback_starts_in_the_action(self):
        for code in ("def main(args):\n    raise ValueError('boom')\n",
                     "async def main(args):\n    raise ValueError('boom')\n"):
            with self.subTest(code=code):
                shim = self.started_with(code)
                self.assertEqual(shim.run(), {"error": "boom"})
                err = shim.take_stderr().decode()
                self.assertTrue(err.startswith("Traceback"), err)
                self.assertIn('__main__.py", line 2, in main', err)
                self.assertNotIn("launcher.py", err)
                self.assertNotIn("asyncio", err)

    def test_load_error_traceback_starts_in_the_action(self):
        shim = Shim("python", {"__main__.py": "import helper\ndef main(args):\n    return {}\n",
                               "helper.py": "x = 1\nraise KeyError('no config')\n"})
        self.addCleanup(shim.close)
        ack = shim.read_result()
        self.assertEqual(ack["error"], "Could not load __main__.py: KeyError: 'no config'")
        err = shim.stderr_text()
        self.assertTrue(err.startswith("Traceback"), err)
        self.assertIn('__main__.py", line 1, in <module>', err)
        self.assertIn('helper.py", line 2, in <module>', err)
        self.assertNotIn("frozen", err)
        self.assertNotIn("launcher.py", err)

    def test_calling_style_follows_positional_parameters(self):
        cases = [
            ("def main(args):\n    return {'style': 'main'}", "main"),
            ("def main(args, context):\n    return {'style': type(context).__name__}", "Context"),
            ("def main(args, context=None):\n    return {'style': type(context).__name__}",
             "Context"),
            ("def main(args, *rest):\n    return {'style': 'main' if not rest else 'ctx'}", "main"),
            ("def main(*args):\n    return {'style': 'main' if len(args) == 1 else 'ctx'}", "main"),
            ("def main(args, *, verbose=False):\n    return {'style': 'main'}", "main"),
            ("class C:\n    def __call__(self, event, context):\n        return {'style': 'obj'}\n"
             "main = C()", "obj"),
        ]
        for code, style in cases:
            with self.subTest(code=code):
                shim = self.started_with(code)
                self.assertEqual(shim.run(), {"style": style})

    def test_coroutine_returned_by_plain_function_and_lambda_style_async(self):
        shim = self.started_with('''
import asyncio
async def work(x):
    await asyncio.sleep(0)
    return {"x": x}
def main(args):
    return work(args["x"])
''')
        self.assertEqual(shim.run({"x": 1}), {"x": 1})
        shim = self.started_with('''
async def handler(event, context):
    return {"id": context.aws_request_id}
''', main="handler")
        self.assertEqual(shim.run(activation_id="0" * 32), {"id": "0" * 32})

    def test_event_loop_persists_across_activations(self):
        # Module-level async clients are bound to the loop they were created on.
        shim = self.started_with('''
import asyncio
loops = set()
async def main(args):
    loops.add(id(asyncio.get_running_loop()))
    return {"loops": len(loops)}
''')
        self.assertEqual([shim.run()["loops"] for _ in range(3)], [1, 1, 1])

    def test_dunder_main_block_does_not_run(self):
        shim = self.started_with('''
def main(args):
    return {"name": __name__}
if __name__ == "__main__":
    print("local test run")
''')
        self.assertEqual(shim.run(), {"name": "main__"})
        self.assertEqual(shim.take_stdout(), b"")

    def test_virtualenv_site_packages_are_importable(self):
        shim = self.started_with(
            {"__main__.py": "import vendored\ndef main(args):\n    return {'v': vendored.V}\n",
             "virtualenv/lib/python3.11/site-packages/vendored/__init__.py": "V = 'venv'\n"},
            binary=True)
        self.assertEqual(shim.run(), {"v": "venv"})

    def test_zip_without_dunder_main_fails_load(self):
        ack, _ = self.assertLoadFails("zip_no_main", "Zip file does not include __main__.py",
                                      binary=True)

    def test_launcher_directory_is_not_importable(self):
        shim = self.started_with('''
def main(args):
    try:
        import launcher
        return {"imported": True}
    except ImportError:
        return {"imported": False}
''')
        self.assertEqual(shim.run(), {"imported": False})

    def test_user_code_cannot_read_requests_or_write_results(self):
        shim = self.started_with('''
import os, sys
def main(args):
    data = sys.stdin.read()
    try:
        os.write(3, b'{"forged":true}\\n')
        forged = True
    except OSError:
        forged = False
    return {"stdin": data, "forged": forged}
''')
        shim.send()
        shim.send({"second": True})
        self.assertEqual(shim.read_result(), {"stdin": "", "forged": False})
        self.assertEqual(shim.read_result(), {"stdin": "", "forged": False})

    def test_unencodable_print_does_not_raise(self):
        shim = self.started_with("def main(args):\n    print('lone \\udcff')\n    return {}\n")
        self.assertEqual(shim.run(), {})
        self.assertEqual(shim.take_stdout(), b"lone \\udcff\n")

    def test_nan_is_not_json(self):
        shim = self.started_with("def main(args):\n    return {'x': float('nan')}\n")
        self.assertIn("not JSON", shim.run()["error"])

    def test_atexit_hooks_run_and_threads_do_not_block_exit(self):
        shim = self.started_with('''
import atexit, threading, time
atexit.register(lambda: print("atexit ran"))
threading.Thread(target=lambda: time.sleep(3600)).start()   # non-daemon
def main(args):
    return {}
''')
        shim.run()
        shim.close_stdin()
        self.assertEqual(shim.wait_exit(), 0)
        self.assertEqual(shim.take_stdout(), b"atexit ran\n")

    def test_buffered_replacement_stdout_is_flushed_before_the_result(self):
        shim = self.started_with('''
import io, os, sys
sys.stdout = io.TextIOWrapper(open(os.dup(1), "wb", buffering=1 << 16), write_through=False)
def main(args):
    print("buffered %d" % args["n"], end="")
    return {}
''')
        for n in range(3):
            self.assertEqual(shim.run({"n": n}), {})
            self.assertEqual(shim.take_stdout(), b"buffered %d" % n)

    # -- prewarm ---------------------------------------------------------------------------------

    def test_prewarm_virtualenv_installed_after_ready_is_importable(self):
        # sys.path is set up from the directory's contents after the init line, not at start.
        shim = self.initialized_with(
            {"__main__.py": "import vendored\ndef main(args):\n    return {'v': vendored.V}\n",
             "virtualenv/lib/python3.11/site-packages/vendored/__init__.py": "V = 'venv'\n"},
            binary=True)
        self.assertEqual(shim.run(), {"v": "venv"})

    def test_prewarm_launcher_directory_is_not_importable(self):
        shim = self.initialized_with('''
def main(args):
    try:
        import launcher
        return {"imported": True}
    except ImportError:
        return {"imported": False}
''')
        self.assertEqual(shim.run(), {"imported": False})

    def test_prewarm_async_action_finds_asyncio_imported(self):
        # What makes an async action's first call as fast as the next: asyncio, which a cold
        # start imports only at the first awaitable, is imported before "ready".
        shim = self.initialized_with('''
import sys
ASYNCIO_AT_LOAD = "asyncio" in sys.modules
async def main(args):
    return {"asyncio_at_load": ASYNCIO_AT_LOAD, "n": args["n"]}
''')
        self.assertEqual(shim.run({"n": 1}), {"asyncio_at_load": True, "n": 1})
        self.assertEqual(shim.run({"n": 2}), {"asyncio_at_load": True, "n": 2})

    # -- helpers ---------------------------------------------------------------------------------

    def started_with(self, code, **kw):
        self.CODE = dict(CODE, adhoc=code)
        return self.started("adhoc", **kw)

    def initialized_with(self, code, **kw):
        self.CODE = dict(CODE, adhoc=code)
        return self.initialized("adhoc", **kw)


CODE["zip_no_main"] = {"helper.py": "X = 1\n"}

if __name__ == "__main__":
    unittest.main()
