"""invoker/runtimes/nodejs/launcher.js driven as the invoker drives it (see shim_contract.py)."""

import json
import os
import subprocess
import unittest

from shim_contract import ShimContract
from shim_harness import NODE, Shim, action_env, now_ms

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
    "child_env": '''
const { execFileSync } = require('child_process');
function main() {
    const out = execFileSync('/bin/sh', ['-c', 'echo "$__OW_ACTIVATION_ID $__OW_DEADLINE"']);
    return { child: out.toString().trim(), own: process.env.__OW_ACTIVATION_ID };
}
''',
    # Concurrent mode: console lines in every flavour, a timer from the args, the activation's
    # identity read before and after the await from the context, the accessor and process.env.
    "concurrent": r'''
console.log('loaded');                 // outside any activation: not prefixed
const log = console.log;               // captured at load time: still prefixed
const viaRequire = require('console');
let running = 0;
let most = 0;
let started = 0;
exports.handler = async (event, context) => {
    running += 1;
    most = Math.max(most, running);
    const order = ++started;
    const i = event.i;
    const before = globalThis.__fw_activation();
    const envAtStart = process.env.__OW_ACTIVATION_ID;
    log(`start ${i}`);
    console.info(`info ${i}\nsecond line ${i}\n\nafter an empty line ${i}`);
    console.debug(`debug ${i}`);
    console.dir({ dir: i });
    console.table([{ i }]);
    console.warn(`warn ${i}`);
    console.trace(`trace ${i}`);
    viaRequire.error(`required ${i}`);
    process.stdout.write(`raw ${i}\n`);
    await new Promise((resolve) => setTimeout(resolve, event.ms));
    const after = __fw_activation();
    if (event.bulk) console.log('b'.repeat(event.bulk));  // more than a pipe holds
    console.log(`end ${i}`);
    running -= 1;
    if (event.fail) throw new Error(`failed ${i}`);
    return {
        i, order, most,
        accessor: { id: after.activationId, deadline: after.deadline, same: before === after,
                    env_id: after.env.__OW_ACTIVATION_ID, name: after.actionName,
                    namespace: after.namespace, transaction: after.transactionId,
                    remaining: after.getRemainingTimeInMillis() },
        context: { request_id: context.awsRequestId, id: context.activationId,
                   deadline: context.deadline, name: context.functionName,
                   remaining: context.getRemainingTimeInMillis() },
        env_at_start: envAtStart,
        env_at_end: process.env.__OW_ACTIVATION_ID,
    };
};
''',
    "env_snapshot": '''
function main(args) {
    const snapshot = globalThis.__fw_activation().env;
    if (args.set) process.env.__OW_CUSTOM = args.set; // no request carries it: the real env
    return { snapshot };
}
''',
    "serial_probe": '''
async function main(args) {
    await new Promise((resolve) => setTimeout(resolve, args.ms));
    console.log(`log ${args.i}`);
    return { i: args.i, accessor: typeof globalThis.__fw_activation };
}
''',
}

RS = "\x1e"


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

    # -- concurrent mode (FW_CONCURRENCY=N > 1) --------------------------------------------------

    def read_tagged(self, shim, logs):
        """Reads one concurrent-mode result line, {"activation_id":..., "result":...}; appends
        what stdout and stderr held at that moment to logs["out"] and logs["err"]."""
        line = shim.read_result_line()
        self.assertNotIn(b"\n", line)
        tagged = json.loads(line)
        self.assertEqual(sorted(tagged), ["activation_id", "result"], tagged)
        logs["out"] += shim.take_stdout().decode()
        logs["err"] += shim.take_stderr().decode()
        return tagged

    def split_log(self, text, complete=True):
        """{activation id: [its lines]} and the list of unprefixed lines, from a log stream.
        complete=False: a snapshot, whose last line may be unfinished; that line is left out."""
        by_id, plain = {}, []
        if complete:
            self.assertTrue(text == "" or text.endswith("\n"), text[-200:])
        for line in text.split("\n")[:-1]:
            if line.startswith(RS):
                _, activation_id, rest = line.split(RS, 2)
                self.assertRegex(activation_id, r"^[0-9a-f]{32}$")
                by_id.setdefault(activation_id, []).append(rest)
            else:
                self.assertNotIn(RS, line)
                plain.append(line)
        return by_id, plain

    def run_four_concurrently(self, shim, send=None, after_send=None):
        """The N=4 scenario: four activations sent in one write (by `send`, default
        send_many), with timers that make them finish in another order than they started; the
        third one fails. Checks results, ids, deadlines, ordering and log attribution.
        `after_send` runs before the results are read and returns the (stdout, stderr) text it
        consumed that belongs to the activations, or None."""
        delays = [360, 120, 240, 0]
        ids = [os.urandom(16).hex() for _ in delays]
        base = now_ms()
        deadlines = [base + 60000 + 1000 * k for k in range(4)]
        bulk = 300_000
        requests = [Shim.request({"i": k, "ms": ms, "fail": k == 2,
                                  "bulk": bulk if k == 1 else 0},
                                 activation_id=ids[k], deadline_ms=deadlines[k])
                    for k, ms in enumerate(delays)]
        (send or shim.send_many)(requests)
        logs = {"out": "", "err": ""}
        if after_send:
            logs["out"], logs["err"] = after_send() or ("", "")
        results, seen_at_result = {}, {}
        completion = []
        for _ in delays:
            tagged = self.read_tagged(shim, logs)
            activation_id = tagged["activation_id"]
            self.assertIn(activation_id, ids)
            self.assertNotIn(activation_id, results)
            completion.append(ids.index(activation_id))
            results[activation_id] = tagged["result"]
            seen_at_result[activation_id] = dict(logs)
        # They ran at once: finished in the order of their timers, not the one they were sent in.
        self.assertEqual(completion, [3, 1, 2, 0])
        self.assertEqual(results[ids[0]]["most"], 4)  # the last to finish saw all four running

        for k, activation_id in enumerate(ids):
            r = results[activation_id]
            if k == 2:  # the failure is its own; the others are unaffected
                self.assertEqual(r, {"error": "failed 2"})
                continue
            self.assertEqual(r["i"], k)
            self.assertEqual(r["order"], k + 1)  # started in the order sent
            self.assertEqual(r["accessor"]["id"], activation_id)
            self.assertEqual(r["accessor"]["env_id"], activation_id)
            self.assertEqual(r["accessor"]["deadline"], deadlines[k])
            self.assertIs(r["accessor"]["same"], True)  # same activation after the await
            self.assertEqual(r["accessor"]["name"], "/guest/hello")
            self.assertEqual(r["accessor"]["namespace"], "guest")
            self.assertEqual(r["accessor"]["transaction"], requests[k]["transaction_id"])
            self.assertEqual(r["context"]["request_id"], activation_id)
            self.assertEqual(r["context"]["id"], activation_id)
            self.assertEqual(r["context"]["deadline"], deadlines[k])
            self.assertEqual(r["context"]["name"], "/guest/hello")
            for remaining in (r["accessor"]["remaining"], r["context"]["remaining"]):
                self.assertLessEqual(remaining, deadlines[k] - base)
                self.assertGreater(remaining, deadlines[k] - base - 30000)
            # process.env follows the most recently started activation (documented as such).
            self.assertEqual(r["env_at_start"], activation_id)
            self.assertEqual(r["env_at_end"], ids[3])

        out, plain_out = self.split_log(logs["out"])
        err, plain_err = self.split_log(logs["err"])
        # process.stdout.write is not prefixed; nothing else is unprefixed.
        self.assertEqual(sorted(plain_out), ["raw %d" % k for k in range(4)])
        self.assertEqual(plain_err, [])
        self.assertEqual(set(out), set(ids))
        self.assertEqual(set(err), set(ids))
        table = ("┌", "│", "├", "└")
        for k, activation_id in enumerate(ids):
            with self.subTest(activation=k):
                lines = out[activation_id]
                bulk_lines = ["b" * bulk] if k == 1 else []
                self.assertEqual([l for l in lines if not l.startswith(table)],
                                 ["start %d" % k, "info %d" % k, "second line %d" % k, "",
                                  "after an empty line %d" % k, "debug %d" % k,
                                  "{ dir: %d }" % k] + bulk_lines + ["end %d" % k])
                self.assertEqual(len([l for l in lines if l.startswith(table)]), 5)
                errs = err[activation_id]
                self.assertEqual(errs[:2], ["warn %d" % k, "Trace: trace %d" % k])
                self.assertIn("required %d" % k, errs)
                for line in errs:  # a stack trace is prefixed on every line
                    self.assertTrue(line in ("warn %d" % k, "Trace: trace %d" % k,
                                             "required %d" % k, "Error: failed %d" % k)
                                    or line.startswith("    at "), line)
                self.assertEqual("Error: failed 2" in errs, k == 2)
                # Its logs were complete in the pipes when its result line arrived.
                at_result = seen_at_result[activation_id]
                at_result_out, _ = self.split_log(at_result["out"], complete=False)
                at_result_err, _ = self.split_log(at_result["err"], complete=False)
                self.assertEqual(at_result_out[activation_id], lines)
                self.assertEqual(at_result_err[activation_id], errs)

    def test_concurrent_activations_run_at_once_each_with_its_own_identity(self):
        shim = self.start("concurrent", main="handler", init_env={"FW_CONCURRENCY": "4"})
        self.assertEqual(shim.ack(), {"ok": True}, shim.stderr_text())
        self.assertEqual(shim.take_stdout(), b"loaded\n")  # load output is not prefixed
        self.run_four_concurrently(shim)
        # The instance goes on, with the same module state.
        shim.send({"i": 9, "ms": 0}, activation_id="9" * 32)
        tagged = self.read_tagged(shim, {"out": "", "err": ""})
        self.assertEqual(tagged["activation_id"], "9" * 32)
        self.assertEqual(tagged["result"]["order"], 5)
        shim.close_stdin()
        self.assertEqual(shim.wait_exit(), 0)

    def test_concurrent_requests_beyond_the_limit_wait_in_order(self):
        shim = self.started("concurrent", main="handler", init_env={"FW_CONCURRENCY": "2"})
        requests = [Shim.request({"i": k, "ms": 40}) for k in range(6)]
        shim.send_many(requests)
        logs = {"out": "", "err": ""}
        results = {}
        for _ in requests:
            tagged = self.read_tagged(shim, logs)
            results[tagged["activation_id"]] = tagged["result"]
        for k, request in enumerate(requests):
            r = results[request["activation_id"]]
            self.assertEqual((r["i"], r["order"]), (k, k + 1))  # started in the order sent
            self.assertEqual(r["context"]["id"], request["activation_id"])
        self.assertEqual(max(r["most"] for r in results.values()), 2)

    def test_concurrent_env_snapshot_follows_writes_to_the_environment(self):
        # The snapshot is built from a copy of the real environment's __OW_* entries; a write
        # through process.env must refresh it for the activations that start after it.
        shim = self.started("env_snapshot", init_env={"FW_CONCURRENCY": "2"})
        seen = []
        for k, value in enumerate([None, "v1", None, "v2", None]):
            aid = "%032x" % (k + 1)
            shim.send({"set": value}, activation_id=aid)
            tagged = self.read_tagged(shim, {"out": "", "err": ""})
            snapshot = tagged["result"]["snapshot"]
            self.assertEqual(snapshot["__OW_ACTIVATION_ID"], aid)
            self.assertEqual(snapshot["__OW_API_HOST"], "http://127.0.0.1:3233")
            seen.append(snapshot.get("__OW_CUSTOM"))
        self.assertEqual(seen, [None, None, "v1", "v1", "v2"])

    def test_concurrent_invalid_line_and_eof(self):
        shim = self.started("concurrent", main="handler", init_env={"FW_CONCURRENCY": "3"})
        slow = Shim.request({"i": 0, "ms": 150})
        shim.send_many([slow])
        shim.send_raw(b"this is not json\n")
        shim.close_stdin()  # the shim finishes what it was sent, then exits 0
        logs = {"out": "", "err": ""}
        first = self.read_tagged(shim, logs)
        self.assertIsNone(first["activation_id"])
        self.assertIn("Invalid activation request", first["result"]["error"])
        second = self.read_tagged(shim, logs)
        self.assertEqual(second["activation_id"], slow["activation_id"])
        self.assertEqual(second["result"]["i"], 0)
        self.assertEqual(shim.wait_exit(), 0)
        _, plain = self.split_log(logs["err"] + shim.take_stderr().decode())
        self.assertTrue(any("invalid activation request" in l for l in plain), plain)

    def test_prewarm_with_concurrency_from_the_init_line(self):
        shim = self.prewarmed()
        shim.install(self.files("concurrent"))
        init = {"init": {"main": "handler", "binary": False,
                         "env": dict(action_env("handler"), FW_CONCURRENCY="4")}}

        def send_with_init(requests):  # the init line and the four requests in one write
            shim.send_raw("".join(json.dumps(m) + "\n" for m in [init] + requests).encode())

        def ack_first():
            self.assertEqual(shim.ack(), {"ok": True}, shim.stderr_text())
            # Load output comes first, unprefixed; the activations may have started logging.
            out = shim.take_stdout().decode()
            self.assertTrue(out.startswith("loaded\n"), out[:200])
            return out[len("loaded\n"):], shim.take_stderr().decode()

        self.run_four_concurrently(shim, send=send_with_init, after_send=ack_first)

    def test_concurrency_off_keeps_the_serial_protocol(self):
        for value in ("1", "0", "", "two", "-3", "2.5"):
            with self.subTest(FW_CONCURRENCY=value):
                shim = self.started("serial_probe", init_env={"FW_CONCURRENCY": value})
                shim.send_many([Shim.request({"i": 0, "ms": 60}),
                                Shim.request({"i": 1, "ms": 0})])
                # One at a time, in order, untagged, unprefixed, no accessor.
                self.assertEqual(shim.read_result_line(), b'{"i":0,"accessor":"undefined"}')
                self.assertEqual(shim.read_result_line(), b'{"i":1,"accessor":"undefined"}')
                self.assertEqual(shim.take_stdout(), b"log 0\nlog 1\n")

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
