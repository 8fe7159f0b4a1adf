'use strict'
// Compatibility test: the unmodified `openwhisk` npm client (3.21.x) drives a real `fwd standalone`.
// Every assertion states OpenWhisk's behaviour as written in
// /work/shared/reference/openwhisk-api.md §0-§1; a failure here is a daemon mismatch, not a reason
// to relax the assertion. Not covered (not implemented yet): triggers, rules, feeds, web actions,
// API gateway routes, sequences.
//
// Run: FW_FWD=build/fwd/fwd node --test tests/compat/openwhisk_client.test.js
// (ctest -L compat sets FW_FWD; tests/compat/install.sh installs the client.)

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { setTimeout: delay } = require('node:timers/promises')

// The client must come from tests/compat/node_modules. A missing install is a failure with the
// fix in the message, never a skip.
let openwhisk = null
let loadError = null
try {
  openwhisk = require(path.join(__dirname, 'node_modules', 'openwhisk'))
} catch (e) {
  loadError = new Error(
    `the openwhisk npm client is not installed in ${path.join(__dirname, 'node_modules')}: ` +
    `run tests/compat/install.sh (as root, it runs npm ci) (${e.message})`)
}

const ACTIVATION_ID = /^[0-9a-f]{32}$/
const LOG_LINE = /^\S+\s+stdout: /
const DEFAULT_LIMITS = { timeout: 60000, memory: 256, logs: 10, concurrency: 1 }

// ---------------------------------------------------------------------------------------------
// The daemon under test

const fwd = {
  proc: null,
  tmp: null,
  apihost: null,
  auth: null,
  exit: null, // promise of {code, signal}
  stderr: '' // its log, printed when a test fails
}

function startFwd () {
  const bin = process.env.FW_FWD
  if (!bin) throw new Error('FW_FWD is not set: it must name the fwd binary (ctest sets it)')
  if (!fs.existsSync(bin)) throw new Error(`FW_FWD=${bin} does not exist: build the fwd target`)
  fwd.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-compat-'))
  const dataDir = path.join(fwd.tmp, 'data')
  const props = path.join(fwd.tmp, 'wskprops')
  // Its own cgroup parent, so that the test can check and remove what its instances used.
  fwd.cgroupParent = `fwcompat-${process.pid}`
  fwd.proc = spawn(bin, ['standalone', '--listen', '127.0.0.1:0', '--data-dir', dataDir,
    '--wskprops', props, '--cgroup-parent', fwd.cgroupParent], { stdio: ['ignore', 'pipe', 'pipe'] })
  fwd.exit = new Promise(resolve => fwd.proc.on('exit', (code, signal) => resolve({ code, signal })))
  fwd.proc.stderr.setEncoding('utf8')
  fwd.proc.stderr.on('data', d => { fwd.stderr += d })

  // Readiness is the line `fwd ready on http://127.0.0.1:PORT` on stdout; an exit before it
  // (or 30 s without it) is a failure.
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: fwd.proc.stdout })
    const timer = setTimeout(() => reject(new Error(
      `fwd printed no readiness line within 30 s; its log:\n${fwd.stderr}`)), 30000)
    fwd.exit.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`fwd exited (code ${code}, signal ${signal}) before it was ready:\n${fwd.stderr}`))
    })
    lines.on('line', line => {
      const m = /^fwd ready on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line)
      if (!m) return
      clearTimeout(timer)
      const kv = Object.fromEntries(fs.readFileSync(props, 'utf8').split('\n')
        .filter(l => l.includes('=') && !l.startsWith('#'))
        .map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
      fwd.apihost = m[1]
      fwd.auth = kv.AUTH
      assert.equal(kv.APIHOST, m[1], 'wskprops APIHOST is the address fwd announced')
      assert.match(kv.AUTH, /^[0-9a-f-]{36}:[A-Za-z0-9]{64}$/, 'wskprops AUTH is uuid:64-char key')
      assert.equal(kv.NAMESPACE, 'guest')
      resolve()
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Helpers

let ow = null // the client under test
let failed = false

// Wraps a test body so that a failure prints the daemon's log once, at the end.
function check (fn) {
  return async t => {
    try {
      await fn(t)
    } catch (e) {
      failed = true
      throw e
    }
  }
}

// Runs `promise`, which must reject with an OpenWhiskError of `status`; returns the error.
async function rejects (promise, status, messagePart) {
  let err = null
  try {
    const value = await promise
    assert.fail(`expected HTTP ${status}, but the call resolved with ${JSON.stringify(value)}`)
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e
    err = e
  }
  assert.equal(err.name, 'OpenWhiskError', `not an OpenWhiskError: ${err.stack}`)
  assert.equal(err.statusCode, status, `status of: ${err.message}`)
  if (messagePart !== undefined) {
    assert.ok(err.message.includes(messagePart),
      `the message ${JSON.stringify(err.message)} does not contain ${JSON.stringify(messagePart)}`)
  }
  return err
}

// An error body that is not an activation is {"error": "<msg>", "code": "<transaction id>"}.
function assertErrorBody (err, exact) {
  assert.equal(typeof err.error, 'object', `error body: ${JSON.stringify(err.error)}`)
  assert.equal(typeof err.error.error, 'string', `error body: ${JSON.stringify(err.error)}`)
  assert.equal(typeof err.error.code, 'string', `error body has no code: ${JSON.stringify(err.error)}`)
  if (exact !== undefined) assert.equal(err.error.error, exact)
}

function annotation (annotations, key) {
  const a = annotations.find(kv => kv.key === key)
  return a === undefined ? undefined : a.value
}

// Polls until fn() returns a value other than undefined, or fails after `ms`.
async function eventually (what, fn, ms = 20000) {
  const deadline = Date.now() + ms
  let last = null
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    await delay(50)
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${last.message})` : ''}`)
}

// Full activation record (blocking invoke, activations.get, docs=true list), §1.3.
function assertActivation (a, { name, kind, status = 'success', cold, path: actionPath }) {
  assert.equal(a.namespace, 'guest')
  assert.equal(a.name, name)
  assert.equal(a.subject, 'guest')
  assert.match(a.activationId, ACTIVATION_ID)
  assert.equal(typeof a.start, 'number')
  assert.equal(typeof a.end, 'number')
  assert.equal(a.duration, a.end - a.start)
  assert.ok(a.end >= a.start)
  assert.equal(a.version, '0.0.1')
  assert.equal(a.publish, false)
  assert.equal(a.response.status, status)
  assert.equal(a.response.success, status === 'success')
  assert.ok('result' in a.response, 'response.result is present')
  assert.ok(Array.isArray(a.logs), 'logs is an array')
  assert.ok(Array.isArray(a.annotations), 'annotations is an array')
  assert.equal(annotation(a.annotations, 'path'), actionPath || `guest/${name}`)
  assert.equal(annotation(a.annotations, 'kind'), kind)
  assert.equal(annotation(a.annotations, 'timeout'), false)
  assert.equal(typeof annotation(a.annotations, 'waitTime'), 'number')
  assert.deepEqual(annotation(a.annotations, 'limits'), DEFAULT_LIMITS)
  if (cold === true) {
    assert.equal(typeof annotation(a.annotations, 'initTime'), 'number', 'initTime on a cold start')
  } else if (cold === false) {
    assert.equal(annotation(a.annotations, 'initTime'), undefined, 'no initTime on a warm start')
  }
}

// Action document (PUT and GET responses), §1.3.
function assertActionDoc (doc, { name, namespace = 'guest', kind, version = '0.0.1', binary = false }) {
  assert.equal(doc.namespace, namespace)
  assert.equal(doc.name, name)
  assert.equal(doc.version, version)
  assert.equal(doc.publish, false)
  assert.equal(doc.exec.kind, kind)
  assert.equal(doc.exec.binary, binary)
  assert.ok(Array.isArray(doc.parameters), 'parameters is an array')
  assert.ok(Array.isArray(doc.annotations), 'annotations is an array')
  assert.equal(annotation(doc.annotations, 'exec'), kind)
  assert.equal(annotation(doc.annotations, 'provide-api-key'), false)
  assert.equal(typeof doc.updated, 'number')
  assert.equal(typeof doc.limits, 'object')
}

// ---------------------------------------------------------------------------------------------
// Function code

const PY_HELLO = `
def main(args):
    name = args.get("name", "stranger")
    print("hello from python", name)
    return {"greeting": "Hello " + name}
`

const NODE_COUNTER = `
let count = 0
function main (args) {
  count += 1
  console.log('count is', count)
  return { count, echo: args.echo }
}
`

const NODE_APP_ERROR = `
function main () {
  return { error: 'the order was refused' }
}
`

const NODE_THROWS = `
function main () {
  throw new Error('thrown on purpose')
}
`

const PY_RAISES = `
def main(args):
    raise ValueError("raised on purpose")
`

// A Node zip: package.json names the main module, which requires a sibling module, so a result
// proves the archive was unpacked and not run as text.
function buildNodeZip (dir) {
  const src = path.join(dir, 'zipsrc')
  fs.mkdirSync(src, { recursive: true })
  fs.writeFileSync(path.join(src, 'package.json'), JSON.stringify({ name: 'z', main: 'app.js' }))
  fs.writeFileSync(path.join(src, 'app.js'),
    "const helper = require('./lib/helper')\n" +
    'exports.main = args => ({ zipped: helper.shout(args.word || "quiet") })\n')
  fs.mkdirSync(path.join(src, 'lib'))
  fs.writeFileSync(path.join(src, 'lib', 'helper.js'),
    'exports.shout = s => s.toUpperCase() + "!"\n')
  const zipPath = path.join(dir, 'action.zip')
  execFileSync('zip', ['-q', '-r', zipPath, 'package.json', 'app.js', 'lib'], { cwd: src })
  return fs.readFileSync(zipPath)
}

// ---------------------------------------------------------------------------------------------

describe('openwhisk npm client against fwd standalone', { concurrency: false }, () => {
  before(async () => {
    if (loadError) throw loadError
    await startFwd()
    ow = openwhisk({ apihost: fwd.apihost, api_key: fwd.auth })
  })

  after(async () => {
    if (fwd.proc && fwd.proc.exitCode === null && fwd.proc.signalCode === null) {
      fwd.proc.kill('SIGKILL')
      await fwd.exit
    }
    if (failed || loadError) process.stderr.write(`--- fwd log ---\n${fwd.stderr}\n--- end of fwd log ---\n`)
    if (fwd.tmp && fs.existsSync(fwd.tmp)) fs.rmSync(fwd.tmp, { recursive: true, force: true })
  })

  it('the client is installed', () => {
    if (loadError) throw loadError
    const version = require(path.join(__dirname, 'node_modules', 'openwhisk', 'package.json')).version
    assert.match(version, /^3\.21\./)
  })

  it('namespaces.list() is ["guest"]', check(async () => {
    assert.deepEqual(await ow.namespaces.list(), ['guest'])
  }))

  it('the namespace may be "_" (the default), "guest" by client option, or another one → 403', check(async () => {
    assert.deepEqual(await ow.actions.list(), [])
    // A string namespace option also makes the client send x-namespace-id.
    const named = openwhisk({ apihost: fwd.apihost, api_key: fwd.auth, namespace: 'guest' })
    assert.deepEqual(await named.actions.list(), [])
    const err = await rejects(ow.actions.get({ name: '/other/foo' }), 403,
      "The supplied authentication is not authorized to access 'other/foo'.")
    assertErrorBody(err)
  }))

  // ---- actions: create / get / list / update ----

  it('actions.create: Python text code', check(async () => {
    const doc = await ow.actions.create({ name: 'py-hello', action: PY_HELLO, kind: 'python:3' })
    assertActionDoc(doc, { name: 'py-hello', kind: 'python:3' })
    assert.deepEqual(doc.limits, DEFAULT_LIMITS)
    assert.deepEqual(doc.parameters, [])
  }))

  it('actions.create: Node.js text code with parameters; the client default kind nodejs:default', check(async () => {
    // No kind: the client sends nodejs:default, which resolves to the family default.
    const doc = await ow.actions.create({ name: 'node-counter', action: NODE_COUNTER, params: { echo: 'bound' } })
    assertActionDoc(doc, { name: 'node-counter', kind: 'nodejs:20' })
    assert.deepEqual(doc.parameters, [{ key: 'echo', value: 'bound' }])
  }))

  it('actions.create: a Node.js zip sent as base64 without binary:true', check(async () => {
    const zip = buildNodeZip(fwd.tmp)
    const doc = await ow.actions.create({ name: 'node-zip', action: zip, kind: 'nodejs:20' })
    assertActionDoc(doc, { name: 'node-zip', kind: 'nodejs:20', binary: true })
    const got = await ow.actions.get({ name: 'node-zip' })
    assert.equal(got.exec.binary, true)
    assert.equal(got.exec.code, zip.toString('base64'))
    const result = await ow.actions.invoke({ name: 'node-zip', blocking: true, result: true, params: { word: 'zip' } })
    assert.deepEqual(result, { zipped: 'ZIP!' })
  }))

  it('actions.create of an existing action without overwrite: 409 resource already exists', check(async () => {
    const err = await rejects(ow.actions.create({ name: 'py-hello', action: PY_HELLO, kind: 'python:3' }),
      409, 'resource already exists')
    assertErrorBody(err, 'resource already exists')
  }))

  it('actions.get: the code and the version', check(async () => {
    const doc = await ow.actions.get({ name: 'py-hello' })
    assertActionDoc(doc, { name: 'py-hello', kind: 'python:3' })
    assert.equal(doc.exec.code, PY_HELLO)
    assert.deepEqual(doc.limits, DEFAULT_LIMITS)
    const noCode = await ow.actions.get({ name: 'py-hello', code: false })
    assert.equal(noCode.exec.code, undefined, 'code=false leaves the code out')
    assert.equal(noCode.exec.kind, 'python:3')
  }))

  it('actions.list: summaries, newest first, count, skip and limit', check(async () => {
    const list = await ow.actions.list()
    assert.deepEqual(list.map(a => a.name).sort(), ['node-counter', 'node-zip', 'py-hello'])
    for (const a of list) {
      assert.equal(a.namespace, 'guest')
      assert.equal(a.version, '0.0.1')
      assert.equal(a.publish, false)
      assert.ok(Array.isArray(a.annotations))
      assert.deepEqual(a.limits, DEFAULT_LIMITS)
      assert.equal(typeof a.exec.binary, 'boolean')
      assert.equal(a.exec.code, undefined, 'a list summary carries no code')
      assert.equal(typeof a.updated, 'number')
    }
    assert.equal(list.find(a => a.name === 'node-zip').exec.binary, true)
    assert.equal(list.find(a => a.name === 'py-hello').exec.binary, false)
    // Newest first (two creates may share a millisecond, so the order is checked on `updated`).
    assert.ok(list[0].updated >= list[1].updated && list[1].updated >= list[2].updated, 'sorted by updated, descending')
    assert.deepEqual(await ow.actions.list({ count: true }), { actions: 3 })
    assert.deepEqual((await ow.actions.list({ limit: 1 })).map(a => a.name), [list[0].name])
    assert.deepEqual((await ow.actions.list({ skip: 1, limit: 1 })).map(a => a.name), [list[1].name])
    assert.deepEqual((await ow.actions.list({ skip: 3 })), [])
  }))

  it('actions.update: the version bumps and omitted fields keep their values', check(async () => {
    await ow.actions.create({ name: 'to-update', action: NODE_COUNTER, kind: 'nodejs:20', params: { echo: 'kept' } })
    // Only limits.timeout: the client sends {limits:{timeout}} with overwrite=true.
    const doc = await ow.actions.update({ name: 'to-update', limits: { timeout: 30000 } })
    assertActionDoc(doc, { name: 'to-update', kind: 'nodejs:20', version: '0.0.2' })
    assert.deepEqual(doc.parameters, [{ key: 'echo', value: 'kept' }])
    assert.deepEqual(doc.limits, { ...DEFAULT_LIMITS, timeout: 30000 })
    const got = await ow.actions.get({ name: 'to-update' })
    assert.equal(got.version, '0.0.2')
    assert.equal(got.exec.code, NODE_COUNTER)
    // New code: version 0.0.3, parameters and limits still kept.
    const again = await ow.actions.update({ name: 'to-update', action: NODE_APP_ERROR, kind: 'nodejs:20' })
    assert.equal(again.version, '0.0.3')
    assert.equal(again.exec.code, NODE_APP_ERROR)
    assert.deepEqual(again.parameters, [{ key: 'echo', value: 'kept' }])
    assert.equal(again.limits.timeout, 30000)
  }))

  it('actions.delete: answers with the deleted action, then it is gone', check(async () => {
    const doc = await ow.actions.delete({ name: 'to-update' })
    assert.equal(doc.name, 'to-update')
    assert.equal(doc.namespace, 'guest')
    assert.equal(doc.version, '0.0.3')
    const err = await rejects(ow.actions.get({ name: 'to-update' }), 404, 'The requested resource does not exist.')
    assertErrorBody(err, 'The requested resource does not exist.')
    await rejects(ow.actions.delete({ name: 'to-update' }), 404)
  }))

  // ---- invoke and activations ----

  let coldId = null

  it('actions.invoke blocking: the full activation, initTime on the cold start only', check(async () => {
    const a = await ow.actions.invoke({ name: 'py-hello', blocking: true, params: { name: 'Ada' } })
    assertActivation(a, { name: 'py-hello', kind: 'python:3', cold: true })
    assert.deepEqual(a.response.result, { greeting: 'Hello Ada' })
    assert.ok(a.logs.some(l => LOG_LINE.test(l) && l.endsWith('stdout: hello from python Ada')),
      `logs: ${JSON.stringify(a.logs)}`)
    coldId = a.activationId
    const warm = await ow.actions.invoke({ name: 'py-hello', blocking: true, params: { name: 'Bob' } })
    assertActivation(warm, { name: 'py-hello', kind: 'python:3', cold: false })
    assert.notEqual(warm.activationId, coldId)
    assert.deepEqual(warm.response.result, { greeting: 'Hello Bob' })
  }))

  it('actions.invoke blocking with result: the result only', check(async () => {
    const r = await ow.actions.invoke({ name: 'py-hello', blocking: true, result: true, params: { name: 'Cy' } })
    assert.deepEqual(r, { greeting: 'Hello Cy' })
  }))

  it('warm reuse: a module-level counter keeps counting; bound parameters are merged', check(async () => {
    const first = await ow.actions.invoke({ name: 'node-counter', blocking: true })
    assertActivation(first, { name: 'node-counter', kind: 'nodejs:20', cold: true })
    assert.deepEqual(first.response.result, { count: 1, echo: 'bound' })
    const second = await ow.actions.invoke({ name: 'node-counter', blocking: true, params: { echo: 'mine' } })
    assertActivation(second, { name: 'node-counter', kind: 'nodejs:20', cold: false })
    assert.deepEqual(second.response.result, { count: 2, echo: 'mine' })
  }))

  let asyncId = null

  it('actions.invoke non-blocking: {activationId}, then activations.get finds the record', check(async () => {
    const r = await ow.actions.invoke({ name: 'py-hello', params: { name: 'Dee' } })
    assert.deepEqual(Object.keys(r), ['activationId'])
    assert.match(r.activationId, ACTIVATION_ID)
    asyncId = r.activationId
    const a = await eventually('the activation record', async () => {
      const rec = await ow.activations.get(asyncId)
      return rec.end ? rec : undefined
    })
    assertActivation(a, { name: 'py-hello', kind: 'python:3' })
    assert.equal(a.activationId, asyncId)
    assert.deepEqual(a.response.result, { greeting: 'Hello Dee' })
  }))

  it('activations.logs: {logs:[...]}, lines "<time> stdout: <text>"', check(async () => {
    const r = await ow.activations.logs(asyncId)
    assert.deepEqual(Object.keys(r), ['logs'])
    assert.ok(r.logs.length >= 1, 'at least one line')
    for (const line of r.logs) assert.match(line, LOG_LINE)
    assert.ok(r.logs.some(l => l.endsWith('stdout: hello from python Dee')), JSON.stringify(r.logs))
  }))

  it('activations.result: {result, success, status}', check(async () => {
    const r = await ow.activations.result({ activationId: asyncId })
    assert.deepEqual(r.result, { greeting: 'Hello Dee' })
    assert.equal(r.success, true)
    assert.equal(r.status, 'success')
  }))

  it('activations.list: name, limit, docs=true full records with logs; summaries', check(async () => {
    const docs = await ow.activations.list({ name: 'py-hello', limit: 2, docs: true })
    assert.equal(docs.length, 2)
    assert.ok(docs[0].start >= docs[1].start, 'newest first')
    assert.ok(docs.some(a => a.activationId === asyncId), 'the latest py-hello activation is among the two newest')
    for (const a of docs) {
      assertActivation(a, { name: 'py-hello', kind: 'python:3' })
      assert.ok(a.logs.length >= 1 && a.logs.every(l => LOG_LINE.test(l)), JSON.stringify(a.logs))
    }
    const all = await ow.activations.list({ name: 'py-hello' })
    assert.ok(all.length >= 4, `four py-hello activations so far, got ${all.length}`)
    assert.ok(all.some(a => a.activationId === coldId))
    for (const a of all) {
      assert.equal(a.name, 'py-hello')
      assert.equal(a.namespace, 'guest')
      assert.match(a.activationId, ACTIVATION_ID)
      assert.equal(typeof a.start, 'number')
      assert.equal(annotation(a.annotations, 'path'), 'guest/py-hello')
      assert.equal(typeof a.statusCode, 'number', 'a summary carries a numeric statusCode')
    }
    const one = await ow.activations.list({ limit: 1 })
    assert.equal(one.length, 1)
    const skipped = await ow.activations.list({ name: 'py-hello', skip: 1, limit: 1 })
    assert.deepEqual(skipped.map(a => a.activationId), [all[1].activationId])
    assert.deepEqual(await ow.activations.list({ name: 'no-such-action' }), [])
    const count = await ow.activations.list({ name: 'py-hello', count: true })
    assert.deepEqual(count, { activations: all.length })
  }))

  it('x-openwhisk-activation-id header on invoke responses (raw fetch)', check(async () => {
    const headers = { Authorization: 'Basic ' + Buffer.from(fwd.auth).toString('base64'), 'Content-Type': 'application/json' }
    const res = await fetch(`${fwd.apihost}/api/v1/namespaces/_/actions/py-hello?blocking=true`,
      { method: 'POST', headers, body: JSON.stringify({ name: 'Eve' }) })
    assert.equal(res.status, 200)
    const body = await res.json()
    assert.equal(res.headers.get('x-openwhisk-activation-id'), body.activationId)
    const nb = await fetch(`${fwd.apihost}/api/v1/namespaces/_/actions/py-hello`,
      { method: 'POST', headers, body: '{}' })
    assert.equal(nb.status, 202)
    const nbBody = await nb.json()
    assert.equal(nb.headers.get('x-openwhisk-activation-id'), nbBody.activationId)
  }))

  // ---- failing functions ----

  it('a function returning {error} → 502 with the application-error activation', check(async () => {
    await ow.actions.create({ name: 'app-error', action: NODE_APP_ERROR, kind: 'nodejs:20' })
    const err = await rejects(ow.actions.invoke({ name: 'app-error', blocking: true }), 502, 'the order was refused')
    assertActivation(err.error, { name: 'app-error', kind: 'nodejs:20', status: 'application error', cold: true })
    assert.deepEqual(err.error.response.result, { error: 'the order was refused' })
    await rejects(ow.actions.invoke({ name: 'app-error', blocking: true, result: true }), 502, 'the order was refused')
  }))

  it('a throwing Node.js function and a raising Python function → 502 application error', check(async () => {
    await ow.actions.create({ name: 'node-throws', action: NODE_THROWS, kind: 'nodejs:20' })
    const e1 = await rejects(ow.actions.invoke({ name: 'node-throws', blocking: true }), 502)
    assert.equal(e1.error.response.status, 'application error')
    assert.equal(e1.error.response.success, false)
    assert.equal(typeof e1.error.response.result.error, 'string')
    assert.ok(e1.message.includes('thrown on purpose'), e1.message)
    await ow.actions.create({ name: 'py-raises', action: PY_RAISES, kind: 'python:3' })
    const e2 = await rejects(ow.actions.invoke({ name: 'py-raises', blocking: true }), 502, 'raised on purpose')
    assert.equal(e2.error.response.status, 'application error')
  }))

  it('developer errors → 502 action developer error: a non-object result, an exit, a timeout', check(async () => {
    await ow.actions.create({ name: 'returns-string', action: 'function main () { return "just a string" }', kind: 'nodejs:20' })
    const e1 = await rejects(ow.actions.invoke({ name: 'returns-string', blocking: true }), 502)
    assert.equal(e1.error.response.status, 'action developer error')
    assert.equal(e1.error.response.success, false)
    assert.equal(typeof e1.error.response.result.error, 'string')

    await ow.actions.create({ name: 'exits', action: 'function main () { process.exit(3) }', kind: 'nodejs:20' })
    await rejects(ow.actions.invoke({ name: 'exits', blocking: true }), 502,
      'The action did not produce a valid response and exited unexpectedly.')

    // Init counts against the timeout too, so it leaves room for a cold start on a loaded host.
    await ow.actions.create({
      name: 'sleeps',
      kind: 'python:3',
      limits: { timeout: 1500 },
      action: 'import time\ndef main(args):\n    time.sleep(args.get("s", 0))\n    return {"slept": args.get("s", 0)}\n'
    })
    const e3 = await rejects(ow.actions.invoke({ name: 'sleeps', blocking: true, params: { s: 30 } }), 502,
      'The action exceeded its time limits of 1500 milliseconds.')
    assert.equal(e3.error.response.status, 'action developer error')
    assert.equal(annotation(e3.error.annotations, 'timeout'), true)
    assert.deepEqual(annotation(e3.error.annotations, 'limits'), { ...DEFAULT_LIMITS, timeout: 1500 })
    // The timed-out instance is gone: the next activation starts cold and succeeds.
    const ok = await ow.actions.invoke({ name: 'sleeps', blocking: true, params: { s: 0 } })
    assert.deepEqual(ok.response.result, { slept: 0 })
    assert.equal(annotation(ok.annotations, 'timeout'), false)
    assert.equal(typeof annotation(ok.annotations, 'initTime'), 'number', 'a new instance after a timeout')
  }))

  it('a JSON array result is a success and blocking+result returns the array as is', check(async () => {
    await ow.actions.create({ name: 'py-list', action: 'def main(args):\n    return [1, "two", {"three": 3}]\n', kind: 'python:3' })
    const a = await ow.actions.invoke({ name: 'py-list', blocking: true })
    assert.equal(a.response.status, 'success')
    assert.deepEqual(a.response.result, [1, 'two', { three: 3 }])
    assert.deepEqual(await ow.actions.invoke({ name: 'py-list', blocking: true, result: true }), [1, 'two', { three: 3 }])
  }))

  // ---- packages ----

  it('packages create/get/list, an action inside a package, delete', check(async () => {
    const pkg = await ow.packages.create({ name: 'tools', package: { parameters: [{ key: 'greeting', value: 'Hi' }] } })
    assert.equal(pkg.namespace, 'guest')
    assert.equal(pkg.name, 'tools')
    assert.equal(pkg.version, '0.0.1')
    assert.equal(pkg.publish, false)
    assert.deepEqual(pkg.parameters, [{ key: 'greeting', value: 'Hi' }])
    await rejects(ow.packages.create({ name: 'tools' }), 409, 'resource already exists')
    // One name per namespace across collections.
    await rejects(ow.actions.create({ name: 'tools', action: PY_HELLO, kind: 'python:3' }), 409,
      'Resource by this name exists but is not in this collection.')

    const inner = await ow.actions.create({
      name: 'tools/greet',
      kind: 'nodejs:20',
      action: 'function main (a) { console.log("in package"); return { said: a.greeting + " " + a.who } }'
    })
    assertActionDoc(inner, { name: 'greet', namespace: 'guest/tools', kind: 'nodejs:20' })
    const got = await ow.actions.get({ name: 'tools/greet' })
    assert.equal(got.namespace, 'guest/tools')

    const p = await ow.packages.get({ name: 'tools' })
    assert.equal(p.name, 'tools')
    assert.deepEqual(p.actions.map(a => a.name), ['greet'])
    assert.equal(p.actions[0].version, '0.0.1')
    assert.ok(Array.isArray(p.actions[0].annotations))

    const plist = await ow.packages.list()
    assert.deepEqual(plist.map(x => x.name), ['tools'])
    assert.equal(plist[0].namespace, 'guest')
    assert.deepEqual(await ow.packages.list({ count: true }), { packages: 1 })

    // Packaged actions appear in the namespace's action list with namespace "guest/tools".
    const alist = await ow.actions.list({ limit: 0 })
    const listed = alist.find(a => a.name === 'greet')
    assert.ok(listed, `greet in ${JSON.stringify(alist.map(a => a.name))}`)
    assert.equal(listed.namespace, 'guest/tools')

    // Package parameters are merged under the invocation's.
    const act = await ow.actions.invoke({ name: 'tools/greet', blocking: true, params: { who: 'Flo' } })
    assertActivation(act, { name: 'greet', kind: 'nodejs:20', cold: true, path: 'guest/tools/greet' })
    assert.deepEqual(act.response.result, { said: 'Hi Flo' })
    // Fully qualified names work too.
    const r = await ow.actions.invoke({ name: '/guest/tools/greet', blocking: true, result: true, params: { who: 'Gus' } })
    assert.deepEqual(r, { said: 'Hi Gus' })
    const listedAct = await ow.activations.list({ name: 'tools/greet', limit: 1 })
    assert.equal(listedAct.length, 1)
    assert.equal(annotation(listedAct[0].annotations, 'path'), 'guest/tools/greet')

    const deleted = await ow.actions.delete({ name: 'tools/greet' })
    assert.equal(deleted.name, 'greet')
    const dp = await ow.packages.delete({ name: 'tools' })
    assert.equal(dp.name, 'tools')
    await rejects(ow.packages.get({ name: 'tools' }), 404)
    assert.deepEqual(await ow.packages.list(), [])
  }))

  // ---- errors the client exposes ----

  it('a wrong key → 401', check(async () => {
    const [uuid] = fwd.auth.split(':')
    const bad = openwhisk({ apihost: fwd.apihost, api_key: `${uuid}:${'x'.repeat(64)}` })
    const err = await rejects(bad.actions.list(), 401)
    assertErrorBody(err)
    const stranger = openwhisk({ apihost: fwd.apihost, api_key: `00000000-0000-4000-8000-000000000000:${'y'.repeat(64)}` })
    await rejects(stranger.namespaces.list(), 401)
    const res = await fetch(`${fwd.apihost}/api/v1/namespaces/_/actions`)
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate') || '', /^Basic realm=/)
  }))

  it('an unknown action → 404 on get, invoke and delete', check(async () => {
    const err = await rejects(ow.actions.invoke({ name: 'no-such-action', blocking: true }), 404,
      'The requested resource does not exist.')
    assertErrorBody(err, 'The requested resource does not exist.')
    await rejects(ow.actions.get({ name: 'no-such-action' }), 404)
    await rejects(ow.actions.get({ name: 'no-such-pkg/no-such-action' }), 404)
    await rejects(ow.activations.get('0123456789abcdef0123456789abcdef'), 404)
  }))

  it('an unknown kind → 400 listing the valid kinds', check(async () => {
    const err = await rejects(ow.actions.create({ name: 'bad-kind', action: PY_HELLO, kind: 'cobol:85' }), 400,
      "The specified runtime 'cobol:85' is not supported by this platform. Valid values are: ")
    assertErrorBody(err)
    for (const k of ['python:3', 'nodejs:20']) {
      assert.ok(err.error.error.includes(`'${k}'`) || err.error.error.includes(k), `${k} listed in ${err.error.error}`)
    }
    await rejects(ow.actions.get({ name: 'bad-kind' }), 404)
  }))

  it('an invalid action name → 400', check(async () => {
    const err = await rejects(ow.actions.create({ name: 'bad!name', action: PY_HELLO, kind: 'python:3' }), 400)
    assertErrorBody(err)
    await rejects(ow.actions.create({ name: 'x'.repeat(257), action: PY_HELLO, kind: 'python:3' }), 400)
  }))

  it('limits.memory 1024 → 400 naming the 512 MB bound', check(async () => {
    const err = await rejects(ow.actions.create({ name: 'too-big', action: PY_HELLO, kind: 'python:3', limits: { memory: 1024 } }),
      400, 'memory size 1024 MB exceeds allowed threshold of 512 MB')
    assertErrorBody(err)
    await rejects(ow.actions.get({ name: 'too-big' }), 404)
  }))

  it('other limits at PUT → 400 with OpenWhisk wording', check(async () => {
    await rejects(ow.actions.create({ name: 'too-long', action: PY_HELLO, kind: 'python:3', limits: { timeout: 400000 } }),
      400, 'duration 400000 milliseconds exceeds allowed threshold of 300000 milliseconds')
    await rejects(ow.actions.get({ name: 'too-long' }), 404)
  }))

  it('list parameters out of range → 400', check(async () => {
    await rejects(ow.actions.list({ limit: 201 }), 400, "The value '201' is not in the range of 0 to 200 for actions.")
    await rejects(ow.activations.list({ count: true, docs: true }), 400, "The parameter 'docs' is not permitted with 'count'.")
  }))

  // ---- shutdown ----

  it('SIGTERM: fwd exits 0 and its temp dir can be removed', check(async () => {
    fwd.proc.kill('SIGTERM')
    const { code, signal } = await fwd.exit
    assert.equal(signal, null, 'fwd was not killed by a signal')
    assert.equal(code, 0, 'exit status')
    fs.rmSync(fwd.tmp, { recursive: true })
    assert.equal(fs.existsSync(fwd.tmp), false)
    // No instance cgroup is left in any hierarchy; the (empty) parent is removed.
    for (const h of fs.readdirSync('/sys/fs/cgroup')) {
      const parent = path.join('/sys/fs/cgroup', h, fwd.cgroupParent)
      if (!fs.existsSync(parent)) continue
      const left = fs.readdirSync(parent, { withFileTypes: true }).filter(e => e.isDirectory())
      assert.deepEqual(left.map(e => e.name), [], `instance cgroups left under ${parent}`)
      fs.rmdirSync(parent)
    }
  }))
})
