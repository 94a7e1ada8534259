import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { LuaLibrary } from '../../src/lualib/index.ts'
import { startFakeEs, type FakeEs } from './fake-es.ts'
import { callBackground, callCustom, callReport, createHarness, run, type Harness } from './harness.ts'
import { freePort } from '../helpers/ports.ts'

const BASIC = 'Basic ' + Buffer.from('elastic:s3cret').toString('base64')
const DOCS = [
  { login: 'alice', country: 'DE', t: 100 },
  { login: 'alice', country: 'DE', t: 200 },
  { login: 'alice', country: 'FR', t: 300 },
  { login: 'bob', country: 'US', t: 100 }
]

let es: FakeEs
let lib: LuaLibrary
let h: Harness

before(async () => {
  es = await startFakeEs({ logins: DOCS, archive: [{ login: 'alice', country: 'IT', t: 50 }] }, { auth: BASIC })
  lib = new LuaLibrary()
  h = await createHarness({
    modules: lib.modules,
    config: `
      setElasticsearch{ url = "${es.url}/", user = "elastic", password = "s3cret", timeout = 2 }
      local function countries (login, index)
        local r = es.search(index or "logins", {
          size = 0,
          query = { bool = { filter = { { term = { login = login } } } } },
          aggs = { countries = { terms = { field = "country", size = 10 } } }
        })
        local out = {}
        for _, b in ipairs(r.aggregations.countries.buckets) do out[#out + 1] = b.key .. "=" .. b.doc_count end
        return table.concat(out, ","), r.hits.total.value
      end
      setReport(function (lt) return countries(lt.login) end)
      setCustomEndpoint("countries", function (args)
        local list = countries(args.attrs.login, { "logins", "archive" })
        return true, { countries = list }
      end)
      setBackground("health", function () HEALTH = es.request("GET", "/_cluster/health").status end)
      COUNTRIES = countries
    `
  })
})

after(async () => {
  await lib.close()
  await es.close()
  await h.close()
})

test('report-like call: a terms aggregation over login comes back as Lua tables', async () => {
  assert.deepEqual(await callReport(h, h.states[1], { login: 'alice', remote: '192.0.2.1' }), ['DE=2,FR=1', 3])
  const last = es.requests.at(-1)
  assert.equal(last?.path, '/logins/_search')
  assert.equal(last?.auth, BASIC)
  assert.deepEqual(last?.body, {
    size: 0, query: { bool: { filter: [{ term: { login: 'alice' } }] } }, aggs: { countries: { terms: { field: 'country', size: 10 } } }
  })
})

test('custom-like call over several indices; background-like call with es.request', async () => {
  assert.deepEqual(await callCustom(h, h.states[2], 'countries', { login: 'alice' }), [true, { countries: 'DE=2,FR=1,IT=1' }])
  assert.equal(es.requests.at(-1)?.path, '/logins,archive/_search')
  await callBackground(h, h.states[1], 'health')
  assert.deepEqual(await run(h, h.states[1], 'return HEALTH'), ['green'])
})

test('JSON nulls arrive as json.null; query strings and raw JSON bodies pass through', async () => {
  assert.deepEqual(await run(h, h.states[1], `
    local r = es.search("logins", '{"query":{"term":{"login":"bob"}}}', { params = { request_cache = false } })
    return r.hits.max_score == json.null, r.hits.hits[1]._source.country, #r.hits.hits`), [true, 'US', 1])
  assert.equal(es.requests.at(-1)?.path, '/logins/_search?request_cache=false')
})

test('error statuses raise Lua errors with the status and the Elasticsearch reason; pcall catches them', async () => {
  await assert.rejects(run(h, h.states[1], 'return es.search("nosuch", {})'),
    /test:1: es\.search: HTTP 404 from POST http:\/\/127\.0\.0\.1:\d+\/nosuch\/_search: index_not_found_exception: no such index \[nosuch\]/)
  await assert.rejects(run(h, h.states[1], 'return es.search("logins", { query = { fuzzy = {} } })'), /HTTP 400 .*parsing_exception: unknown query \[fuzzy\]/)
  assert.deepEqual(await run(h, h.states[1], 'local ok, err = pcall(es.search, "nosuch", {}) return ok, (err:match("HTTP %d+"))'), [false, 'HTTP 404'])
  assert.deepEqual(await run(h, h.states[1], 'local body, status = es.request("POST", "/nosuch/_search", {}, { ignore = { 404 } }) return status, body.error.type'), [404, 'index_not_found_exception'])
  await assert.rejects(run(h, h.states[1], 'return es.search("bad/name", {})'), /invalid index name 'bad\/name'/)
  await assert.rejects(run(h, h.states[1], 'return es.search("logins", { f = print })'), /Cannot serialise function/)
  await assert.rejects(run(h, h.states[1], 'return es.search("logins", {}, { timeuot = 1 })'), /es\.search: unknown option 'timeuot'/)
  const m = lib.metrics()
  assert.ok(m.esFailures >= 3 && m.esRequests > m.esFailures)
})

test('timeouts, an unreachable server, wrong credentials, no configuration', async () => {
  const slow = await startFakeEs({ logins: DOCS }, { delayMs: 1000 })
  const dead = await freePort()
  const lib2 = new LuaLibrary()
  const h2 = await createHarness({
    modules: lib2.modules,
    reportStates: 0,
    config: `setElasticsearch{ url = "${slow.url}", api_key = "a2V5OnNlY3JldA==" }`
  })
  try {
    await assert.rejects(run(h2, h2.states[0], 'return es.search("logins", {}, { timeout = 0.05 })'), /es\.search: POST http:\/\/127\.0\.0\.1:\d+\/logins\/_search: timed out after 50 ms/)
    assert.equal(slow.requests.at(-1)?.auth, 'ApiKey a2V5OnNlY3JldA==')
    await run(h2, h2.states[0], `setElasticsearch("http://127.0.0.1:${dead}")`)
    await assert.rejects(run(h2, h2.states[0], 'return es.search("logins", {})'), /es\.search: POST .*ECONNREFUSED/)
    await run(h2, h2.states[0], `setElasticsearch{ url = "${es.url}", user = "elastic", password = "wrong" }`)
    await assert.rejects(run(h2, h2.states[0], 'return es.search("logins", {})'), /HTTP 401 .*security_exception/)
  } finally {
    await lib2.close()
    await h2.close()
    await slow.close()
  }
  const lib3 = new LuaLibrary()
  const h3 = await createHarness({ modules: lib3.modules, reportStates: 0, config: '' })
  try {
    await assert.rejects(run(h3, h3.states[0], 'return es.search("logins", {})'), /es\.search: no Elasticsearch configured \(setElasticsearch/)
    for (const [cfg, msg] of [
      ['setElasticsearch{ url = "ftp://x" }', /url must be http:\/\/ or https:\/\//],
      ['setElasticsearch{ url = "http://x", api_key = "k", user = "u" }', /either api_key or user\/password/],
      ['setElasticsearch{ host = "x" }', /unknown option 'host'/],
      ['setElasticsearch{}', /option 'url' is required/]
    ] as const) {
      await assert.rejects(run(h3, h3.states[0], cfg), msg)
    }
  } finally {
    await lib3.close()
    await h3.close()
  }
})

test('report states do not reconfigure: only the config state applies setElasticsearch', async () => {
  await run(h, h.states[1], 'setElasticsearch{ url = "http://127.0.0.1:1" }')
  assert.deepEqual(await run(h, h.states[1], 'return COUNTRIES("bob")'), ['US=1', 1])
})
