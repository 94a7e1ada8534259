import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { OverloadedError } from '../../src/lua/overloaded-error.ts'
import { type LuaArgs, type LuaCall } from '../../src/lua/call.ts'
import { LuaDispatcher, type DispatchTiming } from '../../src/lua/dispatcher.ts'
import { LuaStatePool } from '../../src/lua/pool.ts'
import { createHarness, run, type Harness } from '../lualib/harness.ts'
import { attrsArgs, Gates, nextTurn } from './gates.ts'

/** Each call "runs" `ms` on the injected clock (tick): the dispatcher's clock is the Gates clock. */
const CONFIG = `
setCustomEndpoint("work", function(args) tick(tonumber(args.attrs.ms)); return true end)
setBackground("bg", function() tick(2) end)
`

/** Names of the calls that completed, in completion order (done() is called synchronously as each call ends). */
let ran: string[] = []

/** One REST-like call: records its name when it ran; resolves 'ran', or with the error it was completed with. */
class WorkCall implements LuaCall {
  readonly #args: LuaArgs
  readonly name: string
  readonly outcome: Promise<unknown>
  #settle: (v: unknown) => void = () => {}

  constructor (name: string, ms: number) {
    this.name = name
    this.#args = attrsArgs(h.lua, { ms: String(ms) })
    this.outcome = new Promise((resolve) => { this.#settle = resolve })
  }

  push (L: number): number { return this.#args.push(L) }
  done (err: Error | null): void {
    if (err === null) ran.push(this.name)
    this.#settle(err ?? 'ran')
  }
}

/** The calls that ran since the last look. */
function takeRan (): string[] {
  const out = ran
  ran = []
  return out
}

let gates: Gates
let h: Harness

before(async () => {
  gates = new Gates()
  h = await createHarness({ config: CONFIG, modules: [gates.module], reportStates: 1 })
})
after(() => h.close())

class Observer {
  waits: number[] = []
  readonly shed: string[] = []
  recordPerf (waitMs: number): void { this.waits.push(waitMs) }
  countLuaError (fn: string): void { throw new Error(`unexpected Lua error in ${fn}`) }
  countShed (fn: string): void { this.shed.push(fn) }
}

function dispatcher (timing: DispatchTiming): { d: LuaDispatcher, observer: Observer } {
  const observer = new Observer()
  return { d: new LuaDispatcher(new LuaStatePool([h.states[1]]), observer, undefined, { now: gates.now, ...timing }), observer }
}

/** Queues a call that takes `ms` of (injected) time. */
function work (d: LuaDispatcher, name: string, ms = 2): Promise<unknown> {
  const call = new WorkCall(name, ms)
  d.runCall('custom', 'work', call)
  return call.outcome
}

test('a drain runs one slice of Lua, then lets the loop turn; calls queued meanwhile run after the earlier ones', async () => {
  takeRan()
  const { d, observer } = dispatcher({ sliceMs: 5 })
  const first = Array.from({ length: 8 }, (_, i) => work(d, `a${i}`))
  await nextTurn()
  // 2 + 2 + 2 ms: the third call crosses the 5 ms slice and the drain stops there, leaving the
  // loop to its I/O (in the daemon: accepting a connection, reading the requests that arrived).
  assert.deepEqual(takeRan(), ['a0', 'a1', 'a2'])
  assert.equal(d.queued, 5)
  // Late arrivals queue behind the calls already waiting: first come, first served.
  const late = Array.from({ length: 3 }, (_, i) => work(d, `b${i}`))
  assert.deepEqual(await Promise.all([...first, ...late]), Array(11).fill('ran'))
  assert.deepEqual(takeRan(), ['a3', 'a4', 'a5', 'a6', 'a7', 'b0', 'b1', 'b2'])
  // Waits grow with the position in the queue, 2 ms per call ahead: no call overtakes another.
  assert.deepEqual(observer.waits, [0, 2, 4, 6, 8, 10, 12, 14, 10, 12, 14])
  assert.deepEqual(observer.shed, [])
})

test('past setMaxQueueWaitMs a REST call at the head of the queue is answered without running; later arrivals still run', async () => {
  takeRan()
  const { d, observer } = dispatcher({ sliceMs: 5, maxQueueWaitMs: 10 })
  const outcomes = Array.from({ length: 10 }, (_, i) => work(d, `c${i}`))
  const background = d.runAsync('background', 'bg', null).then(() => ran.push('bg'))
  // Turn 1 runs c0–c2 (clock 6), turn 2 c3–c5 (clock 12: c3 waited 6 ms, within the bound).
  await nextTurn()
  await nextTurn()
  assert.deepEqual(takeRan(), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'])
  const arrivedLate = work(d, 'd0')
  const results = await Promise.all(outcomes)
  assert.deepEqual(results.slice(0, 6), Array(6).fill('ran'))
  // c6–c9 waited 12 ms > 10: shed, not run, with the retry hint for the 503.
  for (const r of results.slice(6)) {
    assert.ok(r instanceof OverloadedError, String(r))
    assert.equal(r.code, 'TA_ERR_OVERLOADED')
    assert.equal(r.retryAfterSecs, 1)
  }
  await background
  await arrivedLate
  // A background run is never shed (no client waits for it), and d0 queued at 12 ms is within the bound.
  assert.deepEqual(takeRan().sort(), ['bg', 'd0'])
  assert.deepEqual(observer.shed, ['work', 'work', 'work', 'work'])
  // Shed calls record no wait or run figures: WTW/WTR describe calls that ran.
  assert.equal(observer.waits.length, 8)
})

test('without a bound nothing is shed however long calls wait', async () => {
  takeRan()
  const { d, observer } = dispatcher({ sliceMs: 5 })
  assert.deepEqual(await Promise.all(Array.from({ length: 20 }, (_, i) => work(d, `e${i}`, 50))), Array(20).fill('ran'))
  assert.equal((takeRan()).length, 20)
  assert.deepEqual(observer.shed, [])
  assert.equal(Math.max(...observer.waits), 19 * 50)
})

test('bad bounds are refused, and setMaxQueueWaitMs sets the bound in config (0 turns it off)', async () => {
  assert.throws(() => dispatcher({ maxQueueWaitMs: -1 }), /maxQueueWaitMs must be 0 \(no bound\) or a positive number, got -1/)
  assert.throws(() => dispatcher({ sliceMs: 0 }), /sliceMs must be a positive number, got 0/)
  assert.equal(h.settings.maxQueueWaitMs, 0)
  await assert.rejects(run(h, h.states[0], 'setMaxQueueWaitMs(-5)'), /setMaxQueueWaitMs: expected 0 \(no bound\) or a positive number of ms, got -5/)
  await run(h, h.states[0], 'setMaxQueueWaitMs(2500)')
  assert.equal(h.settings.maxQueueWaitMs, 2500)
  assert.equal(new OverloadedError(2500).retryAfterSecs, 3)
  await run(h, h.states[0], 'setMaxQueueWaitMs(0)')
  assert.equal(h.settings.maxQueueWaitMs, 0)
})
