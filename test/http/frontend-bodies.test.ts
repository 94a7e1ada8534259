import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { PASSWORD } from '../helpers/daemon.ts'
import { basicAuth, rawRequest, reportBody } from '../helpers/http-client.ts'
import { startFrontend, type FrontendUnderTest } from './harness.ts'

const CONFIG = `
setNumLuaStates(1)
setMaxRequestBodySize(200)
local last = ""
setReport(function(lt) last = lt.login end)
setCustomEndpoint("last", function(args) return true, { login = last } end)
setCustomEndpoint("fails", function(args) error("custom failed on purpose") end)
`

let f: FrontendUnderTest

before(async () => { f = await startFrontend(CONFIG) })
after(() => f?.close())

/** A raw connection, for what a well-behaved client library will not send. */
async function openSocket (): Promise<{ socket: Socket, received: () => string, closed: Promise<unknown> }> {
  const socket = connect(f.port, '127.0.0.1')
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  const closed = once(socket, 'close')
  await once(socket, 'connect')
  return { socket, received: () => text, closed }
}

async function lastLogin (): Promise<unknown> {
  return (await rawRequest(`${f.url}/command/last`, { body: { attrs: {} } })).body
}

test('a body over setMaxRequestBodySize is 413 and closes the connection, declared or streamed', async () => {
  const before = await f.refused('too_large')
  const declared = await rawRequest(`${f.url}/command/report`, { body: reportBody({ login: 'x'.repeat(300) }) })
  assert.equal(declared.status, 413)
  assert.equal(declared.headers.connection, 'close')
  assert.deepEqual(declared.body, { status: 'failure', reason: 'Request body too large' })
  const streamed = await rawRequest(`${f.url}/command/last`, {
    body: { attrs: { pad: 'y'.repeat(300) } }, headers: { 'transfer-encoding': 'chunked' }
  })
  assert.equal(streamed.status, 413)
  assert.equal(await f.refused('too_large'), before + 2)
})

test('a body arriving in many small chunks is put together before it is parsed', async () => {
  const { socket, received, closed } = await openSocket()
  const body = JSON.stringify(reportBody({ login: 'chunky' }))
  socket.write(`POST /command/report HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuth(PASSWORD)}\r\n` +
    'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n')
  for (let i = 0; i < body.length; i += 7) {
    const piece = body.slice(i, i + 7)
    socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`)
    await new Promise((resolve) => setImmediate(resolve))
  }
  socket.end('0\r\n\r\n')
  await closed
  assert.match(received(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"status":"ok"\}$/)
  assert.deepEqual(await lastLogin(), { success: true, r_attrs: { login: 'chunky' } })
})

test('bad report bodies are 400 with the reason and never reach Lua', async () => {
  assert.equal((await rawRequest(`${f.url}/command/report`, { body: reportBody({ login: 'before' }) })).status, 200)
  const before = await f.refused('bad_request')
  const notJson = await rawRequest(`${f.url}/command/report`, { body: '{"login":' })
  assert.equal(notJson.status, 400)
  assert.match(notJson.body.reason, /^Invalid JSON: /)
  const invalid = await rawRequest(`${f.url}/command/report`, { body: reportBody({ login: 'never', success: 'yes' }) })
  assert.equal(invalid.status, 400)
  assert.equal(invalid.body.status, 'failure')
  assert.match(invalid.body.reason, /'success'/)
  assert.equal(await f.refused('bad_request'), before + 2)
  assert.deepEqual(await lastLogin(), { success: true, r_attrs: { login: 'before' } })
})

test('custom endpoints: bad bodies are 400, a Lua error is 500, both as {"success":false,"reason":…}', async () => {
  const notJson = await rawRequest(`${f.url}/command/last`, { body: 'nope' })
  assert.equal(notJson.status, 400)
  assert.equal(notJson.body.success, false)
  assert.match(notJson.body.reason, /^Invalid JSON: /)
  const notObject = await rawRequest(`${f.url}/command/last`, { body: [1] })
  assert.deepEqual({ status: notObject.status, body: notObject.body }, {
    status: 400, body: { success: false, reason: 'Request body must be a JSON object with an "attrs" object' }
  })
  const failed = await rawRequest(`${f.url}/command/fails`, { body: { attrs: {} } })
  assert.equal(failed.status, 500)
  assert.equal(failed.body.success, false)
  assert.match(failed.body.reason, /custom failed on purpose/)
})

test('stats answers the totals as JSON', async () => {
  const res = await rawRequest(`${f.url}/command/stats`)
  assert.equal(res.status, 200)
  assert.ok(Number.isInteger(res.body.reports) && res.body.reports >= 1, res.text)
  assert.ok(res.body.commandstats.report >= 1, res.text)
})

test('past setMaxWebserverConns a new connection is closed at once, and counted', async () => {
  const settings = f.loaded.gen.settings
  const saved = settings.maxWebserverConns
  const before = await f.refused('too_many_connections')
  const first = await openSocket()
  settings.maxWebserverConns = 1
  try {
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(f.frontend.activeConnections, 1)
    const second = await openSocket()
    second.socket.write('GET /command/livez HTTP/1.1\r\nHost: x\r\n\r\n')
    await second.closed
    assert.equal(second.received(), '')
    assert.equal(await f.refused('too_many_connections'), before + 1)
  } finally {
    settings.maxWebserverConns = saved
    first.socket.destroy()
  }
})

test('a request that is not HTTP is 400 and closes the connection, counted as malformed', async () => {
  const before = await f.refused('malformed')
  const { socket, received, closed } = await openSocket()
  socket.write('HELLO THERE\r\n\r\n')
  await closed
  assert.match(received(), /^HTTP\/1\.1 400 Bad Request\r\n/)
  assert.equal(await f.refused('malformed'), before + 1)
})

test('close() ends idle keep-alive connections, then refuses new ones', async () => {
  const own = await startFrontend('')
  const socket = connect(own.port, '127.0.0.1')
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  const ended = once(socket, 'end')
  try {
    socket.write('GET /command/livez HTTP/1.1\r\nHost: x\r\n\r\n')
    while (!text.endsWith('{"status":"ok"}')) await once(socket, 'data')
    assert.equal(own.frontend.activeConnections, 1)
    await own.frontend.close()
    await ended
    await assert.rejects(rawRequest(`${own.url}/command/livez`, { auth: false }), { code: 'ECONNREFUSED' })
  } finally {
    socket.destroy()
    await own.close()
  }
})
