import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { LuaLibrary } from '../../src/lualib/index.ts'
import { callBackground, callCustom, callGlobal, callReport, createHarness, run, type Harness } from './harness.ts'
import { freePort } from '../helpers/ports.ts'
import { gate, sendJson, startHttpServer, type TestServer } from './servers.ts'

let srv: TestServer
let lib: LuaLibrary
let h: Harness
let deadPort: number

before(async () => {
  srv = await startHttpServer((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/echo') {
      sendJson(res, 200, { method: req.method, path: req.url, headers: req.headers, body: body.toString('latin1') })
    } else if (url.pathname === '/slow') {
      setTimeout(() => sendJson(res, 200, { slow: true }), Number(url.searchParams.get('ms')))
    } else if (url.pathname === '/big') {
      res.end(Buffer.alloc(Number(url.searchParams.get('n')), 'x'))
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: '/echo?from=redirect' }).end()
    } else if (url.pathname === '/binary') {
      res.end(Buffer.from([0, 255, 1, 128]))
    } else {
      sendJson(res, 404, { error: 'not found' })
    }
  })
  deadPort = await freePort()
  lib = new LuaLibrary()
  h = await createHarness({
    modules: lib.modules,
    reportStates: 2,
    config: `
      BASE = "${srv.url}"
      setLuaHttpOptions{ timeout = 2, connections = 4 }
      function report (lt)
        local status, body, headers = http.request{
          url = BASE .. "/echo", method = "POST", headers = { ["X-Login"] = lt.login },
          body = json.encode({ login = lt.login, remote = lt.remote:tostring() })
        }
        local echo = json.decode(body)
        return status, echo.method, echo.headers["x-login"], json.decode(echo.body).remote, headers["content-type"]
      end
      setReport(report)
      setCustomEndpoint("fetch", function (args)
        local status, body = http.request(BASE .. args.attrs.path)
        return true, { status = tostring(status), size = tostring(#body) }
      end)
      setBackground("poll", function ()
        local ok, err = pcall(http.request, { url = BASE .. "/slow?ms=1000", timeout = 0.05 })
        POLLED = err
      end)
    `
  })
})

after(async () => {
  await lib.close()
  await srv.close()
  await h.close()
})

test('report-like call: POST with headers and a JSON body, answer status/body/headers', async () => {
  const out = await callReport(h, h.states[1], { login: 'alice', remote: '192.0.2.7' })
  assert.deepEqual(out, [200, 'POST', 'alice', '192.0.2.7', 'application/json'])
})

test('custom-like call: GET by URL string; binary bodies stay bytes', async () => {
  assert.deepEqual(await callCustom(h, h.states[2], 'fetch', { path: '/big?n=70000' }), [true, { status: '200', size: '70000' }])
  assert.deepEqual(await run(h, h.states[1], 'local s, b = http.request(BASE .. "/binary") return s, #b, b:byte(1), b:byte(2), b:byte(4)'), [200, 4, 0, 255, 128])
  assert.deepEqual(await run(h, h.states[1], 'local s, b = http.request(BASE .. "/nothing") return s, json.decode(b).error'), [404, 'not found'])
})

test('background-like call: a timeout is a Lua error that pcall catches', async () => {
  await callBackground(h, h.states[1], 'poll')
  const [err] = await run(h, h.states[1], 'return POLLED')
  assert.match(String(err), /http\.request: GET http:\/\/127\.0\.0\.1:\d+\/slow\?ms=1000: timed out after 50 ms/)
})

test('connection refused and bad arguments raise errors naming the call', async () => {
  await assert.rejects(run(h, h.states[1], `return http.request("http://127.0.0.1:${deadPort}/")`), /Error: test:1: http\.request: GET http:\/\/127\.0\.0\.1:\d+\/: .*ECONNREFUSED/)
  await assert.rejects(run(h, h.states[1], 'return http.request{ method = "GET" }'), /test:1: http\.request: option 'url' is required/)
  await assert.rejects(run(h, h.states[1], 'return http.request{ url = "ftp://x/" }'), /unsupported URL scheme 'ftp:'/)
  await assert.rejects(run(h, h.states[1], 'return http.request{ url = BASE, bdoy = "x" }'), /unknown option 'bdoy'/)
  await assert.rejects(run(h, h.states[1], 'return http.request(42 > 1)'), /bad argument #1 to 'http.request' \(table expected, got boolean\)/)
  const [ok, msg] = await run(h, h.states[1], `return pcall(http.request, "http://127.0.0.1:${deadPort}/")`)
  assert.equal(ok, false)
  assert.match(String(msg), /ECONNREFUSED/)
})

test('redirects are followed only when asked; the response size is bounded', async () => {
  assert.deepEqual(await run(h, h.states[1], 'local s, b, hd = http.request(BASE .. "/redirect") return s, hd.location'), [302, '/echo?from=redirect'])
  assert.deepEqual(await run(h, h.states[1], 'local s, b = http.request{ url = BASE .. "/redirect", redirects = 1 } return s, json.decode(b).path'), [200, '/echo?from=redirect'])
  const small = new LuaLibrary()
  const h2 = await createHarness({ modules: small.modules, reportStates: 0, config: 'setLuaHttpOptions{ max_body = 1000 }' })
  try {
    await assert.rejects(run(h2, h2.states[0], `return http.request("${srv.url}/big?n=5000")`), /response body larger than 1000 bytes/)
    assert.deepEqual(await run(h2, h2.states[0], `local s, b = http.request("${srv.url}/big?n=1000") return #b`), [1000])
  } finally {
    await small.close()
    await h2.close()
  }
})

test('socket.http: body, code, headers, status line; nil and the error on failure', async () => {
  const [body, code, ctype, line] = await run(h, h.states[2], `
    local http = require "socket.http"
    local body, code, headers, status = http.request(BASE .. "/echo")
    return body, code, headers["content-type"], status`)
  assert.equal(code, 200)
  assert.equal(ctype, 'application/json')
  assert.equal(line, 'HTTP/1.1 200 OK')
  assert.equal(JSON.parse(String(body)).method, 'GET')
  const [posted] = await run(h, h.states[2], 'local b = require("socket.http").request(BASE .. "/echo", "a=1&b=2") return b')
  const echo = JSON.parse(String(posted))
  assert.equal(echo.method, 'POST')
  assert.equal(echo.body, 'a=1&b=2')
  assert.equal(echo.headers['content-type'], 'application/x-www-form-urlencoded')
  assert.deepEqual(JSON.parse(String((await run(h, h.states[2], 'return (require("socket.http").request(BASE .. "/redirect"))'))[0])).path, '/echo?from=redirect')
  const [nil, err] = await run(h, h.states[2], `local http = require "socket.http" http.TIMEOUT = 0.05 local b, e = http.request(BASE .. "/slow?ms=1000") http.TIMEOUT = nil return b, e`)
  assert.equal(nil, null)
  assert.match(String(err), /timed out after 50 ms/)
  await assert.rejects(run(h, h.states[2], 'return require("socket.http").request{ url = BASE }'), /table form .* is not supported/)
})

test('a call from a table.sort comparator cannot wait for I/O and says so', async () => {
  await assert.rejects(run(h, h.states[1], 'local t = {2, 1} table.sort(t, function (a, b) http.request(BASE .. "/echo") return a < b end)'),
    /http\.request: cannot wait for I\/O here \(called from a table\.sort or string\.gsub callback/)
})

test('load: while one state waits on a slow call, calls on the other states keep completing', async () => {
  const hold = gate()
  const slowServer = await startHttpServer((_req, _body, res) => {
    // Answer no earlier than 50 ms and not before the fast calls are done.
    void Promise.all([hold.promise, new Promise((resolve) => setTimeout(resolve, 50))]).then(() => sendJson(res, 200, { slow: true }))
  })
  try {
    const lib2 = new LuaLibrary()
    const h2 = await createHarness({
      modules: lib2.modules,
      reportStates: 6,
      config: `
        function slow () local s, b = http.request("${slowServer.url}/") return json.decode(b).slow end
        function fast (i) local s, b = http.request("${srv.url}/echo?i=" .. i) return json.decode(b).path end`
    })
    try {
      let slowDone = false
      const slow = callGlobal(h2, h2.states[1], 'slow').then((r) => { slowDone = true; return r })
      const fast = await Promise.all([2, 3, 4, 5, 6].map((i) => callGlobal(h2, h2.states[i], 'fast', i)))
      assert.deepEqual(fast, [2, 3, 4, 5, 6].map((i) => [`/echo?i=${i}`]))
      assert.equal(slowDone, false, 'the slow call is still waiting while the fast ones completed')
      assert.equal(lib2.metrics().httpInFlight, 1)
      hold.open()
      assert.deepEqual(await slow, [true])
      assert.equal(lib2.metrics().httpRequests, 6)
    } finally {
      await lib2.close()
      await h2.close()
    }
  } finally {
    hold.open()
    await slowServer.close()
  }
})

test('concurrency per origin is bounded: beyond max_pending a call fails at once', async () => {
  const hold = gate()
  const slowServer = await startHttpServer((_req, _body, res) => { void hold.promise.then(() => sendJson(res, 200, {})) })
  const lib2 = new LuaLibrary()
  const h2 = await createHarness({
    modules: lib2.modules,
    reportStates: 3,
    config: `setLuaHttpOptions{ connections = 1, max_pending = 2 }
      function get () return (http.request("${slowServer.url}/")) end`
  })
  try {
    const first = callGlobal(h2, h2.states[1], 'get')
    const second = callGlobal(h2, h2.states[2], 'get')
    await assert.rejects(callGlobal(h2, h2.states[3], 'get'), /too many requests to http:\/\/127\.0\.0\.1:\d+ \(2 running or waiting/)
    hold.open()
    assert.deepEqual(await Promise.all([first, second]), [[200], [200]])
    assert.equal(lib2.metrics().httpFailures, 1)
  } finally {
    hold.open()
    await lib2.close()
    await h2.close()
    await slowServer.close()
  }
})
