import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { jsonModule } from '../../src/lualib/index.ts'
import { createHarness, run, type Harness } from './harness.ts'

let h: Harness

before(async () => {
  h = await createHarness({ config: '', modules: [jsonModule], reportStates: 1 })
})
after(async () => { await h.close() })

const lua = async (code: string): Promise<unknown[]> => run(h, h.states[1], code)
const fails = async (code: string, pattern: RegExp): Promise<void> => {
  await assert.rejects(lua(code), (err: Error) => { assert.match(err.message, pattern); return true })
}

test('encode follows lua-cjson: arrays, objects, empty tables, integral floats', async () => {
  assert.deepEqual(await lua('return json.encode({1, 2, 3})'), ['[1,2,3]'])
  assert.deepEqual(await lua('return json.encode({})'), ['{}'])
  assert.deepEqual(await lua('return json.encode({a = 1})'), ['{"a":1}'])
  assert.deepEqual(await lua('return json.encode({3.0, 2.5, -0.0, 1e300, 2^53})'), ['[3,2.5,-0,1e+300,9007199254740992]'])
  assert.deepEqual(await lua('return json.encode(math.maxinteger)'), ['9223372036854775807'])
  assert.deepEqual(await lua('return json.encode({[1] = "a", [2] = "b", [4] = "d"})'), ['["a","b",null,"d"]'])
  assert.deepEqual(await lua('return json.encode({[1] = "a", x = true})'), ['{"1":"a","x":true}'])
  assert.deepEqual(await lua('return json.encode("a\\"b\\n/\\0")'), ['"a\\"b\\n/\\u0000"'])
  assert.deepEqual(await lua('return json.encode({json.null, json.empty_array, false})'), ['[null,[],false]'])
  assert.deepEqual(await lua('return json.encode(nil), json.encode(true), json.encode("é")'), ['null', 'true', '"é"'])
})

test('encode errors read like lua-cjson and are catchable', async () => {
  await fails('return json.encode({[20] = 1})', /test:1: Cannot serialise table: excessively sparse array/)
  await fails('return json.encode({f = print})', /Cannot serialise function: type not supported/)
  await fails('return json.encode({[true] = 1})', /Cannot serialise boolean: table key must be a number or string/)
  await fails('return json.encode(0/0)', /must not be NaN or Infinity/)
  await fails('local t = {} t.self = t return json.encode(t)', /circular reference/)
  await fails('return json.encode()', /bad argument #1 to 'encode'/)
  assert.deepEqual(await lua('local ok, err = pcall(json.encode, {[100] = 1}) return ok, err'), [false, 'Cannot serialise table: excessively sparse array'])
  assert.deepEqual(await lua('local cjson = require "cjson.safe" return cjson.encode(print)'), [null, 'Cannot serialise function: type not supported'])
})

test('a table shared by two keys is encoded twice; deep nesting needs no Lua stack', async () => {
  assert.deepEqual(await lua('local s = {1} return json.encode({a = s, b = {s}})').then((r) => JSON.parse(r[0] as string)), { a: [1], b: [[1]] })
  const [text] = await lua('local t = {} local c = t for i = 1, 500 do c[1] = {} c = c[1] end return json.encode(t)')
  assert.equal(text, '['.repeat(500) + '{}' + ']'.repeat(500))
  await fails('local t = {} local c = t for i = 1, 1200 do c[1] = {} c = c[1] end return json.encode(t)', /excessive nesting \(1001\)/)
})

test('decode: null sentinel, integers, nested values, unicode', async () => {
  const [out] = await lua(`
    local v = json.decode('{"a":[1,null,3.5],"b":{"c":"é\\\\u00e9"},"n":null,"t":true,"big":12345678901}')
    return { a1 = v.a[1], a2 = v.a[2] == json.null, a3 = v.a[3], n = v.n == json.null, c = v.b.c, len = #v.a, t = v.t,
             itype = math.type(v.a[1]), big = v.big, f = math.type(v.a[3]) }`)
  assert.deepEqual(out, { a1: 1, a2: true, a3: 3.5, n: true, c: 'éé', len: 3, t: true, itype: 'integer', big: 12345678901, f: 'float' })
  assert.deepEqual(await lua('return json.decode("\\"x\\""), json.decode("12"), json.decode("null") == json.null'), ['x', 12, true])
  const [deep] = await lua(`local v = json.decode(string.rep("[", 800) .. "7" .. string.rep("]", 800))
    for i = 1, 800 do v = v[1] end return v`)
  assert.equal(deep, 7)
  assert.deepEqual(await lua('return json.decode(json.encode({x = {1, 2, {y = "z"}}})).x[3].y'), ['z'])
})

test('decode errors name the character, line and column', async () => {
  await fails('return json.decode("{\\"a\\":}")', /test:1: Expected value but found '}' at character 6 \(line 1, column 6\)/)
  await fails('return json.decode("{\\n  \\"a\\": 1,\\n  \\"b\\" 2}")', /Expected colon ':' but found '2' at character 19 \(line 3, column 7\)/)
  await fails('return json.decode("")', /Expected value but found the end of the input at character 1/)
  await fails('return json.decode("[1, 2")', /Expected comma ',' or array end '\]' but found the end of the input/)
  await fails('return json.decode("nul")', /Expected 'null'/)
  await fails('return json.decode({})', /bad argument #1 to 'decode' \(string expected, got table\)/)
  await fails('return json.decode(string.rep("[", 1100) .. string.rep("]", 1100))', /too many nested data structures/)
  assert.deepEqual(await lua('return require("cjson.safe").decode("[")'), [null, "Expected value but found the end of the input at character 2 (line 1, column 2)"])
})

test('require "cjson" and "json" return the global module; options are lua-cjson\'s', async () => {
  assert.deepEqual(await lua('return require("cjson") == json, require("json") == json, json.safe == require("cjson.safe")'), [true, true, true])
  assert.deepEqual(await lua(`
    local cjson = require "cjson"
    local before = cjson.encode({[20] = 1}, nil)
    return before`).catch((e: Error) => [e.message.includes('sparse')]), [true])
  assert.deepEqual(await lua(`
    local cjson = require "cjson"
    cjson.encode_sparse_array(true)
    local sparse = cjson.encode({[20] = 1})
    cjson.encode_sparse_array(false)
    cjson.encode_empty_table_as_object(false)
    local empty = cjson.encode({})
    cjson.encode_empty_table_as_object(true)
    cjson.encode_escape_forward_slash(true)
    local slash = cjson.encode("a/b")
    cjson.encode_escape_forward_slash(false)
    cjson.encode_number_precision(3)
    local p = cjson.encode(3.14159)
    cjson.encode_invalid_numbers("null")
    local inf = cjson.encode(math.huge)
    return sparse, empty, slash, p, inf, cjson.encode_max_depth()`), ['{"20":1}', '[]', '"a\\/b"', '3.14', 'null', 1000])
})
