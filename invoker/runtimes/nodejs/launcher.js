// Firework's in-sandbox shim for Node.js actions: loads the action's code once, then answers one
// activation per stdin line with one JSON result line on fd 3 (ActionLoop style, see
// docs/runtimes.md "Shim protocol"). It is not a module bundler and never writes to stdout:
// everything on stdout/stderr is the action's log.
//
// Started by the invoker as `/usr/bin/node launcher.js` with cwd = the action directory.
// With FW_PREWARM=1 it is a "stem cell": started before the action is known, it loads its own
// modules, says {"ready":true}, and waits for an init line naming the action (see prewarm()).
// With FW_CONCURRENCY=N (N > 1) it runs up to N activations at once (see "Concurrent mode").
// Node core modules only.
'use strict';

const fs = require('fs');
const Module = require('module');
const path = require('path');
const url = require('url');
const util = require('util');
const vm = require('vm');

const RESULT_FD = 3;
const TEXT_FILE = 'index.js';

// Collapses a multi-line message (V8's circular-structure error, ...) into one line.
function oneLine(text) {
    return String(text).split(/\s+/).filter(Boolean).join(' ');
}

class LoadError extends Error {}

// ---------------------------------------------------------------------------------------------
// Writing results

// Blocks the thread for a moment; only used when fd 3 is a full non-blocking pipe.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function pauseMs(ms) {
    Atomics.wait(sleeper, 0, 0, ms);
}

// Writes one whole line to fd 3. Synchronous on purpose: the line must be out before we look at
// the next request, and a partial write must be finished, not interleaved with anything.
function writeLine(line) {
    const data = Buffer.from(line + '\n', 'utf8');
    let offset = 0;
    while (offset < data.length) {
        try {
            offset += fs.writeSync(RESULT_FD, data, offset, data.length - offset);
        } catch (e) {
            if (e.code !== 'EAGAIN') throw e;
            pauseMs(1); // the invoker made the pipe non-blocking and it is full: wait for it
        }
    }
}

function writeResult(obj) {
    writeLine(JSON.stringify(obj));
}

// Resolves once everything already written to `stream` has reached the pipe.
//
// process.stdout/stderr writes to a pipe are asynchronous on Linux (Node 20 docs, "A note on
// process I/O"; proved by the shim tests): a big console.log returns with most bytes still queued
// in the stream. The invoker closes an activation's log window when the result line arrives, so
// the result must wait for this. Writable callbacks run in order, so an empty write's callback
// fires after every earlier chunk has been handed to the kernel.
function drained(stream) {
    return new Promise((resolve) => {
        if (!stream || stream.destroyed || !stream.writable || stream.writableLength === 0) {
            resolve();
            return;
        }
        try {
            stream.write('', () => resolve());
        } catch (e) {
            resolve();
        }
    });
}

async function flushLogs() {
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
}

// ---------------------------------------------------------------------------------------------
// Loading the action

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

// Text code is evaluated like a CommonJS module, with one addition borrowed from OpenWhisk (which
// evals the code and then `return <main>`): a top-level `function main(args) {...}` that is never
// exported is found as well. We compile the code as the body of a function with CommonJS's
// parameters and append one statement that hands us a resolver closure; the closure performs a
// direct eval of the entry point's name inside the code's own scope. The name is checked to be an
// identifier first, and it is never spliced into the source, so it cannot alter the program.
const RESOLVER_HOOK = '__firework_entry_resolver__';

function loadText(dir, name) {
    const filename = path.join(dir, TEXT_FILE);
    let source;
    try {
        source = fs.readFileSync(filename, 'utf8');
    } catch (e) {
        throw new LoadError(`Action code not found: ${TEXT_FILE} is missing`);
    }
    // The newline ends a trailing `// comment`; line numbers in stack traces stay those of the
    // author's file because the hook is appended, not prepended.
    const body = source + `\n;${RESOLVER_HOOK}(function (n) { return eval(n); });\n`;
    const params = ['exports', 'require', 'module', '__filename', '__dirname', RESOLVER_HOOK];
    let fn;
    try {
        fn = vm.compileFunction(body, params, { filename });
    } catch (e) {
        console.error(e);
        throw new LoadError(syntaxErrorMessage(e, TEXT_FILE));
    }
    const mod = new Module(filename, null);
    mod.filename = filename;
    mod.paths = Module._nodeModulePaths(dir);
    mod.loaded = true;
    let resolver = null;
    try {
        fn.call(mod.exports, mod.exports, Module.createRequire(filename), mod, filename, dir,
            (r) => { resolver = r; });
    } catch (e) {
        console.error(e);
        throw new LoadError(`Could not load ${TEXT_FILE}: ${describe(e)}`);
    }
    let found;
    if (resolver && IDENTIFIER.test(name)) {
        try {
            found = resolver(name);
        } catch (e) {
            found = undefined; // not declared in the code's scope (ReferenceError) or a keyword
        }
    }
    if (typeof found !== 'function') {
        const exported = property(mod.exports, name);
        if (exported !== undefined || found === undefined) found = exported;
    }
    return checkEntry(found, name, TEXT_FILE);
}

// A zip is a directory of modules. The entry point is `main` of the package's main module
// (package.json "main", else index.js), or, like OpenWhisk, "file.fn" / "file.a.b" names a
// property of ./file instead.
async function loadPackage(dir, name) {
    let file = null;
    let prop = name;
    const dot = name.indexOf('.');
    if (dot > 0) {
        file = name.slice(0, dot);
        prop = name.slice(dot + 1);
    } else if (!fs.existsSync(path.join(dir, 'package.json')) &&
               !fs.existsSync(path.join(dir, TEXT_FILE))) {
        throw new LoadError('Zipped actions must contain either package.json or index.js at the root.');
    }
    const requireFromDir = Module.createRequire(path.join(dir, 'package.json'));
    let resolved;
    try {
        resolved = requireFromDir.resolve(file === null ? dir : path.join(dir, file));
    } catch (e) {
        console.error(e);
        throw new LoadError(`Could not load ${file === null ? 'the package' : file}: ${describe(e)}`);
    }
    const shown = path.relative(dir, resolved) || resolved;
    if (isEsm(resolved, dir)) {
        const ns = await importEsm(resolved, shown);
        const fn = property(ns, prop);
        return checkEntry(fn === undefined ? property(ns.default, prop) : fn, prop, shown);
    }
    let exports;
    try {
        exports = requireFromDir(resolved);
    } catch (e) {
        console.error(e);
        throw new LoadError(e instanceof SyntaxError ? syntaxErrorMessage(e, shown)
            : `Could not load ${shown}: ${describe(e)}`);
    }
    return checkEntry(property(exports, prop), prop, shown);
}

// Whether Node treats `file` as an ES module: .mjs, or .js under a package.json saying
// "type": "module" (the nearest one between the file and the action directory).
function isEsm(file, dir) {
    if (file.endsWith('.mjs')) return true;
    if (!file.endsWith('.js')) return false;
    for (let d = path.dirname(file); d.startsWith(dir); d = path.dirname(d)) {
        const pkg = path.join(d, 'package.json');
        if (fs.existsSync(pkg)) {
            try {
                return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module';
            } catch (e) {
                return false; // require() will report the broken package.json
            }
        }
        if (d === dir) break;
    }
    return false;
}

async function importEsm(file, shown) {
    try {
        return await import(url.pathToFileURL(file).href);
    } catch (e) {
        console.error(e);
        throw new LoadError(e instanceof SyntaxError ? syntaxErrorMessage(e, shown)
            : `Could not load ${shown}: ${describe(e)}`);
    }
}

// obj["a.b"] walks a.b, as OpenWhisk does for nested entry points.
function property(obj, dotted) {
    let value = obj;
    for (const key of dotted.split('.')) {
        if (value === null || value === undefined) return undefined;
        value = value[key];
    }
    return value;
}

function checkEntry(fn, name, file) {
    if (fn === undefined) {
        throw new LoadError(`Function '${name}' not found in ${file}`);
    }
    if (typeof fn !== 'function') {
        throw new LoadError(`'${name}' in ${file} is not a function (it is ${fn === null ? 'null' : 'a ' + typeof fn})`);
    }
    return fn;
}

function syntaxErrorMessage(e, file) {
    // V8 puts "file:line" on the first line of a SyntaxError's stack.
    const where = /:(\d+)\s*$/.exec(String(e && e.stack || '').split('\n')[0]);
    let msg = `Syntax error in ${file}${where ? ' line ' + where[1] : ''}: ${oneLine(e && e.message)}`;
    if (/\b(import|export)\b/.test(String(e && e.message))) {
        msg += ' (text actions are CommonJS: use exports.main = ... and require(); ' +
            'ES modules need a zip with "type": "module" in package.json)';
    }
    return msg;
}

function describe(e) {
    if (isError(e)) return oneLine(`${e.name}: ${e.message}`);
    return oneLine(String(e));
}

// ---------------------------------------------------------------------------------------------
// Running activations

// The __OW_<KEY> variables of the current activation live in an overlay in front of the real
// process.env, not in the environment itself. Assigning to process.env calls setenv(3), and glibc
// keeps every distinct "name=value" string ever set for the life of the process (a getenv()
// caller may still hold the old one). An activation id, transaction id and deadline are new
// each time, so a warm instance grew by about 200 bytes per activation until its memory limit
// killed it. Through the overlay, code reading process.env and child processes (child_process
// copies process.env) see this activation's values; native code calling getenv(), and worker
// threads started without an `env` option (Node copies the real environment for them), see the
// start-up ones. The real environment keeps the start-up values (for a prewarmed instance,
// those after its init message), and a key a request lacks falls back to them: nothing from one
// activation leaks into the next.
const overlay = new Map(); // name -> this activation's value; undefined once the action deleted it
const realEnv = process.env;
let realOwEnv = null; // the real environment's __OW_* entries; null after a write to it

function writesReal(result) {
    realOwEnv = null;
    return result;
}

process.env = new Proxy(realEnv, {
    get: (env, key) => (overlay.has(key) ? overlay.get(key) : Reflect.get(env, key)),
    has: (env, key) => (overlay.has(key) ? overlay.get(key) !== undefined : Reflect.has(env, key)),
    set(env, key, value) {
        if (!overlay.has(key)) return writesReal(Reflect.set(env, key, value));
        overlay.set(key, `${value}`); // as process.env converts: a Symbol throws
        return true;
    },
    deleteProperty(env, key) {
        if (!overlay.has(key)) return writesReal(Reflect.deleteProperty(env, key));
        overlay.set(key, undefined);
        return true;
    },
    defineProperty(env, key, descriptor) {
        if (!overlay.has(key)) return writesReal(Reflect.defineProperty(env, key, descriptor));
        overlay.set(key, `${descriptor.value}`);
        return true;
    },
    ownKeys(env) {
        const keys = Reflect.ownKeys(env).filter((key) => !overlay.has(key));
        for (const [key, value] of overlay) if (value !== undefined) keys.push(key);
        return keys;
    },
    getOwnPropertyDescriptor(env, key) {
        if (!overlay.has(key)) return Reflect.getOwnPropertyDescriptor(env, key);
        const value = overlay.get(key);
        return value === undefined ? undefined
            : { value, writable: true, enumerable: true, configurable: true };
    },
});

// Every __OW_* variable as process.env has it now. Built from the overlay and a copy of the
// real environment's entries, kept until something writes there through process.env:
// enumerating process.env through the Proxy costs three times as much (20 against 6 µs with
// a dozen variables), and concurrent mode does this for every activation.
function owEnv() {
    if (realOwEnv === null) {
        realOwEnv = Object.entries(realEnv).filter(([k]) => k.startsWith('__OW_'));
    }
    const out = {};
    for (const [k, v] of realOwEnv) if (!overlay.has(k)) out[k] = v;
    for (const [k, v] of overlay) if (v !== undefined) out[k] = v;
    return out;
}

function applyActivationEnv(request) {
    overlay.clear();
    for (const [key, value] of Object.entries(request)) {
        if (key === 'value') continue;
        const name = '__OW_' + key.toUpperCase();
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        // What an environment cannot hold stays out, as process.env would refuse it.
        if (/[=\0]/.test(name) || typeof text !== 'string' || text.includes('\0')) continue;
        overlay.set(name, text);
    }
}

function numberOrNull(value) {
    const n = Number(value);
    return value === undefined || value === null || value === '' || !Number.isFinite(n) ? null
        : Math.trunc(n);
}

// The Lambda-style second argument, shaped like AWS's context object. `env` holds the
// activation's __OW_* values: process.env, or in concurrent mode the activation's own snapshot.
function makeContext(request, env) {
    const deadline = numberOrNull(request.deadline);
    const activationId = env.__OW_ACTIVATION_ID || '';
    const functionName = env.__OW_ACTION_NAME || '';
    return {
        functionName,
        functionVersion: env.__OW_ACTION_VERSION || '',
        memoryLimitInMB: numberOrNull(process.env.FW_MEMORY_LIMIT_MB),
        awsRequestId: activationId,
        activationId,
        namespace: env.__OW_NAMESPACE || '',
        deadline,
        // An activation's logs are found by action (group) and activation id (stream).
        logGroupName: functionName,
        logStreamName: activationId,
        // Accepted for compatibility; the result is returned when the handler settles, without
        // waiting for the event loop to empty (the process is reused, its loop never empties).
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis() {
            return deadline === null ? 0 : Math.max(0, deadline - Date.now());
        },
    };
}

function isError(value) {
    return value instanceof Error || util.types.isNativeError(value); // the latter: other realms
}

// What a failure becomes in the result. As OpenWhisk's ActionLoop Node.js launcher does, a thrown
// Error gives its message and any other thrown or rejected value is the error itself. A rejected
// Error also gives its message (OpenWhisk would serialise it to {} or to {name, message, stack},
// depending on the runtime flavour), and reject() with nothing gives {} as in OpenWhisk.
function errorResult(err) {
    if (isError(err)) return { error: String(err.message || err.name || err) };
    if (err === undefined || err === null) return { error: {} };
    return { error: err };
}

// The stack (or the thrown value) goes to stderr, i.e. into the activation's logs.
function logFailure(err) {
    try {
        console.error(isError(err) ? err : `Action failed: ${util.inspect(err, { depth: 4 })}`);
    } catch (e) {
        console.error('Action failed with a value that cannot be printed');
    }
}

// Calls the entry point and settles with its outcome; never rejects.
function invoke(fn, style, request, env = process.env) {
    const args = request.value === undefined || request.value === null ? {} : request.value;
    return new Promise((resolve) => {
        let settled = false;
        const ok = (value) => { if (!settled) { settled = true; resolve({ value }); } };
        const fail = (err) => { if (!settled) { settled = true; resolve({ err }); } };
        let returned;
        try {
            if (style === 'callback') {
                // A second call, or a call after the promise settled, is ignored: it must not
                // answer for a later activation.
                const callback = (err, value) => (err !== undefined && err !== null ? fail(err) : ok(value));
                returned = fn(args, makeContext(request, env), callback);
            } else if (style === 'lambda') {
                returned = fn(args, makeContext(request, env));
            } else {
                returned = fn(args);
            }
        } catch (e) {
            fail(e);
            return;
        }
        if (returned !== null && typeof returned === 'object' && typeof returned.then === 'function') {
            Promise.resolve(returned).then(ok, (e) => fail(e === undefined ? null : e));
        } else if (style !== 'callback') {
            ok(returned);
        }
        // Callback style with a plain return value: the result is whatever the callback gets.
    });
}

// The result line for an outcome.
function resultLine(outcome) {
    let result;
    if ('err' in outcome) {
        logFailure(outcome.err);
        result = errorResult(outcome.err);
    } else {
        result = outcome.value === undefined ? {} : outcome.value;
    }
    let line;
    try {
        line = JSON.stringify(result);
        if (line === undefined) {
            throw new TypeError(`a ${typeof result} has no JSON representation`);
        }
    } catch (e) {
        const detail = oneLine(e && e.message);
        console.error(`The action returned a value that is not JSON: ${detail}`);
        line = JSON.stringify({ error: `The action returned a value that is not JSON: ${detail}` });
    }
    return line;
}

function callingStyle(fn) {
    // Function.length counts the parameters before the first one with a default or a rest.
    if (fn.length === 3) return 'callback';
    if (fn.length >= 2) return 'lambda';
    return 'main';
}

// The request object of a line; throws if the line is not a JSON object.
function parseRequest(text) {
    const request = JSON.parse(text);
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        throw new Error('not a JSON object');
    }
    return request;
}

async function handle(fn, style, text) {
    let request;
    try {
        request = parseRequest(text);
    } catch (e) {
        console.error(`Firework nodejs runtime: invalid activation request: ${e.message}`);
        await flushLogs();
        writeResult({ error: `Invalid activation request: ${oneLine(e.message)}` });
        return;
    }
    applyActivationEnv(request);
    const line = resultLine(await invoke(fn, style, request));
    await flushLogs(); // before the result: see drained()
    writeLine(line);
}

// Splits stdin into lines and hands them to `handleLine` (which may be async) one at a time, in
// order; a line arriving while an earlier one is handled waits for it. (In concurrent mode
// `handleLine` only queues the line with the Concurrency, so lines pass straight through.)
function readLines(handleLine) {
    const input = process.stdin;
    let pending = [];
    let queue = Promise.resolve();
    const enqueue = (buffer) => {
        queue = queue.then(() => handleLine(buffer.toString('utf8')));
    };
    input.on('data', (chunk) => {
        let start = 0;
        let nl;
        while ((nl = chunk.indexOf(10, start)) !== -1) {
            pending.push(chunk.subarray(start, nl));
            enqueue(Buffer.concat(pending));
            pending = [];
            start = nl + 1;
        }
        if (start < chunk.length) pending.push(chunk.subarray(start));
    });
    input.on('end', () => {
        // stdin closed: the invoker is done with us. Finish what was asked, then exit even if
        // the action left timers or sockets open. A last line without its newline is ignored.
        queue.then(allSettled).then(flushLogs).then(() => process.exit(0));
    });
    input.on('error', (e) => {
        console.error(`Firework nodejs runtime: reading requests failed: ${e.message}`);
        queue.then(allSettled).then(flushLogs).then(() => process.exit(1));
    });
}

// What handles a request line for the loaded entry point `fn`: handle(), one at a time, or in
// concurrent mode the Concurrency, which starts it at once (or queues it).
function lineHandler(fn) {
    const style = callingStyle(fn);
    if (concurrency === null) return (text) => handle(fn, style, text);
    concurrency.handle = (text) => concurrency.activate(fn, style, text);
    return (text) => { concurrency.submit(text); };
}

// Resolves when no activation is running or queued (at once unless in concurrent mode).
function allSettled() {
    return concurrency === null ? undefined : concurrency.idle();
}

function serve(fn) {
    readLines(lineHandler(fn));
}

// ---------------------------------------------------------------------------------------------
// Concurrent mode (FW_CONCURRENCY=N, N > 1; OpenWhisk's limits.concurrency)
//
// Request lines are started as they arrive, up to N at once, the rest queued in order. Each
// activation runs inside an AsyncLocalStorage context holding its own __OW_* values, which
// process.env cannot do while several run (it keeps those of the most recently started one).
// From that context come: the Lambda context, globalThis.__fw_activation(), and the
// "\u001e<activation id>\u001e" prefix on every console line, so the invoker can tell whose log a
// line is. Result lines say whose they are: {"activation_id":<id>,"result":<result>}.

const RS = '\u001e'; // ASCII record separator: never in a log line by accident

let concurrency = null; // the Concurrency in concurrent mode, else null

// N from FW_CONCURRENCY, a decimal integer; 1 (one at a time, the classic protocol) when unset,
// not a number, or below 2.
function concurrencyLimit() {
    const text = process.env.FW_CONCURRENCY;
    if (typeof text !== 'string' || !/^[0-9]+$/.test(text)) return 1;
    const n = Number(text);
    return n > 1 ? n : 1;
}

// Enters concurrent mode if the environment asks for it. Called before the action is loaded, so
// that code capturing console methods at load time gets the prefixing ones.
function setUpConcurrency() {
    const limit = concurrencyLimit();
    if (limit <= 1) return;
    concurrency = new Concurrency(limit);
    prefixConsole(concurrency.storage);
    const storage = concurrency.storage;
    Object.defineProperty(globalThis, '__fw_activation', {
        // The activation whose async context the caller is in, or undefined outside all of them.
        value: function __fw_activation() {
            const store = storage.getStore();
            return store === undefined ? undefined : store.info;
        },
        enumerable: false,
        writable: false,
        configurable: true,
    });
}

class Concurrency {
    constructor(limit) {
        const { AsyncLocalStorage } = require('async_hooks');
        this.limit = limit;
        this.storage = new AsyncLocalStorage();
        this.running = 0;
        this.waiting = []; // request lines not started yet, oldest first
        this.idleWaiters = [];
        this.handle = null; // (text) => Promise, set by lineHandler()
    }

    submit(text) {
        this.waiting.push(text);
        this.startWaiting();
    }

    startWaiting() {
        while (this.running < this.limit && this.waiting.length > 0) {
            const text = this.waiting.shift();
            this.running += 1;
            // A rejection (fd 3 gone) stays unhandled and ends the process, as in serial mode.
            this.handle(text).finally(() => {
                this.running -= 1;
                this.startWaiting();
                if (this.running === 0 && this.waiting.length === 0) {
                    for (const resolve of this.idleWaiters.splice(0)) resolve();
                }
            });
        }
    }

    idle() {
        if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
        return new Promise((resolve) => this.idleWaiters.push(resolve));
    }

    // One request line, start to result line, inside the activation's async context.
    async activate(fn, style, text) {
        let request;
        try {
            request = parseRequest(text);
        } catch (e) {
            // No activation to name: the context is an empty one, so nothing is prefixed.
            await this.storage.run(NO_ACTIVATION, async () => {
                console.error(`Firework nodejs runtime: invalid activation request: ${e.message}`);
                await flushLogs();
                const error = `Invalid activation request: ${oneLine(e.message)}`;
                writeTagged(null, JSON.stringify({ error }));
            });
            return;
        }
        const id = request.activation_id === undefined ? null : request.activation_id;
        // process.env gets this activation's values (it is the most recently started one); the
        // activation keeps a snapshot of them, which is what a serial activation would read.
        applyActivationEnv(request);
        const env = Object.freeze(owEnv());
        const activation = { info: activationInfo(request, env), prefix: logPrefix(id) };
        await this.storage.run(activation, async () => {
            const line = resultLine(await invoke(fn, style, request, env));
            await flushLogs(); // this activation's console output is queued before this
            writeTagged(id, line);
        });
    }
}

const NO_ACTIVATION = Object.freeze({ info: undefined, prefix: null });

// What globalThis.__fw_activation() returns for an activation.
function activationInfo(request, env) {
    const deadline = numberOrNull(request.deadline);
    const value = (name) => (env[name] === undefined ? null : env[name]);
    return Object.freeze({
        activationId: value('__OW_ACTIVATION_ID'),
        transactionId: value('__OW_TRANSACTION_ID'),
        actionName: value('__OW_ACTION_NAME'),
        actionVersion: value('__OW_ACTION_VERSION'),
        namespace: value('__OW_NAMESPACE'),
        apiKey: value('__OW_API_KEY'),
        deadline,
        env, // every __OW_* variable, as process.env had them when the activation started
        getRemainingTimeInMillis() {
            return deadline === null ? 0 : Math.max(0, deadline - Date.now());
        },
    });
}

// RS + id + RS, or null (no prefix) for an id that is not a string or contains control
// characters, which would break the invoker's line framing.
function logPrefix(id) {
    return typeof id === 'string' && /^[^\x00-\x1f\x7f]+$/.test(id) ? RS + id + RS : null;
}

// Puts `prefix` in front of every line of a console write (console writes whole lines, each
// ending in "\n"; a console.log() of "" is one empty line and gets the prefix too).
function prefixLines(chunk, prefix) {
    if (typeof chunk !== 'string' || chunk === '') return chunk;
    const end = chunk.endsWith('\n') ? chunk.length - 1 : chunk.length;
    return prefix + chunk.slice(0, end).split('\n').join('\n' + prefix) + chunk.slice(end);
}

// Makes the global console prefix the lines it writes inside an activation's context. Its
// methods are replaced by those of a Console writing to stand-ins for process.stdout/stderr:
// Proxies that are the real streams in every respect (error handling, isTTY, ...) except that
// write() adds the prefix of the caller's activation. console.log runs synchronously in its
// caller, so the storage sees the caller's context. The global console object stays the same
// one (require('console') returns it), and process.stdout.write is left alone: writes to it
// are not prefixed.
function prefixConsole(storage) {
    const prefixing = (stream) => {
        const bound = new Map();
        const write = (chunk, ...rest) => {
            const store = storage.getStore();
            const prefix = store === undefined ? null : store.prefix;
            return stream.write(prefix === null ? chunk : prefixLines(chunk, prefix), ...rest);
        };
        return new Proxy(stream, {
            get(target, key) {
                if (key === 'write') return write;
                const value = Reflect.get(target, key, target);
                if (typeof value !== 'function') return value;
                if (!bound.has(value)) bound.set(value, value.bind(target));
                return bound.get(value);
            },
        });
    };
    const replacement = new console.Console({
        stdout: prefixing(process.stdout),
        stderr: prefixing(process.stderr),
    });
    for (const key of Object.keys(console.Console.prototype)) {
        // Own methods of a Console instance are already bound to it.
        if (typeof replacement[key] === 'function' && typeof console[key] === 'function') {
            console[key] = replacement[key];
        }
    }
}

// A concurrent-mode result line: one write of {"activation_id":<id>,"result":<result JSON>}.
function writeTagged(id, resultJson) {
    writeLine(`{"activation_id":${JSON.stringify(id)},"result":${resultJson}}`);
}

// Reports a failed start (bad init message, load error) the way the invoker expects: details on
// stderr, {"ok":false,...} on fd 3, exit status 1.
async function failStart(message) {
    console.error(`Firework nodejs runtime: ${message}`);
    await flushLogs();
    writeResult({ ok: false, error: message });
    process.exit(1);
}

// Loads the action the environment names (FW_ACTION_DIR, FW_ACTION_MAIN, FW_ACTION_BINARY) and
// acks on fd 3; on failure reports it and exits.
async function load() {
    const dir = process.env.FW_ACTION_DIR || process.cwd();
    const name = process.env.FW_ACTION_MAIN || 'main';
    const binary = process.env.FW_ACTION_BINARY === '1';
    let fn;
    try {
        process.chdir(dir);
        fn = binary ? await loadPackage(dir, name) : loadText(dir, name);
    } catch (e) {
        if (!(e instanceof LoadError)) console.error(e);
        await failStart(e instanceof LoadError ? e.message : `Could not load the action: ${describe(e)}`);
    }
    await flushLogs(); // output printed while loading belongs before the ack
    writeResult({ ok: true });
    return fn;
}

class InitError extends Error {}

function isPlainObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// Checks a prewarm init line, {"init": {"main": string, "binary": boolean, "env": {name: string}}}
// (main, binary and env may be absent or null), and returns its init object. Everything is
// checked before anything is applied.
function parseInit(text) {
    let message;
    try {
        message = JSON.parse(text);
    } catch (e) {
        throw new InitError(`not JSON: ${e.message}`);
    }
    const init = isPlainObject(message) ? message.init : undefined;
    if (!isPlainObject(init)) throw new InitError('no "init" object');
    const { main, binary } = init;
    if (main !== undefined && main !== null &&
        (typeof main !== 'string' || main === '' || main.includes('\0'))) {
        throw new InitError('"main" must be a non-empty string');
    }
    if (binary !== undefined && binary !== null && typeof binary !== 'boolean') {
        throw new InitError('"binary" must be true or false');
    }
    const env = init.env === undefined || init.env === null ? {} : init.env;
    if (!isPlainObject(env)) throw new InitError('"env" must be an object');
    for (const [name, value] of Object.entries(env)) {
        if (name === '' || name.includes('=') || name.includes('\0')) {
            throw new InitError(`env: ${JSON.stringify(name)} is not a valid variable name`);
        }
        if (typeof value !== 'string') {
            throw new InitError(`env: the value of ${name} must be a string`);
        }
        if (value.includes('\0')) {
            throw new InitError(`env: the value of ${name} contains a NUL character`);
        }
    }
    return { main, binary, env };
}

// Puts an init line's settings into the environment, so that load() then runs exactly as in a
// cold start with that environment. An invalid line ends the process.
async function applyInit(text) {
    let init;
    try {
        init = parseInit(text);
    } catch (e) {
        if (!(e instanceof InitError)) throw e;
        await failStart(`Invalid init message: ${oneLine(e.message)}`);
    }
    for (const [name, value] of Object.entries(init.env)) process.env[name] = value;
    // main/binary win over FW_ACTION_MAIN/FW_ACTION_BINARY in env, and the environment then says
    // what was loaded, as in a cold start.
    if (typeof init.main === 'string') process.env.FW_ACTION_MAIN = init.main;
    if (typeof init.binary === 'boolean') process.env.FW_ACTION_BINARY = init.binary ? '1' : '0';
}

// The stem-cell phase of a prewarmed start (FW_PREWARM=1): the launcher's modules are loaded
// (required at the top of this file), and what an action's first load would set up lazily is set
// up now; the first stdin line is the init message, every later one an activation. EOF before
// the init line exits 0 quietly.
async function prewarm() {
    delete process.env.FW_PREWARM; // a cold-started instance does not have it either
    try {
        await import(url.pathToFileURL(path.join(__dirname, 'prewarm.mjs')).href);
    } catch (e) {
        // Missing or unreadable: an ES module action's first load is slower, nothing else.
    }
    // process.stdin/stdout/stderr are created on first use, which loads Node's stream and pipe
    // code (~3 ms). Do that now, before "ready", so the init line does not wait for it.
    void process.stdout;
    void process.stderr;
    let handleLine = null;
    readLines(async (text) => {
        if (handleLine !== null) return handleLine(text);
        await applyInit(text);
        setUpConcurrency(); // FW_CONCURRENCY may come with the init line; before load(), see there
        handleLine = lineHandler(await load());
    });
    writeResult({ ready: true }); // lines are handled from the next tick on, never before this
}

async function main() {
    if (process.env.FW_PREWARM === '1') {
        await prewarm();
        return;
    }
    setUpConcurrency();
    serve(await load());
}

main();
