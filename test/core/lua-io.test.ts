import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { EVAL_ENDPOINT, evalLua } from '../helpers/lua-eval.ts'

let d: RunningDaemon
const q = (s: string): string => JSON.stringify(s)

before(async () => { d = await startDaemon({ config: EVAL_ENDPOINT }) })
after(() => d?.stop())

const path = (name: string): string => join(d.dir, name)

test('io.open(..., "w") writes a real file that other processes can read', async () => {
  const file = path('written.txt')
  const r = await evalLua(d, `
    local f = assert(io.open(${q(file)}, "w"))
    local same = f:write("line one\\n", 2, "\\n", "zoë ✓\\n")
    f:write("bin\\0ary")
    f:close()
    return { same = same == f, type = io.type(f) }`)
  assert.deepEqual(r, { same: 'true', type: 'closed file' })
  assert.deepEqual(await readFile(file), Buffer.from('line one\n2\nzoë ✓\nbin\0ary'))
})

test('io.lines iterates over the lines of a file', async () => {
  const file = path('lines.txt')
  await writeFile(file, 'alpha\nbeta\n\ngamma')
  const r = await evalLua(d, `
    local out, n = {}, 0
    for line in io.lines(${q(file)}) do n = n + 1; out[n] = "[" .. line .. "]" end
    return { n = n, all = table.concat(out) }`)
  assert.deepEqual(r, { n: '4', all: '[alpha][beta][][gamma]' })
})

test('f:read("*a"), "a", "l", "L", counts and f:lines()', async () => {
  const file = path('read.txt')
  await writeFile(file, 'first\nsecond\nthird\n')
  const r = await evalLua(d, `
    local f = assert(io.open(${q(file)}, "r"))
    local all = f:read("*a")
    local again = f:read("*a")
    local eof = f:read("l")
    f:seek("set", 0)
    local l, L, five = f:read("l", "L", 5)
    local rest = {}
    for line in f:lines() do rest[#rest + 1] = line end
    local size = f:seek("end")
    f:close()
    local g = assert(io.open(${q(file)}))
    local a2 = g:read("a")
    g:close()
    return { all = all, again = again, eof = tostring(eof), l = l, L = L, five = five, rest = table.concat(rest, ","), size = size, a2 = a2 }`)
  assert.deepEqual(r, {
    all: 'first\nsecond\nthird\n', again: '', eof: 'nil', l: 'first', L: 'second\n', five: 'third', rest: '', size: '19', a2: 'first\nsecond\nthird\n'
  })
})

test('f:read("n") reads numbers and nil at a non-number', async () => {
  const file = path('numbers.txt')
  await writeFile(file, '  3.5\n-7 1e3\n0x10 word')
  const r = await evalLua(d, `
    local f = assert(io.open(${q(file)}))
    local a, b, c, h = f:read("n", "n", "n", "n")
    local bad = f:read("n")
    f:close()
    local g = function (x) return string.format("%g", x) end
    return { a = g(a), b = g(b), c = g(c), h = g(h), bad = tostring(bad) }`)
  assert.deepEqual(r, { a: '3.5', b: '-7', c: '1000', h: '16', bad: 'nil' })
})

test('f:read("n") keeps integers integers, as Lua 5.4 does', async () => {
  const file = path('int.txt')
  await writeFile(file, '42')
  const r = await evalLua(d, `local f = assert(io.open(${q(file)})) local n = f:read("n") f:close() return { n = n, t = math.type(n) }`)
  assert.deepEqual(r, { n: '42', t: 'integer' })
})

test('append mode adds to the end, whatever was there before', async () => {
  const file = path('append.txt')
  await writeFile(file, 'from node\n')
  await evalLua(d, `
    for i = 1, 3 do
      local f = assert(io.open(${q(file)}, "a"))
      f:write("lua ", i, "\\n")
      f:close()
    end
    return {}`)
  assert.equal(await readFile(file, 'utf8'), 'from node\nlua 1\nlua 2\nlua 3\n')
  // "a+" can read back what it appended.
  const r = await evalLua(d, `
    local f = assert(io.open(${q(file)}, "a+"))
    f:write("tail\\n")
    f:seek("set", 0)
    local first = f:read("l")
    f:close()
    return { first = first }`)
  assert.deepEqual(r, { first: 'from node' })
  assert.equal(await readFile(file, 'utf8'), 'from node\nlua 1\nlua 2\nlua 3\ntail\n')
})

test('io.open of a missing file returns nil, a message naming the file, and errno', async () => {
  const missing = path('does-not-exist.txt')
  const r = await evalLua(d, `
    local f, msg, code = io.open(${q(missing)})
    local ok, err = pcall(io.lines, ${q(missing)})
    return { f = tostring(f), msg = msg, code = code, ok = ok, err = err }`)
  assert.equal(r.f, 'nil')
  assert.ok(r.msg.startsWith(`${missing}: `), r.msg)
  assert.match(r.msg, /no such file/i)
  assert.equal(r.code, '2')
  assert.equal(r.ok, 'false')
  assert.match(r.err, /no such file/i)
})

test('relative paths resolve against the configuration folder', async () => {
  await evalLua(d, 'local f = assert(io.open("relative.txt", "w")) f:write("here") f:close() return {}')
  assert.equal(await readFile(path('relative.txt'), 'utf8'), 'here')
})

test('os.rename and os.remove act on real files', async () => {
  const from = path('before.txt')
  const to = path('after.txt')
  await writeFile(from, 'x')
  const r = await evalLua(d, `
    local a = os.rename(${q(from)}, ${q(to)})
    local b = os.remove(${q(to)})
    local c, msg = os.remove(${q(to)})
    return { a = a, b = b, c = tostring(c), msg = msg }`)
  assert.equal(r.a, 'true')
  assert.equal(r.b, 'true')
  assert.equal(r.c, 'nil')
  assert.ok(r.msg.includes(to), r.msg)
  assert.equal(existsSync(from) || existsSync(to), false)
})

test('a closed file cannot be used; bad modes are refused; popen and os.exit are not available', async () => {
  const file = path('closed.txt')
  const r = await evalLua(d, `
    local f = assert(io.open(${q(file)}, "w"))
    f:close()
    local ok1, e1 = pcall(f.write, f, "x")
    local ok2, e2 = pcall(io.open, ${q(file)}, "rw")
    local ok3, e3 = pcall(io.popen, "ls")
    local ok4, e4 = pcall(os.exit, 0)
    return { ok1 = ok1, e1 = e1, ok2 = ok2, e2 = e2, ok3 = ok3, e3 = e3, ok4 = ok4, e4 = e4 }`)
  assert.equal(r.ok1, 'false')
  assert.match(r.e1, /closed file/)
  assert.equal(r.ok2, 'false')
  assert.match(r.e2, /invalid mode/)
  assert.equal(r.ok3, 'false')
  assert.match(r.e3, /popen/)
  assert.equal(r.ok4, 'false')
  assert.match(r.e4, /shutdown\(\)/)
})
