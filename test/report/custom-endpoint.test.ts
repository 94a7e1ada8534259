import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { loadGeneration, type LoadedGeneration } from '../helpers/generation.ts'

const CONFIG = `
setCustomEndpoint("mixed", function(args)
  return args.attrs.ok == "1", { s = "x", int = 42, float = 1.5, yes = true, n = #args.attrs_mv.list }
end)
setCustomEndpoint("nothing", function(args) end)
setCustomEndpoint("sequence", function(args) return true, { "a", "b" } end)
setCustomEndpoint("fails", function(args) error("broken on purpose") end)
`

let loaded: LoadedGeneration

before(async () => { loaded = await loadGeneration(CONFIG) })
after(() => loaded?.close())

type End = { end: 'rejected' | 'failed', value: string } | { end: 'done', value: { success: boolean, rAttrs: Record<string, unknown> } }

function custom (name: string, body: unknown): Promise<End> {
  return new Promise((resolve) => {
    loaded.gen.customEndpoints.submit(name, body, {
      customRejected: (reason) => resolve({ end: 'rejected', value: reason }),
      customFailed: (message) => resolve({ end: 'failed', value: message }),
      customShed: (retryAfter) => resolve({ end: 'failed', value: `shed, retry after ${retryAfter} s` }),
      customDone: (result) => resolve({ end: 'done', value: { success: result.success, rAttrs: result.rAttrs } })
    })
  })
}

test('the results arrive as plain data: success and r_attrs, numbers and booleans as their Lua text', async () => {
  assert.deepEqual(await custom('mixed', { attrs: { ok: '1', list: ['a', 'b', 'c'] } }), {
    end: 'done', value: { success: true, rAttrs: { s: 'x', int: '42', float: '1.5', yes: 'true', n: '3' } }
  })
  assert.deepEqual(await custom('nothing', {}), { end: 'done', value: { success: false, rAttrs: {} } })
  assert.deepEqual(await custom('sequence', {}), { end: 'done', value: { success: true, rAttrs: {} } })
})

test('a body that is not {"attrs":{…}} is rejected before Lua runs', async () => {
  for (const body of [null, [], 'text', 7]) {
    assert.deepEqual(await custom('mixed', body), { end: 'rejected', value: 'Request body must be a JSON object with an "attrs" object' })
  }
  assert.deepEqual(await custom('mixed', { attrs: { n: 5 } }), { end: 'rejected', value: "Field 'attrs.n' must be a string or an array of strings, got number" })
  assert.deepEqual(await custom('mixed', { attrs: { l: ['a', 1] } }), { end: 'rejected', value: "Field 'attrs.l[1]' must be a string, got number" })
})

test('a Lua error ends the call as failed with the message, and the next call runs normally', async () => {
  const failed = await custom('fails', {})
  assert.equal(failed.end, 'failed')
  assert.match(failed.value as string, /broken on purpose/)
  assert.equal((await custom('mixed', { attrs: { ok: '1', list: [] } })).end, 'done')
})
