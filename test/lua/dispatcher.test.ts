import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { promiseCall } from '../../src/lua/call.ts'
import { LuaDispatcher } from '../../src/lua/dispatcher.ts'
import { LuaScriptError } from '../../src/lua/lua-error.ts'
import { LuaStatePool } from '../../src/lua/pool.ts'
import { type LuaPlain } from '../../src/lua/values.ts'
import { createHarness, run, type Harness } from '../lualib/harness.ts'
import { attrsArgs, Gates, GATED_CONFIG, nextTurn, plain } from './gates.ts'

let gates: Gates
let h: Harness

before(async () => {
  gates = new Gates()
  // One report state: everything below runs on the same Lua state.
  h = await createHarness({ config: GATED_CONFIG, modules: [gates.module], reportStates: 1, timeLimitMs: 100 })
  h.states[1].now = gates.now
})
after(() => h.close())

class Observer {
  readonly perf: Array<{ waitMs: number, runMs: number }> = []
  readonly errors: string[] = []
  recordPerf (waitMs: number, runMs: number): void { this.perf.push({ waitMs, runMs }) }
  countLuaError (fn: string): void { this.errors.push(fn) }
  countShed (fn: string): void { throw new Error(`no call may be shed without a wait bound (${fn})`) }
}

function dispatcher (maxInFlight?: number): { d: LuaDispatcher, observer: Observer } {
  const observer = new Observer()
  // The gates clock moves only on tick(): a drain's time slice (real time) must not split these bursts on a busy machine.
  return { d: new LuaDispatcher(new LuaStatePool([h.states[1]]), observer, maxInFlight, { now: gates.now }), observer }
}

function custom (d: LuaDispatcher, name: string, attrs: Record<string, string>): Promise<LuaPlain[]> {
  return promiseCall((call) => { d.runCall('custom', name, call) }, plain(h.lua), attrsArgs(h.lua, attrs))
}

test('50 calls are suspended on one state at once and each completes with its own results', async () => {
  const { d, observer } = dispatcher()
  const calls = Array.from({ length: 50 }, (_, i) => custom(d, 'wait', { name: `g${String(i).padStart(2, '0')}` }))
  await nextTurn()
  assert.equal(gates.waiting.length, 50)
  assert.equal(d.inFlight, 50)
  assert.equal(d.queued, 0)
  assert.equal(h.states[1].callsInFlight, 50)
  // Resumed in the reverse order of their start: each coroutine keeps its own locals.
  for (let i = 49; i >= 0; i--) gates.open(`g${String(i).padStart(2, '0')}`, i * 10)
  const results = await Promise.all(calls)
  results.forEach((r, i) => {
    const name = `g${String(i).padStart(2, '0')}`
    assert.deepEqual(r, [true, name, i * 10, `${name}:before`])
  })
  assert.equal(d.inFlight, 0)
  assert.equal(h.states[1].callsInFlight, 0)
  assert.equal(observer.perf.length, 50)
  assert.deepEqual(observer.errors, [])
})

test('past the in-flight bound calls wait in the queue and start in arrival order as places free up', async () => {
  const { d, observer } = dispatcher(3)
  gates.reached.length = 0
  const calls = Array.from({ length: 10 }, (_, i) => custom(d, 'wait', { name: `q${i}` }))
  await nextTurn()
  assert.deepEqual(gates.waiting, ['q0', 'q1', 'q2'])
  assert.equal(d.inFlight, 3)
  assert.equal(d.queued, 7)
  gates.open('q1', 1)
  assert.deepEqual(await calls[1], [true, 'q1', 1, 'q1:before'])
  assert.deepEqual(gates.waiting, ['q0', 'q2', 'q3'])
  assert.equal(d.queued, 6)
  for (let i = 0; i < 10; i++) {
    if (i === 1) continue
    gates.open(`q${i}`, i)
    assert.deepEqual(await calls[i], [true, `q${i}`, i, `q${i}:before`])
    assert.ok(d.inFlight <= 3, `in flight ${d.inFlight}`)
  }
  assert.deepEqual(gates.reached, ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9'])
  assert.equal(d.queued, 0)
  assert.equal(d.inFlight, 0)
  // Every call's wait for a place is recorded (the WTW figure).
  assert.equal(observer.perf.length, 10)
})

test('a bound below 1 is refused, and setMaxLuaCallsInFlight sets the bound in config', async () => {
  assert.throws(() => dispatcher(0), /maxInFlight must be a positive integer, got 0/)
  await assert.rejects(run(h, h.states[0], 'setMaxLuaCallsInFlight(0)'), /setMaxLuaCallsInFlight: expected a positive number, got 0/)
  assert.equal(h.settings.maxLuaCallsInFlight, 256)
  await run(h, h.states[0], 'setMaxLuaCallsInFlight(12)')
  assert.equal(h.settings.maxLuaCallsInFlight, 12)
})

test('an error after resuming fails that call only: a call suspended on the same state completes', async () => {
  const { d, observer } = dispatcher()
  const failing = custom(d, 'wait', { name: 'e-a', fail: 'after' })
  const other = custom(d, 'wait', { name: 'e-b' })
  await nextTurn()
  assert.deepEqual(gates.waiting, ['e-a', 'e-b'])
  gates.open('e-a', 'va')
  await assert.rejects(failing, (err: unknown) => err instanceof LuaScriptError && /failed after resuming: e-a/.test(err.message) && !err.timedOut)
  assert.deepEqual(gates.waiting, ['e-b'])
  assert.equal(h.states[1].callsInFlight, 1)
  gates.open('e-b', 'vb')
  assert.deepEqual(await other, [true, 'e-b', 'vb', 'e-b:before'])
  assert.deepEqual(observer.errors, ['wait'])
  // A failed host call raises in its own call only, too.
  const third = custom(d, 'wait', { name: 'e-c' })
  const fourth = custom(d, 'wait', { name: 'e-d' })
  await nextTurn()
  gates.fail('e-c', 'backend down')
  await assert.rejects(third, /backend down/)
  gates.open('e-d', 4)
  assert.deepEqual(await fourth, [true, 'e-d', 4, 'e-d:before'])
})

test('the time limit counts a call\'s running time across host calls, not the time it was suspended', async () => {
  const { d } = dispatcher()
  // 60 + 30 ms of running time (budget 100), with 10 s suspended in between: completes.
  const within = custom(d, 'burn', { name: 't-in', first: '60', second: '30' })
  await nextTurn()
  gates.clockMs += 10_000
  gates.open('t-in', null)
  assert.deepEqual(await within, [true, 100000])
  // 60 + 60 ms of running time: interrupted in its second slice, and flagged as a timeout.
  const over = custom(d, 'burn', { name: 't-over', first: '60', second: '60' })
  await nextTurn()
  gates.open('t-over', null)
  await assert.rejects(over, (err: unknown) => err instanceof LuaScriptError && err.timedOut && /burn: script interrupted: it ran longer than 100 ms/.test(err.message))
})

test('an error whose text reads like a timeout is not a timeout', async () => {
  const { d } = dispatcher()
  await assert.rejects(custom(d, 'fake', {}), (err: unknown) => err instanceof LuaScriptError && /script interrupted/.test(err.message) && !err.timedOut)
})

test('a function missing from the state fails the call with a clear error and frees its place', async () => {
  const { d, observer } = dispatcher(1)
  await assert.rejects(custom(d, 'nope', {}), /custom function 'nope' is not defined in Lua state 1/)
  assert.equal(d.inFlight, 0)
  assert.deepEqual(observer.errors, ['nope'])
  await assert.rejects(d.runAsync('background', 'none', null), /background function 'none' is not defined/)
})
