import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { connect, type Socket } from 'node:net'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { rawRequest, reportBody } from '../helpers/http-client.ts'
import { parsePrometheus, PID_ENDPOINT, sample, scrape } from '../integration/helpers.ts'

const ONE_PROCESS = 'setNumWorkerThreads(1)\nsetNumLuaStates(1)\n'

let d: RunningDaemon

before(async () => {
  d = await startDaemon({
    config: ONE_PROCESS + 'setACL({"127.0.0.1/32"})\nsetMaxRequestBodySize(300)\n' +
      'setCustomEndpoint("echo", function (args) return true, {} end)\n'
  })
})
after(() => d?.stop())

/** The log lines of refusals for `reason` so far. */
const refusalLines = (daemon: RunningDaemon, reason: string): string[] =>
  daemon.output().split('\n').filter((l) => l.includes(`refused request reason="${reason}"`))

/** Waits for the first log line of `reason` and returns it. */
async function lineFor (daemon: RunningDaemon, reason: string): Promise<string> {
  await daemon.waitForOutput(`refused request reason="${reason}"`)
  return refusalLines(daemon, reason)[0] as string
}

test('50 invalid reports give one log line (rate limit) and a count of 50', async () => {
  for (let i = 0; i < 50; i++) {
    const res = await rawRequest(`${d.url}/command/report`, { body: reportBody({ login: undefined }) })
    assert.equal(res.status, 400)
  }
  // Log lines arrive in order: once a later refusal's line is in, every earlier one would be too.
  assert.equal((await rawRequest(`${d.url}/command/nosuch`)).status, 404)
  await lineFor(d, 'not_found')
  const lines = refusalLines(d, 'bad_request')
  assert.equal(lines.length, 1, d.output())
  assert.match(lines[0] as string, /^info refused request reason="bad_request" remote="127\.0\.0\.1" detail="[^"]*login[^"]*" request="POST \/command\/report"$/)
  assert.equal(sample(await scrape(d), 'trackalert_http_refused_total', { reason: 'bad_request' }), 50)
})

test('each kind of refusal is logged with the peer address and the reason', async () => {
  assert.equal((await rawRequest(`${d.url}/command/stats`, { localAddress: '127.0.0.2' })).status, 401)
  assert.match(await lineFor(d, 'acl'),
    /^warning refused request reason="acl" remote="127\.0\.0\.2" detail="source address not in the ACL \(setACL, addACL\)" request="GET \/command\/stats"$/)

  assert.equal((await rawRequest(`${d.url}/command/stats`, { auth: 'wrong' })).status, 401)
  assert.match(await lineFor(d, 'auth'), /^warning refused request reason="auth" remote="127\.0\.0\.1" detail="wrong password" request="GET \/command\/stats"$/)

  assert.match(refusalLines(d, 'not_found')[0] as string,
    /^info refused request reason="not_found" remote="127\.0\.0\.1" detail="no command named 'nosuch'" request="GET \/command\/nosuch"$/)

  assert.equal((await rawRequest(`${d.url}/command/report`)).status, 405)
  assert.match(await lineFor(d, 'method'), /^info refused request reason="method" remote="127\.0\.0\.1" detail="report takes POST only" request="GET \/command\/report"$/)

  assert.equal((await rawRequest(`${d.url}/command/report`, { body: reportBody({ login: 'x'.repeat(400) }) })).status, 413)
  assert.match(await lineFor(d, 'too_large'),
    /^info refused request reason="too_large" remote="127\.0\.0\.1" detail="body over the limit of 300 bytes \(setMaxRequestBodySize\)" request="POST \/command\/report"$/)

  assert.match(await rawExchange(d.port, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request/)
  assert.match(await lineFor(d, 'malformed'), /^info refused request reason="malformed" remote="127\.0\.0\.1" detail="not a valid HTTP request \(HPE_[A-Z_]+\)"$/)

  // A bad custom endpoint call is a bad_request too (its line is held back by the limit: counted below).
  assert.equal((await rawRequest(`${d.url}/command/echo`, { body: { attrs: 'not an object' } })).status, 400)

  const f = await scrape(d)
  const counts = Object.fromEntries(['acl', 'auth', 'bad_request', 'not_found', 'method', 'too_large', 'malformed', 'too_many_connections']
    .map((reason) => [reason, sample(f, 'trackalert_http_refused_total', { reason })]))
  assert.deepEqual(counts, { acl: 1, auth: 1, bad_request: 51, not_found: 1, method: 1, too_large: 1, malformed: 1, too_many_connections: 0 })
  // Kept as before: reports refused by validation, by field.
  assert.equal(sample(f, 'trackalert_report_rejected_total', { reason: 'login' }), 50)
})

test('a connection over setMaxWebserverConns is logged and counted', async (t) => {
  const limited = await startDaemon({ config: ONE_PROCESS + 'setMaxWebserverConns(1)\n' })
  t.after(() => limited.stop())
  // One keep-alive connection takes the only place; the scrape below travels on it too.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  assert.equal((await rawRequest(`${limited.url}/command/livez`, { agent })).status, 200)
  const refused = await openSocket(limited.port)
  await new Promise((resolve) => refused.once('close', resolve))
  assert.match(await lineFor(limited, 'too_many_connections'),
    /^warning refused request reason="too_many_connections" remote="127\.0\.0\.1" detail="connection closed: setMaxWebserverConns limit reached \(1\)"$/)
  const metrics = await rawRequest(`${limited.url}/metrics`, { agent })
  assert.equal(metrics.status, 200)
  assert.equal(sample(parsePrometheus(metrics.text), 'trackalert_http_refused_total', { reason: 'too_many_connections' }), 1)
})

test('with two worker processes /metrics sums the refusals of both', async (t) => {
  const multi = await startDaemon({ config: 'setNumWorkerThreads(2)\nsetNumLuaStates(1)\n' + PID_ENDPOINT })
  t.after(() => multi.stop())
  const pids = new Set<string>()
  for (let i = 0; i < 6; i++) pids.add(String((await rawRequest(`${multi.url}/command/pid`, { body: { attrs: {} } })).body.r_attrs.pid))
  assert.equal(pids.size, 2, 'fresh connections reach both workers')
  for (let i = 0; i < 10; i++) assert.equal((await rawRequest(`${multi.url}/command/stats`, { auth: 'wrong' })).status, 401)
  for (let i = 0; i < 4; i++) assert.equal((await rawRequest(`${multi.url}/command/nosuch`)).status, 404)
  for (let i = 0; i < 6; i++) assert.equal((await rawRequest(`${multi.url}/command/report`, { body: '{' })).status, 400)
  const f = await scrape(multi)
  assert.equal(sample(f, 'trackalert_http_refused_total', { reason: 'auth' }), 10)
  assert.equal(sample(f, 'trackalert_http_refused_total', { reason: 'not_found' }), 4)
  assert.equal(sample(f, 'trackalert_http_refused_total', { reason: 'bad_request' }), 6)
  assert.equal(sample(f, 'trackalert_http_refused_total', { reason: 'acl' }), 0)
  // Each worker limits its own lines: one auth line per worker that refused one.
  await multi.waitForOutput(/(refused request reason="auth"[^]*){2}/)
  assert.equal(refusalLines(multi, 'auth').length, 2, multi.output())
})

function openSocket (port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Sends raw bytes on a fresh connection and resolves with everything received until the server closes. */
async function rawExchange (port: number, bytes: string): Promise<string> {
  const socket = await openSocket(port)
  let got = ''
  socket.on('data', (c: Buffer) => { got += c.toString() })
  socket.end(bytes)
  await new Promise((resolve) => socket.once('close', resolve))
  return got
}
