import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { report } from '../integration/helpers.ts'
import { Receiver } from '../integration/receiver.ts'

/** Every report raises one alert of its own type (no de-duplication between them). */
const RAISE = `
setAlertOptions{ rate_limit = 0 }
setReport(function (lt)
  raiseAlert{ type = "restart_test", severity = "high", login = lt.login, remote = lt.remote:tostring(), t = lt.t,
              evidence = { n = lt.attrs.n }, attrs = lt.attrs }
end)
`
const T = 1_700_000_000
const SQLITE = 'setNumWorkerThreads(1)\nsetNumLuaStates(1)\nsetHistory{ backend = "sqlite", path = "history.db", geoip = false }\n'

async function raise (d: RunningDaemon, login: string, n: number): Promise<void> {
  const res = await request(`${d.url}/command/report`, { body: report(login, { attrs: { n: String(n) }, t: T + n }) })
  assert.equal(res.status, 200, res.text)
}

async function alerts (d: RunningDaemon, query = ''): Promise<Array<{ id: number, login: string, evidence: { n: string } }>> {
  const res = await request(`${d.url}/command/alerts${query}`)
  assert.equal(res.status, 200, res.text)
  return (JSON.parse(res.text) as { alerts: Array<{ id: number, login: string, evidence: { n: string } }> }).alerts
}

/** Raises two alerts, restarts the daemon on the same config folder, and checks they are listed and ids go on. */
async function survivesRestart (config: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-alerts-'))
  const first = await startDaemon({ config, dir })
  try {
    await raise(first, 'alice', 1)
    await raise(first, 'bob', 2)
    // raiseAlert in a worker reaches the hub without waiting: the listing catches up at once, not synchronously.
    await eventually(async () => (await alerts(first)).length === 2, 'both alerts to be listed')
    assert.deepEqual((await alerts(first)).map((a) => a.id), [1, 2])
  } finally {
    assert.equal(await first.stop(), 0)
  }
  const second = await startDaemon({ config, dir })
  try {
    assert.deepEqual((await alerts(second)).map((a) => [a.id, a.login, a.evidence.n]), [[1, 'alice', '1'], [2, 'bob', '2']])
    assert.deepEqual((await alerts(second, '?login=bob')).map((a) => a.id), [2])
    await raise(second, 'carol', 3)
    await eventually(async () => (await alerts(second)).length === 3, 'the third alert to be listed')
    assert.deepEqual((await alerts(second, '?since=1')).map((a) => [a.id, a.login]), [[2, 'bob'], [3, 'carol']])
  } finally {
    assert.equal(await second.stop(), 0)
  }
}

describe('alerts with history on survive a restart', () => {
  it('SQLite: stored alerts are listed after a restart and new ids continue', async () => {
    await survivesRestart(SQLITE + RAISE)
  })

  it('without history they do not (memory store): ids start again at 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trackalert-alerts-'))
    const first = await startDaemon({ config: RAISE, dir })
    await raise(first, 'alice', 1)
    assert.equal(await first.stop(), 0)
    const second = await startDaemon({ config: RAISE, dir })
    try {
      assert.deepEqual(await alerts(second), [])
      await raise(second, 'bob', 2)
      assert.deepEqual((await alerts(second)).map((a) => a.id), [1])
    } finally {
      await second.stop()
    }
  })

  describe('PostgreSQL', () => {
    let server: TestPostgres
    before(async () => { server = await startPostgres() })
    after(async () => { await server.destroy() })

    it('stored alerts are listed after a restart and new ids continue', async () => {
      await server.createDatabase('restart_alerts')
      await survivesRestart(`setHistory{ backend = "postgres", url = "${server.url('restart_alerts')}", geoip = false }\n${RAISE}`)
    })
  })
})

describe('the outbox: an alert pending delivery survives a restart', () => {
  for (const stop of ['SIGTERM', 'SIGKILL'] as const) {
    it(`receiver down, daemon stopped (${stop}) with the alert undelivered; restarted with the receiver up: delivered exactly once`, async (t) => {
      const rx = await new Receiver().start()
      t.after(() => rx.close())
      // Down: the request is taken and never answered, so the delivery is still under way at the stop.
      rx.behave = () => 'stall'
      const dir = await mkdtemp(join(tmpdir(), 'trackalert-outbox-'))
      const config = `${SQLITE}
        setWebHookTimeoutSecs(60)
        setWebHookDrainTimeoutSecs(1)
        addCustomWebHook("soc", { url = "${rx.url}/alerts", secret = "s" })
        setAlertRoute{ webhooks = "soc" }
        ${RAISE}`
      const first = await startDaemon({ config, dir })
      await raise(first, 'alice', 1)
      await eventually(() => rx.requests.length === 1, 'the first attempt reached the stalled receiver')
      await first.stop(stop)
      const up = rx.requests.length
      rx.behave = () => ({ status: 200 })
      rx.release()
      const delivered = (): number[] => rx.requests.slice(up).map((r) => (JSON.parse(r.body.toString()) as { id: number }).id)

      const second = await startDaemon({ config, dir })
      await eventually(() => delivered().length >= 1, 'the undelivered alert is sent after the restart')
      assert.deepEqual(delivered(), [1])
      assert.equal(await second.stop(), 0)

      // Delivered and marked: a further restart does not send it again. A new alert, routed after
      // the outbox was resumed, shows when that would have happened.
      const third = await startDaemon({ config, dir })
      t.after(() => third.stop())
      await raise(third, 'bob', 2)
      await eventually(() => delivered().length >= 2, 'the new alert is delivered')
      assert.deepEqual(delivered(), [1, 2])
    })
  }
})
