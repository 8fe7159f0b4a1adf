"""The behaviour both runtime shims must share, as one table of cases per runtime.

ShimContract is a mixin: test_python_shim.py and test_nodejs_shim.py combine it with
unittest.TestCase and supply CODE, a {case name: source} table written in their language. Each
test here names the case it needs and states what the invoker must observe.
"""

import json

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

    def test_env_keys_missing_from_a_request_fall_back_to_start_values(self):
        shim = self.started("env")
        shim.run(namespace="other")
        shim.send_raw(b'{"value":{},"activation_id":"c"}\n')
        third = shim.read_result()
        self.assertEqual(third["__OW_NAMESPACE"], "guest")
        self.assertEqual(third["__OW_ACTIVATION_ID"], "c")

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
