import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { promiseCall } from '../../src/lua/call.ts'
import { LuaStatePool } from '../../src/lua/pool.ts'
import { type LuaState } from '../../src/lua/state.ts'
import { type LuaPlain } from '../../src/lua/values.ts'
import { createHarness, type Harness } from '../lualib/harness.ts'
import { attrsArgs, Gates, GATED_CONFIG, nextTurn, plain } from './gates.ts'

let gates: Gates
let h: Harness

before(async () => {
  gates = new Gates()
  h = await createHarness({ config: GATED_CONFIG, modules: [gates.module], reportStates: 3 })
})
after(() => h.close())

/** Starts the gated custom function directly on `state`; it stays suspended until its gate opens. */
function suspend (state: LuaState, name: string): Promise<LuaPlain[]> {
  const ref = state.customRefs.get('wait') as number
  return promiseCall((call) => { state.call(ref, call, 'wait') }, plain(h.lua), attrsArgs(h.lua, { name }))
}

test('an idle pool always picks its first state, so sequential calls stay on one warm state', () => {
  const pool = new LuaStatePool(h.states.slice(1))
  assert.deepEqual(Array.from({ length: 4 }, () => pool.pick().index), [1, 1, 1, 1])
  assert.equal(pool.busy, 0)
})

test('a new call goes to the state with the fewest calls in flight; busy counts states holding calls', async () => {
  const [s1, s2, s3] = h.states.slice(1)
  const pool = new LuaStatePool([s1, s2, s3])
  const calls = [suspend(s1, 'p1a'), suspend(s1, 'p1b'), suspend(s2, 'p2a')]
  await nextTurn()
  assert.equal(pool.busy, 2)
  assert.equal(pool.callsInFlight, 3)
  assert.equal(pool.pick(), s3)
  calls.push(suspend(s3, 'p3a'), suspend(s3, 'p3b'))
  assert.equal(pool.busy, 3)
  // s2 holds 1 call, s1 and s3 hold 2.
  assert.equal(pool.pick(), s2)
  for (const name of ['p1a', 'p1b', 'p2a', 'p3a', 'p3b']) gates.open(name, name)
  await Promise.all(calls)
  assert.equal(pool.busy, 0)
  assert.equal(pool.callsInFlight, 0)
})

test('an empty pool says so', () => {
  assert.throws(() => new LuaStatePool([]).pick(), /no Lua states to run on/)
})
