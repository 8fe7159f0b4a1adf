"""The behaviour both runtime shims must share, as one table of cases per runtime.

ShimContract is a mixin: test_python_shim.py and test_nodejs_shim.py combine it with
unittest.TestCase and supply CODE, a {case name: source} table written in their language. Each
test here names the case it needs and states what the invoker must observe.
"""

import json
import os
import statistics
import sys
import time

from shim_harness import Shim, ShimExited, now_ms


class ShimContract:
    runtime = None      # "python" | "nodejs"
    text_file = None    # where text code lives: "__main__.py" | "index.js"
    CODE = {}           # case name -> source text, or {relative path: content} for a zip layout

    # -- helpers ---------------------------------------------------------------------------------

    def files(self, case):
        code = self.CODE[case]
        return code if isinstance(code, dict) else {self.text_file: code}

    def start(self, case, **kw):
        shim = Shim(self.runtime, self.files(case), **kw)
        self.addCleanup(shim.close)
        return shim

    def started(self, case, **kw):
        shim = self.start(case, **kw)
        self.assertEqual(shim.ack(), {"ok": True}, shim.stderr_text())
        return shim

    def assertLoadFails(self, case, message_part, **kw):
        shim = self.start(case, **kw)
        line = shim.read_result_line()
        ack = json.loads(line)
        self.assertIs(ack.get("ok"), False, ack)
        self.assertIn(message_part, ack["error"])
        self.assertNotIn("\n", ack["error"])
        self.assertEqual(shim.wait_exit(), 1)
        self.assertEqual(shim.take_stdout(), b"", "the shim must not write to stdout")
        return ack, shim.stderr_text()

    # -- loading ---------------------------------------------------------------------------------

    def test_ack_is_exactly_ok_true(self):
        shim = self.start("echo")
        self.assertEqual(shim.read_result_line(), b'{"ok":true}')

    def test_text_main_gets_args_and_logs(self):
        shim = self.started("echo")
        self.assertEqual(shim.run({"name": "Ada", "n": [1, 2]}),
                         {"args": {"name": "Ada", "n": [1, 2]}, "greeting": "Hello, Ada"})
        self.assertEqual(shim.take_stdout().decode(), "hello stdout\n")
        self.assertEqual(shim.take_stderr().decode(), "hello stderr\n")

    def test_zip_layout_imports_sibling_modules(self):
        shim = self.started("zip", binary=True)
        self.assertEqual(shim.run({"x": 2}), {"doubled": 4, "from": "helper"})

    def test_custom_entry_point_name(self):
        shim = self.started("custom_name", main="handler")
        self.assertEqual(shim.run({"v": 1}), {"handled": 1})

    def test_syntax_error_fails_load(self):
        ack, stderr = self.assertLoadFails("syntax_error", "yntax")
        self.assertIn(self.text_file, ack["error"])
        self.assertIn("line 3", ack["error"])
        self.assertIn("3", stderr)  # the traceback/stack names the line too

    def test_missing_entry_point_fails_load(self):
        self.assertLoadFails("echo", "Function 'nope' not found in %s" % self.text_file,
                             main="nope")

    def test_entry_point_that_is_not_a_function_fails_load(self):
        self.assertLoadFails("not_callable", "'main' in %s is not a function" % self.text_file)

    def test_error_while_loading_fails_load(self):
        ack, stderr = self.assertLoadFails("load_raises", "exploded at load")
        self.assertIn("exploded at load", stderr)

    def test_missing_code_file_fails_load(self):
        shim = Shim(self.runtime, {"unrelated.txt": "x"})
        self.addCleanup(shim.close)
        ack = shim.read_result()
        self.assertIs(ack["ok"], False)
        self.assertIn(self.text_file, ack["error"])
        self.assertEqual(shim.wait_exit(), 1)

    def test_init_params_visible_at_load_time(self):
        shim = self.started("init_env", init_env={"SOME_VAR": "some value"})
        self.assertEqual(shim.run(), {"at_load": "some value"})

    # -- activations ------------------------------------------------------------------------------

    def test_warm_reuse_keeps_module_state(self):
        shim = self.started("counter")
        self.assertEqual([shim.run()["count"] for _ in range(5)], [1, 2, 3, 4, 5])

    def test_ow_env_is_set_per_activation(self):
        shim = self.started("env")
        first = shim.run(activation_id="a" * 32, api_key="uuid:key", deadline_ms=1700000060000,
                         extra={"nested": [1]})
        self.assertEqual(first["__OW_ACTIVATION_ID"], "a" * 32)
        self.assertEqual(first["__OW_API_KEY"], "uuid:key")
        self.assertEqual(first["__OW_DEADLINE"], "1700000060000")
        self.assertEqual(first["__OW_ACTION_NAME"], "/guest/hello")
        self.assertEqual(first["__OW_NAMESPACE"], "guest")
        self.assertEqual(first["__OW_TRANSACTION_ID"][:4], "tid-")
        self.assertEqual(json.loads(first["__OW_EXTRA"]), {"nested": [1]})  # non-strings: JSON
        self.assertEqual(first["__OW_API_HOST"], "http://127.0.0.1:3233")  # from the start env

        second = shim.run(activation_id="b" * 32)
        self.assertEqual(second["__OW_ACTIVATION_ID"], "b" * 32)
        # Keys of the previous request that this one lacks do not linger.
        self.assertNotIn("__OW_API_KEY", second)
        self.assertNotIn("__OW_EXTRA", second)

    def test_request_keys_that_cannot_be_variables_are_left_out(self):
        # A NUL in a value, or '=' in a key, cannot be in the environment: those variables are
        # skipped, and the activation runs with the rest set, this time and the next.
        shim = self.started("env")
        for _ in range(2):
            got = shim.run(activation_id="d" * 32, **{"bad_value": "x\u0000y", "bad=key": "v", "fine": "ok"})
            self.assertEqual(got["__OW_ACTIVATION_ID"], "d" * 32)
            self.assertEqual(got["__OW_FINE"], "ok")
            self.assertNotIn("__OW_BAD_VALUE", got)
            self.assertFalse(any(k.startswith("__OW_BAD=") for k in got), got)

    def test_env_keys_missing_from_a_request_fall_back_to_start_values(self):
        shim = self.started("env")
        shim.run(namespace="other")
        shim.send_raw(b'{"value":{},"activation_id":"c"}\n')
        third = shim.read_result()
        self.assertEqual(third["__OW_NAMESPACE"], "guest")
        self.assertEqual(third["__OW_ACTIVATION_ID"], "c")

    def test_child_processes_see_the_activation_env(self):
        shim = self.started("child_env")
        for aid, deadline in (("a" * 32, 1700000060000), ("b" * 32, 1700000070000)):
            got = shim.run(activation_id=aid, deadline_ms=deadline)
            self.assertEqual(got, {"child": "%s %d" % (aid, deadline), "own": aid})
        shim.send_raw(b'{"value":{},"activation_id":"c"}\n')  # no deadline: none in the child
        self.assertEqual(shim.read_result(), {"child": "c", "own": "c"})

    def test_warm_instance_memory_does_not_grow_with_activations(self):
        """Each activation brings a new activation id, transaction id and deadline. Put into the
        environment with setenv(3), glibc keeps every such string for good (about 200 bytes an
        activation), until the instance's memory limit kills it. Counted here: the growth of
        the process's malloc heap (the [heap] mapping; the interpreters' own object heaps are
        elsewhere) over 30 000 activations, after 20 000 to settle (Node.js takes that long)."""
        shim = self.started("env")

        def heap_kb():
            with open("/proc/%d/smaps" % shim.proc.pid) as f:
                lines = f.read().splitlines()
            for i, line in enumerate(lines):
                if line.endswith("[heap]"):
                    return next(int(l.split()[1]) for l in lines[i + 1:] if l.startswith("Size:"))
            return 0

        def run(n):
            for _ in range(n // 500):
                shim.send_many([shim.request() for _ in range(500)])
                for _ in range(500):
                    shim.read_result()

        run(20000)
        before = heap_kb()
        run(30000)
        grown = heap_kb() - before
        # Leaking, this is 5-7 MB; without the leak it stays within the allocator's slack.
        self.assertLess(grown, 1024, "the malloc heap grew by %d kB over 30 000 activations" % grown)

    def test_lambda_handler_gets_context(self):
        shim = self.started("lambda", main="handler", memory_mb=512,
                            action_name="/guest/pkg/hello")
        deadline = now_ms() + 30000
        r = shim.run({"k": "v"}, activation_id="f" * 32, deadline_ms=deadline,
                     action_name="/guest/pkg/hello")
        self.assertEqual(r["event"], {"k": "v"})
        self.assertEqual(r["function_name"], "/guest/pkg/hello")
        self.assertEqual(r["function_version"], "0.0.1")
        self.assertEqual(r["memory_limit_in_mb"], 512)
        self.assertEqual(r["request_id"], "f" * 32)
        self.assertEqual(r["activation_id"], "f" * 32)
        self.assertEqual(r["namespace"], "guest")
        self.assertEqual(r["deadline"], deadline)
        # Derived from the deadline we sent, and decreasing while the handler runs.
        self.assertLessEqual(r["remaining_1"], 30000)
        self.assertGreater(r["remaining_1"], 20000)
        self.assertLess(r["remaining_2"], r["remaining_1"])

        late = shim.run({}, deadline_ms=now_ms() - 1000)
        self.assertEqual(late["remaining_1"], 0)

    def test_async_entry_point_is_awaited(self):
        shim = self.started("async")
        self.assertEqual(shim.run({"n": 20}), {"slept": 20})
        self.assertEqual(shim.run({"n": 1}), {"slept": 1})

    def test_exception_becomes_error_and_instance_survives(self):
        shim = self.started("raises")
        self.assertEqual(shim.run({"fail": True}), {"error": "boom"})
        self.assertIn("boom", shim.take_stderr().decode())  # the traceback/stack is a log
        self.assertEqual(shim.run({"fail": False}), {"fine": True})

    def test_returning_an_error_object_is_passed_as_is(self):
        shim = self.started("scalar")
        self.assertEqual(shim.run({"v": {"error": "sorry"}}), {"error": "sorry"})

    def test_no_return_value_becomes_empty_object(self):
        shim = self.started("returns_nothing")
        self.assertEqual(shim.run(), {})

    def test_non_dict_results_pass_through_as_json(self):
        shim = self.started("scalar")
        for value in ["a string", 42, 1.5, True, [1, "two"], []]:
            shim.send({"v": value})
            self.assertEqual(json.loads(shim.read_result_line()), value)

    def test_result_that_is_not_json_is_an_error(self):
        shim = self.started("not_json")
        r = shim.run()
        self.assertTrue(r["error"].startswith("The action returned a value that is not JSON: "), r)
        self.assertEqual(shim.run({"ok": True}), {"ok": True})

    def test_invalid_request_line_gets_an_error_line(self):
        shim = self.started("counter")
        shim.send_raw(b"this is not json\n")
        r = shim.read_result()
        self.assertIn("Invalid activation request", r["error"])
        self.assertEqual(shim.run(), {"count": 1})

    def test_large_request_and_huge_result(self):
        shim = self.started("scalar")
        big = "é" * (3 << 20)  # 6 MB of UTF-8
        shim.send({"v": {"s": big}})
        line = shim.read_result_line(timeout=60)
        self.assertNotIn(b"\n", line)
        self.assertEqual(json.loads(line), {"s": big})

    def test_non_blocking_pipes_from_the_invoker(self):
        # Pipes the invoker made O_NONBLOCK reach the shim that way; a full pipe must make the
        # shim wait, not fail or drop bytes.
        shim = self.started("binary_logs", nonblocking_pipes=True)
        self.assertEqual(shim.run({"mb": 3}), {"done": True})
        self.assertEqual(len(shim.take_stdout()), (3 << 20) + 6)
        shim = self.started("scalar", nonblocking_pipes=True)
        big = "z" * (4 << 20)
        self.assertEqual(shim.run({"v": [big]}), [big])

    def test_result_strings_with_newlines_stay_on_one_line(self):
        shim = self.started("scalar")
        shim.send({"v": {"text": "a\nb\r\n\u2028c"}})
        self.assertEqual(json.loads(shim.read_result_line()), {"text": "a\nb\r\n\u2028c"})

    def test_deep_recursion_is_an_error_not_a_crash(self):
        shim = self.started("recursion")
        r = shim.run()
        self.assertIn("error", r)
        self.assertIn(self.recursion_error_text, r["error"])
        self.assertEqual(shim.run({"depth": 3}), {"depth": 3})

    def test_exit_ends_the_process_without_a_result(self):
        shim = self.started("exits")
        shim.send()
        with self.assertRaises(ShimExited):
            shim.read_result_line()
        self.assertEqual(shim.wait_exit(), 3)
        self.assertIn(b"bye", shim.take_stdout())

    def test_stdin_eof_exits_zero(self):
        shim = self.started("counter")
        shim.run()
        shim.close_stdin()
        self.assertEqual(shim.wait_exit(), 0)

    def test_shim_writes_nothing_to_stdout_or_stderr(self):
        shim = self.started("counter")
        for _ in range(3):
            shim.run()
        shim.close_stdin()
        self.assertEqual(shim.wait_exit(), 0)
        self.assertEqual(shim.take_stdout(), b"")
        self.assertEqual(shim.take_stderr(), b"")

    # -- logs ---------------------------------------------------------------------------------

    def test_logs_are_in_the_pipes_before_the_result_line(self):
        """The invoker cuts an activation's logs when its result line arrives; the logs must be
        complete by then. Read the pipes without waiting right after each result line and expect
        exactly this activation's output. Some activations print ~300 KB, more than a pipe
        holds, which is when an unflushed or asynchronous write would show up here."""
        shim = self.started("logs")
        for i in range(300):
            bulk = 300_000 if i % 10 == 0 else (i * 37) % 5000
            self.assertEqual(shim.run({"i": i, "bulk": bulk}), {"i": i})
            out = shim.take_stdout()
            err = shim.take_stderr()
            expected = b"start-%d" % i + b"x" * bulk + b"end-%d" % i
            if out != expected:
                self.fail("activation %d: stdout has %d bytes, expected %d; tail %r" % (
                    i, len(out), len(expected), out[-40:]))
            self.assertEqual(err, b"err-%d" % i, "activation %d" % i)

    def test_megabytes_of_output_and_binary_bytes(self):
        shim = self.started("binary_logs")
        r = shim.run({"mb": 4})
        self.assertEqual(r, {"done": True})
        out = shim.take_stdout()
        self.assertEqual(len(out), (4 << 20) + 6)
        self.assertTrue(out.endswith(b"\xff\xfe\x00\x80ok"), out[-10:])
        self.assertEqual(shim.run({"mb": 0}), {"done": True})
        self.assertEqual(shim.take_stdout(), b"\xff\xfe\x00\x80ok")

    def test_output_printed_while_loading_comes_before_the_ack(self):
        shim = self.start("prints_at_load")
        self.assertEqual(shim.ack(), {"ok": True})
        self.assertEqual(shim.take_stdout(), b"loading")
        self.assertEqual(shim.run(), {})
        self.assertEqual(shim.take_stdout(), b"")

    # -- prewarm ("stem cell") instances ---------------------------------------------------------
    # Started before the action is known: FW_PREWARM=1, no action variables, an empty directory.
    # The shim says {"ready":true}; the invoker then fills the directory and sends one init line.

    def prewarmed(self):
        shim = Shim(self.runtime, {}, prewarm=True)
        self.addCleanup(shim.close)
        self.assertEqual(shim.read_result_line(), b'{"ready":true}', shim.stderr_text())
        return shim

    def initialized(self, case, **kw):
        """A prewarmed shim given `case` as its action; kw: main, binary, init_env, action_name."""
        shim = self.prewarmed()
        shim.install(self.files(case))
        shim.send_init(**kw)
        self.assertEqual(shim.ack(), {"ok": True}, shim.stderr_text())
        return shim

    def assertInitFails(self, shim, message_part, exact_prefix="Invalid init message: "):
        ack = json.loads(shim.read_result_line())
        self.assertIs(ack.get("ok"), False, ack)
        self.assertTrue(ack["error"].startswith(exact_prefix), ack)
        self.assertIn(message_part, ack["error"])
        self.assertNotIn("\n", ack["error"])
        self.assertEqual(shim.wait_exit(), 1)
        self.assertEqual(shim.take_stdout(), b"", "the shim must not write to stdout")
        self.assertIn(ack["error"], shim.stderr_text())  # the details are logged as well
        return ack

    def test_prewarm_says_ready_while_the_directory_is_empty(self):
        shim = self.prewarmed()
        self.assertEqual(os.listdir(shim.action_dir), [])
        self.assertIsNone(shim.proc.poll())
        self.assertEqual(shim.unread_results(), b"")  # nothing but ready, not a failed load
        shim.drain_now()
        self.assertEqual(shim.take_stdout() + shim.take_stderr(), b"")
        # Loading waits for the init line: the code installed now is what gets loaded.
        shim.install(self.files("echo"))
        shim.send_init()
        self.assertEqual(shim.read_result_line(), b'{"ok":true}')
        self.assertEqual(shim.run({"name": "Ada"}),
                         {"args": {"name": "Ada"}, "greeting": "Hello, Ada"})
        self.assertEqual(shim.take_stdout().decode(), "hello stdout\n")
        self.assertEqual(shim.take_stderr().decode(), "hello stderr\n")

    def test_prewarm_environment_is_that_of_a_cold_start(self):
        """Init parameters and __OW_ACTION_NAME from the init message, FW_PREWARM gone: the
        action sees, at load time and per activation, exactly what a cold start shows it."""
        settings = dict(init_env={"MY_INIT_PARAM": "x", "OTHER": "spaces and = signs"},
                        action_name="/guest/pkg/act")
        cold = self.start("environ", **settings)
        self.assertEqual(cold.ack(), {"ok": True}, cold.stderr_text())
        warm = self.initialized("environ", **settings)
        request = dict(value={"a": 1}, activation_id="e" * 32, transaction_id="tid-same",
                       deadline_ms=1700000060000, action_name="/guest/pkg/act")
        seen = {}
        for label, shim in (("cold", cold), ("prewarmed", warm)):
            result = shim.run(**request)
            for phase in ("load", "call"):
                self.assertEqual(result[phase].pop("FW_ACTION_DIR"), shim.action_dir)
            seen[label] = result
        self.assertEqual(seen["prewarmed"], seen["cold"])
        for phase in ("load", "call"):
            env = seen["prewarmed"][phase]
            self.assertEqual(env["MY_INIT_PARAM"], "x")
            self.assertEqual(env["OTHER"], "spaces and = signs")
            self.assertEqual(env["__OW_ACTION_NAME"], "/guest/pkg/act")
            self.assertEqual(env["FW_ACTION_MAIN"], "main")
            self.assertEqual(env["FW_ACTION_BINARY"], "0")
            self.assertNotIn("FW_PREWARM", env)
        self.assertEqual(seen["prewarmed"]["call"]["__OW_ACTIVATION_ID"], "e" * 32)

    def test_prewarm_lambda_handler_named_by_init(self):
        shim = self.initialized("lambda", main="handler", action_name="/guest/pkg/hello")
        deadline = now_ms() + 30000
        # No action_name in the request: the context's name is the init message's.
        shim.send_raw(json.dumps({"value": {"k": "v"}, "activation_id": "f" * 32,
                                  "deadline": str(deadline)}).encode() + b"\n")
        r = shim.read_result()
        self.assertEqual(r["event"], {"k": "v"})
        self.assertEqual(r["function_name"], "/guest/pkg/hello")
        self.assertEqual(r["function_version"], "0.0.1")
        self.assertEqual(r["namespace"], "guest")
        self.assertEqual(r["memory_limit_in_mb"], 256)
        self.assertEqual(r["request_id"], "f" * 32)
        self.assertEqual(r["deadline"], deadline)

    def test_prewarm_zip_layout(self):
        shim = self.initialized("zip", binary=True)
        self.assertEqual(shim.run({"x": 2}), {"doubled": 4, "from": "helper"})

    def test_prewarm_module_state_persists(self):
        shim = self.initialized("counter")
        self.assertEqual([shim.run()["count"] for _ in range(5)], [1, 2, 3, 4, 5])

    def test_prewarm_env_keys_fall_back_to_init_values(self):
        # The start-up values of the __OW_* rule are those after the init message (the start
        # environment had no __OW_NAMESPACE at all).
        shim = self.initialized("env", init_env={"__OW_NAMESPACE": "from-init"})
        self.assertEqual(shim.run(namespace="other")["__OW_NAMESPACE"], "other")
        shim.send_raw(b'{"value":{},"activation_id":"c"}\n')
        third = shim.read_result()
        self.assertEqual(third["__OW_NAMESPACE"], "from-init")
        self.assertEqual(third["__OW_ACTION_NAME"], "/guest/hello")

    def test_prewarm_init_param_tz_applies_as_in_a_cold_start(self):
        # A POSIX TZ string needs no tzdata: 5 hours west of UTC, called XYZ.
        settings = dict(init_env={"TZ": "XYZ+5"})
        cold = self.started("tz", **settings)
        warm = self.initialized("tz", **settings)
        expected = {"hour_at_epoch": 19}
        self.assertEqual(cold.run(), expected)
        self.assertEqual(warm.run(), expected)

    def test_prewarm_init_and_requests_in_one_write(self):
        shim = self.prewarmed()
        shim.install(self.files("counter"))
        init = json.dumps({"init": {"main": "main", "binary": False, "env": {}}})
        shim.send_raw((init + "\n" + '{"value":{}}\n' * 2).encode())
        self.assertEqual(shim.ack(), {"ok": True})
        self.assertEqual([shim.read_result(), shim.read_result()], [{"count": 1}, {"count": 2}])

    def test_prewarm_main_and_binary_default_to_the_env_entries(self):
        # main/binary are optional in the init message; FW_ACTION_MAIN/FW_ACTION_BINARY in its
        # env then decide, as they do in a cold start.
        shim = self.prewarmed()
        shim.install(self.files("custom_name"))
        shim.send_raw(b'{"init":{"env":{"FW_ACTION_MAIN":"handler","FW_ACTION_BINARY":"0"}}}\n')
        self.assertEqual(shim.ack(), {"ok": True}, shim.stderr_text())
        self.assertEqual(shim.run({"v": 7}), {"handled": 7})

    def test_prewarm_main_and_binary_win_over_the_env_entries(self):
        shim = self.prewarmed()
        shim.install(self.files("custom_name"))
        shim.send_raw(b'{"init":{"main":"handler","env":{"FW_ACTION_MAIN":"main"}}}\n')
        self.assertEqual(shim.ack(), {"ok": True}, shim.stderr_text())
        self.assertEqual(shim.run({"v": 7}), {"handled": 7})
        # binary:true loads a zip layout even though env says text: a zip error, not a text one.
        shim = self.prewarmed()
        shim.install(self.files("zip_no_main"))
        shim.send_raw(b'{"init":{"binary":true,"env":{"FW_ACTION_BINARY":"0"}}}\n')
        self.assertInitFails(shim, "root", exact_prefix="Zip")

    def test_prewarm_non_blocking_pipes_from_the_invoker(self):
        shim = Shim(self.runtime, {}, prewarm=True, nonblocking_pipes=True)
        self.addCleanup(shim.close)
        self.assertEqual(shim.read_result_line(), b'{"ready":true}')
        shim.install(self.files("scalar"))
        shim.send_init()
        self.assertEqual(shim.ack(), {"ok": True})
        big = "z" * (4 << 20)
        self.assertEqual(shim.run({"v": [big]}), [big])

    def test_prewarm_output_printed_while_loading_comes_before_the_ack(self):
        shim = self.prewarmed()
        shim.install(self.files("prints_at_load"))
        shim.send_init()
        self.assertEqual(shim.ack(), {"ok": True})
        self.assertEqual(shim.take_stdout(), b"loading")

    def test_prewarm_missing_entry_point_fails_init(self):
        shim = self.prewarmed()
        shim.install(self.files("echo"))
        shim.send_init(main="nope")
        self.assertInitFails(shim, "Function 'nope' not found in %s" % self.text_file,
                             exact_prefix="Function")

    def test_prewarm_code_never_installed_fails_init(self):
        shim = self.prewarmed()
        shim.send_init()
        self.assertInitFails(shim, self.text_file, exact_prefix="Action code not found")

    def test_prewarm_malformed_init_line(self):
        cases = [
            (b"this is not json\n", "not JSON"),
            (b"\n", "not JSON"),
            (b"[1, 2]\n", 'no "init" object'),
            (b'{"value":{},"activation_id":"x"}\n', 'no "init" object'),  # an activation
            (b'{"init":"main"}\n', 'no "init" object'),
            (b'{"init":{"main":7}}\n', '"main" must be a non-empty string'),
            (b'{"init":{"main":""}}\n', '"main" must be a non-empty string'),
            (b'{"init":{"binary":"1"}}\n', '"binary" must be true or false'),
            (b'{"init":{"env":["A"]}}\n', '"env" must be an object'),
            (b'{"init":{"env":{"A":1}}}\n', "the value of A must be a string"),
            (b'{"init":{"env":{"A":null}}}\n', "the value of A must be a string"),
            (b'{"init":{"env":{"A=B":"x"}}}\n', '"A=B" is not a valid variable name'),
            (b'{"init":{"env":{"":"x"}}}\n', '"" is not a valid variable name'),
            (b'{"init":{"env":{"A":"x\\u0000y"}}}\n', "the value of A contains a NUL"),
        ]
        for line, message_part in cases:
            with self.subTest(line=line):
                shim = self.prewarmed()
                shim.install(self.files("echo"))
                shim.send_raw(line)
                self.assertInitFails(shim, message_part)

    def test_prewarm_eof_before_init_exits_quietly(self):
        for unfinished in (b"", b'{"init":{"main":"main"'):  # EOF, or EOF inside the line
            with self.subTest(unfinished=unfinished):
                shim = self.prewarmed()
                if unfinished:
                    shim.send_raw(unfinished)
                shim.close_stdin()
                self.assertEqual(shim.wait_exit(), 0)
                self.assertEqual(shim.unread_results(), b"")
                self.assertEqual(shim.take_stdout() + shim.take_stderr(), b"")

    def test_prewarm_init_to_ack_versus_cold_start(self):
        """Measures (does not assert) what prewarming buys: the invoker waits spawn -> ack for a
        cold instance but only init line -> ack for a prewarmed one. Medians are printed."""
        runs = 7
        cold_ms, ready_ms, init_ms = [], [], []
        for _ in range(runs):
            cold = self.start("echo")
            self.assertEqual(cold.ack(), {"ok": True})
            cold_ms.append(1000 * (time.monotonic() - cold.spawned_at))
            warm = self.prewarmed()
            ready_ms.append(1000 * (time.monotonic() - warm.spawned_at))
            warm.install(self.files("echo"))
            t0 = time.monotonic()
            warm.send_init()
            self.assertEqual(warm.ack(), {"ok": True})
            init_ms.append(1000 * (time.monotonic() - t0))
            for shim in (cold, warm):
                self.assertEqual(shim.run({"name": "x"})["greeting"], "Hello, x")
                shim.close()  # measure the next pair without these two around
        median = statistics.median
        sys.stderr.write(
            "\n    [%s, median of %d] cold start spawn->ack %.1f ms; prewarmed: spawn->ready "
            "%.1f ms, init->ack %.2f ms ... " % (self.runtime, runs, median(cold_ms),
                                                   median(ready_ms), median(init_ms)))
