import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { LuaLibrary } from '../../src/lualib/index.ts'
import { callBackground, callCustom, callReport, createHarness, run, type Harness } from './harness.ts'
import { startRedis, type TestRedis } from './redis-server.ts'
import { freePort } from '../helpers/ports.ts'

let server: TestRedis
let lib: LuaLibrary
let h: Harness

before(async () => {
  server = await startRedis(['--requirepass', 'pw'])
  lib = new LuaLibrary()
  h = await createHarness({
    modules: lib.modules,
    config: `
      setRedis{ host = "127.0.0.1", port = ${server.port}, password = "pw", timeout = 2 }
      setReport(function (lt)
        local key = "logins:" .. lt.login
        local n = redis:incr(key)
        redis:expire(key, 3600)
        redis:sadd("ips:" .. lt.login, lt.remote:tostring())
        return n, redis:ttl(key) > 0, #redis:smembers("ips:" .. lt.login)
      end)
      setCustomEndpoint("profile", function (args)
        local k = "profile:" .. args.attrs.login
        redis.hset(k, "country", args.attrs.country)
        redis.hincrby(k, "seen", 1)
        local all = redis.hgetall(k)
        return true, { country = redis.hget(k, "country"), seen = all.seen, missing = tostring(redis.hget(k, "nope")) }
      end)
      setBackground("sweep", function () SWEPT = redis:del("logins:alice", "ips:alice") end)
    `
  })
})

after(async () => {
  await lib.close()
  await h.close()
  await server.stop()
})

test('report-like call: incr, expire, ttl, sadd, smembers on a real redis-server', async () => {
  assert.deepEqual(await callReport(h, h.states[1], { login: 'alice', remote: '192.0.2.1' }), [1, true, 1])
  assert.deepEqual(await callReport(h, h.states[2], { login: 'alice', remote: '192.0.2.2' }), [2, true, 2])
})

test('custom-like and background-like calls: hashes, missing values are nil, del counts', async () => {
  assert.deepEqual(await callCustom(h, h.states[1], 'profile', { login: 'bob', country: 'DE' }), [true, { country: 'DE', seen: '1', missing: 'nil' }])
  assert.deepEqual(await callCustom(h, h.states[2], 'profile', { login: 'bob', country: 'FR' }), [true, { country: 'FR', seen: '2', missing: 'nil' }])
  await callBackground(h, h.states[1], 'sweep')
  assert.deepEqual(await run(h, h.states[1], 'return SWEPT, redis:get("logins:alice"), redis:exists("ips:alice")'), [2, null, false])
})

test('set with expiry, setex, booleans as redis-lua gives them, binary values, raw call', async () => {
  assert.deepEqual(await run(h, h.states[1], `
    local ok = redis:set("tmp", "v", 60)
    local ttl = redis:ttl("tmp")
    local nx = redis:set("tmp", "w", "NX")
    redis:setex("tmp2", 30, 5)
    return ok, ttl > 0 and ttl <= 60, nx, redis:get("tmp"), redis:get("tmp2"), redis:sismember("none", "x"), redis:hexists("none", "f")`),
  [true, true, null, 'v', '5', false, false])
  assert.deepEqual(await run(h, h.states[1], 'redis:set("bin", "a\\0\\255b") local v = redis:get("bin") return #v, v:byte(2), v:byte(3)'), [4, 0, 255])
  assert.deepEqual(await run(h, h.states[1], 'return redis:call("PING"), redis.call("ECHO", "hi"), redis:call("incrby", "cnt", 5), redis:incrby("cnt", 2), redis:decr("cnt")'), ['PONG', 'hi', 5, 7, 6])
  assert.deepEqual(await run(h, h.states[1], 'redis:sadd("s", "a", "b", "c") redis:srem("s", "b") local m = redis:smembers("s") table.sort(m) return table.concat(m, ","), redis:scard("s")'), ['a,c', 2])
})

test('server errors, bad arguments and no configuration are Lua errors; pcall catches them', async () => {
  await assert.rejects(run(h, h.states[1], 'redis:set("str", "x") return redis:sadd("str", "y")'), /test:1: redis\.sadd: WRONGTYPE Operation against a key holding the wrong kind of value/)
  assert.deepEqual(await run(h, h.states[1], 'local ok, err = pcall(redis.incr, redis, "str") return ok, (err:match("ERR value is not an integer"))'), [false, 'ERR value is not an integer'])
  await assert.rejects(run(h, h.states[1], 'return redis:get("a", "b")'), /test:1: redis\.get: expected 1 argument, got 2/)
  await assert.rejects(run(h, h.states[1], 'return redis:set("a", {})'), /bad argument #2 to 'redis\.set' \(string or number expected, got table\)/)
  await assert.rejects(run(h, h.states[1], 'return redis:call("NOSUCHCMD")'), /redis\.call NOSUCHCMD: ERR unknown command/)
  await assert.rejects(run(h, h.states[1], 'return redis:call("multi")'), /test:1: redis\.call: MULTI is not available: every Lua state shares one connection/)
  assert.deepEqual(await run(h, h.states[1], 'return redis.call("EVAL", "return redis.call(\'INCRBY\', KEYS[1], ARGV[1])", 1, "evalkey", 3)'), [3])
  const lib2 = new LuaLibrary()
  const h2 = await createHarness({ modules: lib2.modules, reportStates: 0, config: '' })
  try {
    await assert.rejects(run(h2, h2.states[0], 'return redis:get("x")'), /redis\.get: no Redis configured/)
    await assert.rejects(run(h2, h2.states[0], 'setRedis("http://x")'), /url must be redis:\/\/ or rediss:\/\//)
    await assert.rejects(run(h2, h2.states[0], 'setRedis{ hots = "x" }'), /unknown option 'hots'/)
    await assert.rejects(run(h2, h2.states[0], 'setRedis{ db = -1 }'), /option 'db' must be an integer of at least 0/)
  } finally {
    await lib2.close()
    await h2.close()
  }
})

test('a command where Lua cannot wait is refused before it reaches the server', async () => {
  await assert.rejects(run(h, h.states[1], 'local t = {2, 1} table.sort(t, function (a, b) redis:incr("sorted") return a < b end)'),
    /test:1: redis\.incr: cannot wait for I\/O here \(called from a table\.sort/)
  await assert.rejects(run(h, h.states[1], 'return coroutine.wrap(function () return redis:incr("sorted") end)()'), /redis\.incr: cannot wait for I\/O here/)
  assert.deepEqual(await run(h, h.states[1], 'return redis:get("sorted")'), [null])
})

test('timeouts, a wrong password and a server that is down fail the call instead of hanging', async () => {
  const lib2 = new LuaLibrary()
  const dead = await freePort()
  const h2 = await createHarness({ modules: lib2.modules, reportStates: 0, config: `setRedis{ port = ${server.port}, password = "pw", timeout = 0.1 }` })
  try {
    await assert.rejects(run(h2, h2.states[0], 'return redis:call("BLPOP", "nolist", "0.5")'), /redis\.call BLPOP: timed out after 100 ms/)
    await run(h2, h2.states[0], `setRedis("redis://:wrong@127.0.0.1:${server.port}/0")`)
    await assert.rejects(run(h2, h2.states[0], 'return redis:get("x")'), /redis\.get: WRONGPASS invalid username-password pair/)
    await run(h2, h2.states[0], `setRedis{ port = ${dead}, timeout = 0.2 }`)
    const started = Date.now()
    await assert.rejects(run(h2, h2.states[0], 'return redis:get("x")'), /redis\.get: (timed out after 200 ms|cannot reach Redis at 127\.0\.0\.1:\d+: connect ECONNREFUSED)/)
    await assert.rejects(run(h2, h2.states[0], 'return redis:get("x")'), /redis\.get: (timed out after 200 ms|cannot reach Redis at 127\.0\.0\.1:\d+: connect ECONNREFUSED)/)
    assert.ok(Date.now() - started < 5000)
    assert.ok(lib2.metrics().redisFailures >= 3)
  } finally {
    await lib2.close()
    await h2.close()
  }
})

test('a URL selects host, password and database', async () => {
  const lib2 = new LuaLibrary()
  const h2 = await createHarness({ modules: lib2.modules, reportStates: 0, config: `setRedis("redis://:pw@127.0.0.1:${server.port}/3")` })
  try {
    await run(h2, h2.states[0], 'redis:set("where", "db3")')
    assert.deepEqual(await run(h2, h2.states[0], 'return redis:get("where")'), ['db3'])
    assert.deepEqual(await run(h, h.states[1], 'return redis:get("where")'), [null])
  } finally {
    await lib2.close()
    await h2.close()
  }
})
