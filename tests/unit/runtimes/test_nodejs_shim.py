"""invoker/runtimes/nodejs/launcher.js driven as the invoker drives it (see shim_contract.py)."""

import json
import os
import subprocess
import unittest

from shim_contract import ShimContract
from shim_harness import NODE, Shim

CODE = {
    # Text code in OpenWhisk is often a bare function that is never exported.
    "echo": '''
function main(args) {
    console.log('hello stdout');
    console.error('hello stderr');
    return { args, greeting: 'Hello, ' + (args.name || 'stranger') };
}
''',
    "zip": {
        "package.json": json.dumps({"name": "action", "version": "1.0.0", "main": "lib/entry.js"}),
        "lib/entry.js": '''
const { double, NAME } = require('./helper');
exports.main = (args) => ({ doubled: double(args.x), from: NAME });
''',
        "lib/helper.js": "module.exports = { NAME: 'helper', double: (x) => 2 * x };\n",
    },
    "custom_name": "function handler(args) { return { handled: args.v }; }\n",
    "syntax_error": "function main(args) {\n    let x = 1;\n    return { a: };\n}\n",
    "not_callable": "var main = 42;\n",
    "load_raises": "throw new Error('exploded at load');\nfunction main() { return {}; }\n",
    "init_env": '''
const atLoad = process.env.SOME_VAR;
function main(args) { return { at_load: atLoad }; }
''',
    "counter": "let count = 0;\nfunction main() { count += 1; return { count }; }\n",
    "env": '''
function main() {
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('__OW_')));
}
''',
    "lambda": '''
exports.handler = async (event, context) => {
    const r1 = context.getRemainingTimeInMillis();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const r2 = context.getRemainingTimeInMillis();
    return { event, function_name: context.functionName,
             function_version: context.functionVersion,
             memory_limit_in_mb: context.memoryLimitInMB, request_id: context.awsRequestId,
             activation_id: context.activationId, namespace: context.namespace,
             deadline: context.deadline, remaining_1: r1, remaining_2: r2,
             waits: context.callbackWaitsForEmptyEventLoop };
};
''',
    "async": '''
async function main(args) {
    await new Promise((resolve) => setTimeout(resolve, args.n));
    return { slept: args.n };
}
''',
    "raises": '''
function main(args) {
    if (args.fail) throw new Error('boom');
    return { fine: true };
}
''',
    "scalar": "function main(args) { return args.v; }\n",
    "returns_nothing": "function main(args) { return; }\n",
    "not_json": '''
function main(args) {
    if (args.ok) return { ok: true };
    return { big: 10n };
}
''',
    "recursion": '''
function down(n) { return down(n + 1) + 1; }
function main(args) { return args.depth ? args : down(0); }
''',
    "exits": "function main() { console.log('bye'); process.exit(3); }\n",
    "logs": '''
function main(args) {
    const i = args.i;
    process.stdout.write(`start-${i}`);
    process.stdout.write('x'.repeat(args.bulk));
    process.stdout.write(`end-${i}`);
    process.stderr.write(`err-${i}`);
    return { i };
}
''',
    "binary_logs": '''
function main(args) {
    const chunk = Buffer.alloc(1 << 20, 'y');
    for (let i = 0; i < args.mb; i++) process.stdout.write(chunk);
    process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x6f, 0x6b]));
    return { done: true };
}
''',
    "prints_at_load": "process.stdout.write('loading');\nfunction main() {}\n",
    "environ": '''
const atLoad = { ...process.env };
function main() { return { load: atLoad, call: { ...process.env } }; }
''',
    "tz": "function main() { return { hour_at_epoch: new Date(0).getHours() }; }\n",
}


class NodeShimTest(ShimContract, unittest.TestCase):
    runtime = "nodejs"
    text_file = "index.js"
    CODE = CODE
    recursion_error_text = "Maximum call stack size exceeded"

    # -- finding the entry point -----------------------------------------------------------------

    def test_text_entry_point_forms(self):
        cases = [
            ("function main(a) { return { form: 'bare' }; }", "bare"),
            ("exports.main = (a) => ({ form: 'exports' });", "exports"),
            ("module.exports = { main: (a) => ({ form: 'module.exports' }) };", "module.exports"),
            ("module.exports.main = function (a) { return { form: 'assigned' }; };", "assigned"),
            ("const main = (a) => ({ form: 'const' });", "const"),
            ("'use strict';\nfunction main(a) { return { form: 'strict' }; }", "strict"),
            # webpack output: the bundle sets a global
            ("function foo() { return { form: 'global' }; }\nglobal.main = foo;", "global"),
            ("function main(a) { return { form: 'comment' }; } // no newline at end", "comment"),
        ]
        for code, form in cases:
            with self.subTest(form=form):
                shim = self.started_with(code)
                self.assertEqual(shim.run(), {"form": form})

    def test_text_code_is_commonjs_with_require_relative_to_the_action(self):
        shim = self.started_with(
            {"index.js": '''
const path = require('path');
const local = require('./lib');
function main() {
    return { local, file: path.basename(__filename), dir: __dirname === process.cwd(),
             self: this === undefined || typeof this === 'object' };
}''',
             "lib.js": "module.exports = 'from lib';\n"})
        self.assertEqual(shim.run(), {"local": "from lib", "file": "index.js", "dir": True,
                                      "self": True})

    def test_stack_traces_keep_the_authors_line_numbers(self):
        shim = self.started_with("\n\nfunction main() {\n    throw new Error('line four');\n}\n")
        self.assertEqual(shim.run(), {"error": "line four"})
        self.assertIn("index.js:4", shim.take_stderr().decode())

    def test_entry_name_is_never_evaluated_as_code(self):
        self.assertLoadFails("echo", "Function 'main;process.exit(7)' not found",
                             main="main;process.exit(7)")
        self.assertLoadFails("echo", "Function 'default' not found", main="default")

    def test_esm_syntax_in_text_code_gets_a_hint(self):
        ack, _ = self.assertLoadFails("esm_text", "text actions are CommonJS")

    def test_zip_without_package_json_uses_index_js(self):
        shim = self.started_with({"index.js": "exports.main = () => ({ from: 'index' });"},
                                 binary=True)
        self.assertEqual(shim.run(), {"from": "index"})

    def test_zip_file_dot_function_entry_point(self):
        files = {"package.json": json.dumps({"main": "index.js"}),
                 "index.js": "exports.main = () => ({ from: 'index' });",
                 "other.js": "exports.niam = () => ({ from: 'other' });\n"
                             "exports.nested = { fn: () => ({ from: 'nested' }) };"}
        shim = self.started_with(files, binary=True, main="other.niam")
        self.assertEqual(shim.run(), {"from": "other"})
        shim = self.started_with(files, binary=True, main="other.nested.fn")
        self.assertEqual(shim.run(), {"from": "nested"})

    def test_zip_with_node_modules(self):
        shim = self.started_with(
            {"package.json": json.dumps({"main": "main.js"}),
             "main.js": "const lib = require('abcxyz');\nexports.main = () => ({ m: lib.m });",
             "node_modules/abcxyz/index.js": "exports.m = 'hello local library';"},
            binary=True)
        self.assertEqual(shim.run(), {"m": "hello local library"})

    def test_zip_es_module(self):
        shim = self.started_with(
            {"package.json": json.dumps({"type": "module", "main": "main.js"}),
             "main.js": "import { helper } from './helper.js';\n"
                        "export async function main(args) { return { esm: helper() }; }",
             "helper.js": "export const helper = () => 'yes';"},
            binary=True)
        self.assertEqual(shim.run(), {"esm": "yes"})
        self.assertEqual(shim.take_stderr(), b"")

    def test_zip_that_is_not_an_action_fails_load(self):
        self.assertLoadFails("zip_no_main", "Zipped actions must contain either package.json "
                             "or index.js at the root.", binary=True)

    def test_zip_main_module_missing_fails_load(self):
        self.assertLoadFails("zip_bad_main", "Could not load the package", binary=True)

    # -- calling styles and results --------------------------------------------------------------

    def test_callback_style(self):
        shim = self.started_with('''
exports.handler = function (event, context, callback) {
    if (event.mode === 'sync') return callback(null, { via: 'callback' });
    if (event.mode === 'error') return callback(new Error('cb failed'));
    if (event.mode === 'string') return callback('plain failure');
    if (event.mode === 'twice') { callback(null, { n: 1 }); callback(null, { n: 2 }); return; }
    setTimeout(() => callback(null, { via: 'timer', id: context.awsRequestId }), 10);
};''', main="handler")
        self.assertEqual(shim.run({"mode": "sync"}), {"via": "callback"})
        self.assertEqual(shim.run({"mode": "error"}), {"error": "cb failed"})
        self.assertEqual(shim.run({"mode": "string"}), {"error": "plain failure"})
        self.assertEqual(shim.run({"mode": "twice"}), {"n": 1})
        self.assertEqual(shim.run({"mode": "later"}, activation_id="9" * 32),
                         {"via": "timer", "id": "9" * 32})
        self.assertEqual(shim.run({"mode": "sync"}), {"via": "callback"})

    def test_callback_style_async_function_may_return_instead(self):
        shim = self.started_with(
            "exports.handler = async (event, context, callback) => ({ returned: true });",
            main="handler")
        self.assertEqual(shim.run(), {"returned": True})

    def test_calling_style_follows_function_length(self):
        # Function.length counts the parameters before the first default or rest parameter.
        code = '''
const seen = (args) => ({ argc: args.length, ctx: typeof args[1], cb: typeof args[2] });
exports.one = function (a) { return seen(arguments); };
exports.two = function (a, b) { return seen(arguments); };
exports.four = function (a, b, c, d) { return seen(arguments); };
exports.withDefault = function (a, b = 1) { return seen(arguments); };
exports.rest = function (a, ...r) { return seen(arguments); };
'''
        for name, expected in [("one", {"argc": 1, "ctx": "undefined", "cb": "undefined"}),
                               ("two", {"argc": 2, "ctx": "object", "cb": "undefined"}),
                               ("four", {"argc": 2, "ctx": "object", "cb": "undefined"}),
                               ("withDefault", {"argc": 1, "ctx": "undefined", "cb": "undefined"}),
                               ("rest", {"argc": 1, "ctx": "undefined", "cb": "undefined"})]:
            with self.subTest(entry=name):
                shim = self.started_with(code, main=name)
                self.assertEqual(shim.run(), expected)

    def test_lambda_context_extras(self):
        shim = self.started("lambda", main="handler")
        self.assertIs(shim.run()["waits"], True)

    def test_error_shapes(self):
        # OpenWhisk's ActionLoop Node.js launcher: an Error gives its message; any other thrown
        # or rejected value is the error itself; reject() with nothing gives {}.
        shim = self.started_with('''
async function main(args) {
    switch (args.kind) {
    case 'throw-string': throw 'nooooo';
    case 'reject-object': return Promise.reject({ done: true });
    case 'reject-nothing': return Promise.reject();
    case 'reject-error': throw new TypeError('bad type');
    case 'empty-message': throw new RangeError();
    }
}''')
        self.assertEqual(shim.run({"kind": "throw-string"}), {"error": "nooooo"})
        self.assertEqual(shim.run({"kind": "reject-object"}), {"error": {"done": True}})
        self.assertEqual(shim.run({"kind": "reject-nothing"}), {"error": {}})
        self.assertEqual(shim.run({"kind": "reject-error"}), {"error": "bad type"})
        self.assertEqual(shim.run({"kind": "empty-message"}), {"error": "RangeError"})
        self.assertIn("TypeError: bad type", shim.take_stderr().decode())

    def test_sync_throw_of_plain_object(self):
        shim = self.started_with("function main() { throw { code: 42 }; }")
        self.assertEqual(shim.run(), {"error": {"code": 42}})

    def test_null_and_non_json_results(self):
        shim = self.started_with('''
function main(args) {
    if (args.kind === 'null') return null;
    if (args.kind === 'function') return () => 1;
    if (args.kind === 'circular') { const o = {}; o.self = o; return o; }
    return Promise.resolve(undefined);
}''')
        shim.send({"kind": "null"})
        self.assertEqual(shim.read_result_line(), b"null")  # passed through; invoker rejects it
        self.assertIn("not JSON", shim.run({"kind": "function"})["error"])
        circular = shim.run({"kind": "circular"})["error"]
        self.assertIn("not JSON", circular)
        self.assertIn("circular", circular)
        self.assertEqual(shim.run({"kind": "resolved-undefined"}), {})

    def test_requests_queue_while_an_activation_runs(self):
        shim = self.started("async")
        shim.send({"n": 50})
        shim.send({"n": 1})
        self.assertEqual(shim.read_result(), {"slept": 50})
        self.assertEqual(shim.read_result(), {"slept": 1})

    def test_open_handles_do_not_block_exit_on_eof(self):
        shim = self.started_with("setInterval(() => {}, 1000);\nfunction main() { return {}; }")
        shim.run()
        shim.close_stdin()
        self.assertEqual(shim.wait_exit(), 0)

    # -- stdout/stderr are asynchronous on pipes ------------------------------------------------

    def test_node_stdout_writes_to_a_pipe_are_asynchronous(self):
        """The fact the shim's ordering rests on. Node's docs ("A note on process I/O") say pipe
        writes are asynchronous on POSIX. A 1 MiB write to a pipe nobody reads returns with the
        bytes still queued in the stream; the write's callback fires only once the pipe has
        taken them. So a shim that wrote its result right after the action returned could
        overtake the action's own output; launcher.js waits for that callback first."""
        read_end, write_end = os.pipe()
        script = r'''
const fs = require('fs');
const accepted = process.stdout.write('x'.repeat(1 << 20), () => fs.writeSync(3, 'flushed\n'));
fs.writeSync(3, JSON.stringify({ accepted, queued: process.stdout.writableLength }) + '\n');
'''
        proc = subprocess.Popen([NODE, "-e", script], stdout=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, close_fds=False,
                                preexec_fn=lambda: os.dup2(write_end, 3))
        os.close(write_end)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.stdout.close)
        with os.fdopen(read_end, "rb") as results:
            first = json.loads(results.readline())  # written while stdout is not being read
            self.assertIs(first["accepted"], False)
            self.assertGreater(first["queued"], 0)
            out = proc.stdout.read()
            self.assertEqual(len(out), 1 << 20)
            self.assertEqual(results.readline(), b"flushed\n")

    def test_console_log_of_megabytes_precedes_the_result(self):
        shim = self.started_with('''
function main(args) {
    console.log('z'.repeat(args.n));
    console.error('e'.repeat(args.n));
    return { n: args.n };
}''')
        for n in (1 << 20, 3 << 20, 10, 200_000):
            self.assertEqual(shim.run({"n": n}), {"n": n})
            self.assertEqual(len(shim.take_stdout()), n + 1)
            self.assertEqual(len(shim.take_stderr()), n + 1)

    # -- prewarm ---------------------------------------------------------------------------------

    def test_prewarm_zip_es_module(self):
        shim = self.initialized_with(
            {"package.json": json.dumps({"type": "module", "main": "main.js"}),
             "main.js": "import { helper } from './helper.js';\n"
                        "export async function main(args) { return { esm: helper() }; }",
             "helper.js": "export const helper = () => 'yes';"},
            binary=True)
        self.assertEqual(shim.run(), {"esm": "yes"})
        self.assertEqual(shim.take_stderr(), b"")

    def test_prewarm_text_code_requires_relative_to_the_action(self):
        shim = self.initialized_with(
            {"index.js": "const local = require('./lib');\nfunction main() { return { local }; }",
             "lib.js": "module.exports = 'from lib';\n"})
        self.assertEqual(shim.run(), {"local": "from lib"})

    # -- helpers ---------------------------------------------------------------------------------

    def started_with(self, code, **kw):
        self.CODE = dict(CODE, adhoc=code)
        return self.started("adhoc", **kw)

    def initialized_with(self, code, **kw):
        self.CODE = dict(CODE, adhoc=code)
        return self.initialized("adhoc", **kw)


CODE["zip_no_main"] = {"hello": "Hello world!\n"}
CODE["zip_bad_main"] = {"package.json": json.dumps({"main": "missing.js"})}
CODE["esm_text"] = "export function main() { return {}; }\n"

if __name__ == "__main__":
    unittest.main()
