import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type ApiContext, type ApiModule, configOnly, fn, once } from '../../src/lua/api/index.ts'
import { type LuaState } from '../../src/lua/state.ts'
import { createHarness, run, type Harness } from '../lualib/harness.ts'

/** A probe module: what each rule let through, state by state. */
function probe (daemon: { speaksForDaemon: boolean }): { module: ApiModule, checked: string[], applied: string[], counted: string[] } {
  const checked: string[] = []
  const applied: string[] = []
  const counted: string[] = []
  const label = (state: LuaState): string => `${state.role}${state.index}`
  const module = ({ args }: ApiContext<unknown>) => [
    configOnly('setLimit', (L, state) => {
      checked.push(label(state))
      const n = args.integer(L, 1, 'setLimit')
      if (n < 1) throw new Error(`setLimit: expected a positive number, got ${n}`)
      return n
    }, (n, _L, state) => { applied.push(`${label(state)}=${n}`) }),
    configOnly('setName', (L, state) => { applied.push(`${label(state)}=${args.string(L, 1, 'setName')}`) }),
    fn('countOnce', (_L, state) => {
      if (once(state, daemon)) counted.push(label(state))
      return 0
    })
  ]
  return { module, checked, applied, counted }
}

async function harness (t: { after: (fn: () => Promise<void>) => void }, daemon: { speaksForDaemon: boolean }): Promise<{ h: Harness, p: ReturnType<typeof probe> }> {
  const p = probe(daemon)
  const h = await createHarness({ config: 'setLimit(5)\nsetName("alpha")\n', modules: [p.module], reportStates: 2 })
  t.after(() => h.close())
  return { h, p }
}

test('a config function checks its arguments in every state and takes effect in the config state only', async (t) => {
  const { h, p } = await harness(t, { speaksForDaemon: true })
  assert.deepEqual(p.checked, ['config0', 'report1', 'report2'])
  assert.deepEqual(p.applied, ['config0=5', 'config0=alpha'])
  // A bad argument fails wherever the line runs, a report state included, and changes nothing.
  await assert.rejects(run(h, h.states[1] as LuaState, 'setLimit(0)'), /setLimit: expected a positive number, got 0/)
  // Without a check, a report state does not even read the arguments.
  await run(h, h.states[2] as LuaState, 'setName(nil)')
  await assert.rejects(run(h, h.states[0] as LuaState, 'setName(nil)'), /setName/)
  assert.deepEqual(p.applied, ['config0=5', 'config0=alpha'])
})

/** Runs `countOnce()` in every state, as a configuration load (loading) or as calls at run time. */
async function countInEveryState (h: Harness, loading: boolean): Promise<void> {
  for (const state of h.states) {
    state.loadingConfig = loading
    try {
      await run(h, state, 'countOnce()')
    } finally {
      state.loadingConfig = false
    }
  }
}

test('while the configuration loads, only the config state of the process that speaks for the daemon counts', async (t) => {
  const daemon = { speaksForDaemon: true }
  const { h, p } = await harness(t, daemon)
  await countInEveryState(h, true)
  assert.deepEqual(p.counted, ['config0'])
  // A worker process: its config load repeats the primary's, so nothing counts there.
  daemon.speaksForDaemon = false
  await countInEveryState(h, true)
  assert.deepEqual(p.counted, ['config0'])
})

test('outside a configuration load every call counts, in every process', async (t) => {
  const { h, p } = await harness(t, { speaksForDaemon: false })
  await countInEveryState(h, false)
  assert.deepEqual(p.counted, ['config0', 'report1', 'report2'])
})
