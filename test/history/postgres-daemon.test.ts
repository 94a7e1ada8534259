import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'

let server: TestPostgres
const daemons: RunningDaemon[] = []

before(async () => { server = await startPostgres() })
after(async () => {
  for (const d of daemons) await d.stop('SIGTERM', 10_000)
  await server.destroy()
})

async function daemon (config: string): Promise<RunningDaemon> {
  const d = await startDaemon({ config, timeoutMs: 30_000 })
  daemons.push(d)
  return d
}

function report (login: string, n: number): Record<string, unknown> {
  return { login, remote: `192.0.2.${n % 250}`, pwhash: 'ab12', success: true }
}

/** A login's stored reports; null while the process that answers cannot reach the database. */
async function history (d: RunningDaemon, login: string): Promise<unknown[] | null> {
  const res = await request(`${d.url}/command/history`, { body: { login, limit: 1000 } })
  return res.status === 200 ? res.body.reports as unknown[] : null
}

/** How often `text` was logged (every process of the daemon logs its own). */
const count = (d: RunningDaemon, text: string): number => d.output().split(text).length - 1

async function metric (d: RunningDaemon, line: RegExp): Promise<number> {
  const res = await request(`${d.url}/metrics`)
  const m = line.exec(res.text)
  return m === null ? 0 : Number(m[1])
}

/** Reconnects and writes on a loaded machine: a generous hang guard, polled every 100 ms. */
const until = (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => eventually(check, what, timeoutMs, 100)

describe('postgres history backend in the daemon', () => {
  it('answers reports 200 while PostgreSQL restarts: writes after the restart arrive, writes past the bound are dropped and counted', async () => {
    await server.createDatabase('restart')
    const d = await daemon(`setHistory{ backend = "postgres", url = "${server.url('restart')}", queue_limit = 20, geoip = false }\n`)
    assert.equal((await request(`${d.url}/command/report`, { body: report('before', 1) })).status, 200)
    await until('the first report to be stored', async () => (await history(d, 'before'))?.length === 1)
    await server.stop()
    // Under load while the server is gone: every report is still answered.
    const during = await Promise.all(Array.from({ length: 60 }, (_, i) => request(`${d.url}/command/report`, { body: report('during', i) })))
    assert.deepEqual([...new Set(during.map((r) => r.status))], [200])
    const read = await request(`${d.url}/command/history`, { body: { login: 'before', limit: 10 } })
    assert.notEqual(read.status, 200, 'a history read while the database is down reports the outage')
    await d.waitForOutput('history database unreachable')
    await server.start()
    // One history store per process (primary and workers), each with its own outage.
    const processes = count(d, 'login history enabled')
    await until('every process to reconnect', async () => count(d, 'history database reachable again') === processes)
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => request(`${d.url}/command/report`, { body: report('after', i) })))
    assert.deepEqual([...new Set(after.map((r) => r.status))], [200])
    await until('the reports sent after the restart to be stored', async () => (await history(d, 'after'))?.length === 10)
    const held = (await history(d, 'during'))?.length ?? -1
    const dropped = await metric(d, /^trackalert_history_dropped_total\{reason="write_failed"\} (\d+)/m)
    const queueFull = await metric(d, /^trackalert_history_dropped_total\{reason="queue_full"\} (\d+)/m)
    // Each process holds up to its own bound (queue_limit) while the database is down.
    assert.ok(held <= 20 * processes, `at most the bound is held during the outage (held ${held}, ${processes} processes)`)
    assert.ok(dropped > 0, 'reports past the bound are counted as dropped')
    assert.equal(held + dropped + queueFull, 60, `every report is either stored or counted (stored ${held}, dropped ${dropped}, queue full ${queueFull})`)
    // The outage is logged once per process, not per failed write or reconnect attempt.
    assert.equal(count(d, 'history database unreachable'), processes)
  })

  it('two daemons on one database: both record into it, and a cluster-wide interval function runs each tick on exactly one of them', async () => {
    await server.createDatabase('cluster')
    const config = `setHistory{ backend = "postgres", url = "${server.url('cluster')}", geoip = false }
setBackground("sweep", function() infoLog("sweep ran", { tick = tostring(math.floor(os.time())) }) end)
intervalScheduleBackgroundFunc("00:00:01", "sweep")
setBackgroundClusterWide("sweep")
`
    const [a, b] = await Promise.all([daemon(config), daemon(config)])
    await Promise.all([request(`${a.url}/command/report`, { body: report('shared', 1) }), request(`${b.url}/command/report`, { body: report('shared', 2) })])
    await until('both daemons\' reports in the shared history', async () => (await history(a, 'shared'))?.length === 2 && (await history(b, 'shared'))?.length === 2)
    const ticks = (d: RunningDaemon): number[] => [...d.output().matchAll(/sweep ran tick="(\d+)"/g)].map((m) => Number(m[1]))
    await until('several ticks', async () => ticks(a).length + ticks(b).length >= 6, 30_000)
    await Promise.all([a.stop(), b.stop()])
    const all = [...ticks(a), ...ticks(b)].sort()
    assert.deepEqual(all, [...new Set(all)], `no tick ran on both daemons: a ${ticks(a).join(',')} b ${ticks(b).join(',')}`)
    const client = new pg.Client({ connectionString: server.url('cluster') })
    await client.connect()
    const claims = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM ta_background_claims WHERE name = 'sweep'")
    await client.end()
    assert.equal(claims.rows[0]?.n, all.length, 'every claimed tick ran once')
  })

  it('refuses setBackgroundClusterWide without the postgres backend', async () => {
    const d = await startDaemon({
      config: 'setBackground("sweep", function() end)\nintervalScheduleBackgroundFunc("00:00:01", "sweep")\nsetBackgroundClusterWide("sweep")\n',
      waitFor: null
    })
    assert.notEqual(await d.exited, 0)
    assert.match(d.output(), /setBackgroundClusterWide\("sweep"\) needs .*backend = "postgres"/)
  })
})
