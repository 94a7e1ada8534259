import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { EVAL_ENDPOINT, evalLua } from '../helpers/lua-eval.ts'

let d: RunningDaemon

before(async () => {
  d = await startDaemon({ config: EVAL_ENDPOINT, env: { TRACKALERT_TEST_VAR: 'from the environment', TZ: 'America/New_York' } })
})
after(() => d?.stop())

/** Evaluates each expression and compares tostring() of its value. */
async function expect (cases: Record<string, string>): Promise<void> {
  const keys = Object.keys(cases)
  const code = 'return {' + keys.map((k, i) => `["${i}"] = (${k})`).join(',\n') + '}'
  const r = await evalLua(d, code)
  const actual = Object.fromEntries(keys.map((k, i) => [k, r[String(i)]]))
  assert.deepEqual(actual, cases)
}

test('Lua 5.1 functions: unpack, loadstring, table.getn, math.pow', async () => {
  await expect({
    'select("#", unpack({1, 2, 3}))': '3',
    'select(2, unpack({"a", "b"}))': 'b',
    'loadstring("return 6 * 7")()': '42',
    'select(2, loadstring("syntax error here"))  ~= nil': 'true',
    'table.getn({1, 2, 3, 4})': '4',
    'table.getn({})': '0',
    'math.pow(2, 10) == 1024': 'true',
    'math.pow(9, 0.5) == 3': 'true'
  })
})

test('setfenv and getfenv change and read a function\'s environment', async () => {
  const r = await evalLua(d, `
    local function f() return x end
    local env = { x = "sandboxed" }
    setfenv(f, env)
    local g = function() return type(print) end
    -- The LuaJIT idiom: a function replacing its own environment by level.
    local function byLevel()
      local t = { getfenv = getfenv, marker = "level one" }
      setfenv(1, t)
      return marker, getfenv(1) == t
    end
    local m, own = byLevel()
    return { x = f(), same = getfenv(f) == env, global = getfenv(g) == _G, printType = g(), m = m, own = own }`)
  assert.deepEqual(r, { x: 'sandboxed', same: 'true', global: 'true', printType: 'function', m: 'level one', own: 'true' })
})

test('bit library: LuaJIT signed 32-bit results', async () => {
  await expect({
    'bit.lshift(1, 31)': '-2147483648',
    'bit.lshift(1, 32)': '1',
    'bit.lshift(3, 30)': '-1073741824',
    'bit.rshift(-1, 28)': '15',
    'bit.rshift(0x80000000, 31)': '1',
    'bit.arshift(-256, 4)': '-16',
    'bit.arshift(0x80000000, 31)': '-1',
    'bit.arshift(256, 4)': '16',
    'bit.band(0xff00, 0x0ff0)': '3840',
    'bit.band(-1, 0xffffffff)': '-1',
    'bit.band(0xf0, 0x3c, 0x30)': '48',
    'bit.bor(1, 2, 4)': '7',
    'bit.bor(0x80000000, 0)': '-2147483648',
    'bit.bxor(0xff, 0x0f)': '240',
    'bit.bxor(-1, 1)': '-2',
    'bit.bnot(0)': '-1',
    'bit.bnot(-1)': '0',
    'bit.bnot(5)': '-6',
    'bit.tobit(0xffffffff)': '-1',
    'bit.tobit(2^32 + 5)': '5',
    'bit.tohex(-1)': 'ffffffff',
    'bit.tohex(255)': '000000ff',
    'bit.tohex(255, 2)': 'ff',
    'bit.tohex(255, -4)': '00FF',
    'bit.tohex(0x12345678, 4)': '5678',
    'math.type(bit.band(3, 1))': 'integer',
    'require("bit") == bit': 'true'
  })
})

test('string.format("%d") accepts floats with or without a fraction, as LuaJIT', async () => {
  await expect({
    'string.format("%d", 3.0)': '3',
    'string.format("%d", 3.7)': '3',
    'string.format("%d", -3.7)': '-3',
    'string.format("%5d|%s", 42.9, "x")': '   42|x',
    'string.format("%x", 255.0)': 'ff',
    'string.format("%d%%", 50.5)': '50%',
    'string.format("%.2f", 1 / 3)': '0.33',
    'string.format("%s=%d", "n", 7)': 'n=7',
    '("%d"):format(2.5)': '2'
  })
})

test('os.time, os.date, os.getenv and os.clock work, in the TZ of the process', async () => {
  const before = Math.floor(Date.now() / 1000)
  const r = await evalLua(d, `
    local now = os.time()
    return {
      now = now,
      fixed = os.time({ year = 2024, month = 1, day = 1, hour = 0 }),
      summer = os.time({ year = 2024, month = 7, day = 1, hour = 0 }),
      epoch = os.date("%Y-%m-%d %H:%M %z", 0),
      utc = os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365),
      year = os.date("*t", now).year,
      env = os.getenv("TRACKALERT_TEST_VAR"),
      unset = tostring(os.getenv("TRACKALERT_SURELY_UNSET_VAR")),
      clock = type(os.clock())
    }`)
  const after = Math.ceil(Date.now() / 1000)
  assert.ok(Number(r.now) >= before - 1 && Number(r.now) <= after + 1, `os.time() = ${r.now}`)
  // Local time is New York (TZ): UTC-5 in winter, UTC-4 in summer.
  assert.equal(r.fixed, String(Date.UTC(2024, 0, 1, 5) / 1000))
  assert.equal(r.summer, String(Date.UTC(2024, 6, 1, 4) / 1000))
  assert.equal(r.epoch, '1969-12-31 19:00 -0500')
  assert.equal(r.utc, '1971-01-01 00:00:00')
  assert.equal(r.year, new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', year: 'numeric' }).format(new Date()))
  assert.equal(r.env, 'from the environment')
  assert.equal(r.unset, 'nil')
  assert.equal(r.clock, 'number')
})

test('standard Lua 5.4 libraries stay available alongside the compat layer', async () => {
  await expect({
    'table.unpack({1, 2}) + 0': '1',
    'math.floor(3.7)': '3',
    'math.tointeger(4.0)': '4',
    '#string.rep("ab", 3)': '6',
    'utf8 ~= nil and utf8.len("zoë")': '3',
    'string.gfind ~= nil': 'true'
  })
})
