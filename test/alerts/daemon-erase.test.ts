import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request, startDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { consoleConfig, consoleExec, report, writeClientConfig } from '../integration/helpers.ts'

/** Every report raises one alert about its login, with the report's attributes (the outbox keeps them). */
const RAISE = `
setAlertOptions{ rate_limit = 0 }
setReport(function (lt)
  raiseAlert{ type = "erase_test", severity = "high", login = lt.login, remote = lt.remote:tostring(), t = lt.t,
              evidence = { n = lt.attrs.n }, attrs = lt.attrs }
end)
`
const T = 1_700_000_000

/**
 * Erasing a login over REST and from the console removes its alerts too (bob's is the newest, so
 * the store keeps the last id); other logins' alerts stay.
 */
async function erasesAlerts (history: string): Promise<void> {
  const { key, lines } = consoleConfig()
  const d = await startDaemon({ config: `${history}\n${lines}\n${RAISE}` })
  try {
    const listed = async (): Promise<Array<[number, string]>> => {
      const res = await request(`${d.url}/command/alerts`)
      assert.equal(res.status, 200, res.text)
      return (JSON.parse(res.text) as { alerts: Array<{ id: number, login: string }> }).alerts.map((a) => [a.id, a.login])
    }
    /**
     * One report, then its alert is listed before the next: with two workers each forwards its
     * alerts to the hub on its own channel, so only this keeps the ids in report order.
     */
    const raise = async (login: string, n: number, listedAfter: number): Promise<void> => {
      const res = await request(`${d.url}/command/report`, { body: report(login, { attrs: { n: String(n), email: `${login}@example.org` }, t: T + n }) })
      assert.equal(res.status, 200, res.text)
      await eventually(async () => (await listed()).length === listedAfter, `alert ${n} listed`)
    }
    for (const [n, login] of ['bob', 'alice', 'bob', 'carol', 'bob'].entries()) await raise(login, n, n + 1)
    assert.deepEqual(await listed(), [[1, 'bob'], [2, 'alice'], [3, 'bob'], [4, 'carol'], [5, 'bob']])

    // With two workers a report may still wait in the other one's commit queue (docs/history.md):
    // erase once all of bob's are stored.
    await eventually(async () => {
      const res = await request(`${d.url}/command/history`, { body: { login: 'bob' } })
      return (res.body as { reports: unknown[] }).reports.length === 3
    }, 'bob\'s three reports stored')
    const erased = await request(`${d.url}/command/eraseHistory`, { body: { login: 'bob' } })
    assert.equal(erased.status, 200, erased.text)
    assert.deepEqual(erased.body, { status: 'ok', login: 'bob', reports_removed: 3, alerts_removed: 3 })
    assert.deepEqual(await listed(), [[2, 'alice'], [4, 'carol']])
    const bob = await request(`${d.url}/command/alerts?login=bob`)
    assert.deepEqual(JSON.parse(bob.text), { alerts: [] })

    const client = await writeClientConfig(d, key)
    const out = await consoleExec(client, 'eraseHistory("alice")')
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stdout, /eraseHistory\("alice"\): 1 reports removed, 1 alerts removed/)
    assert.deepEqual(await listed(), [[4, 'carol']])

    // A new alert takes the next id: the erased newest one (5) is not given again.
    await raise('dave', 6, 2)
    assert.deepEqual(await listed(), [[4, 'carol'], [6, 'dave']])
  } finally {
    await d.stop()
  }
}

describe('eraseHistory erases the login\'s alerts', () => {
  it('SQLite history', async () => {
    await erasesAlerts('setNumWorkerThreads(1)\nsetNumLuaStates(1)\nsetHistory{ backend = "sqlite", path = "history.db", geoip = false }')
  })

  describe('PostgreSQL history, two workers (the hub answers over IPC)', () => {
    let server: TestPostgres
    before(async () => { server = await startPostgres() })
    after(async () => { await server.destroy() })

    it('erases through the primary\'s hub', async () => {
      await server.createDatabase('erase_alerts')
      await erasesAlerts(`setNumWorkerThreads(2)\nsetNumLuaStates(1)\nsetHistory{ backend = "postgres", url = "${server.url('erase_alerts')}", geoip = false }`)
    })
  })
})
