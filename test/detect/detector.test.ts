import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { AttackerSources, Detector } from '../../src/detect/index.ts'
import { parseHistoryOptions } from '../../src/history/options.ts'
import { HistoryService } from '../../src/history/service.ts'
import { parseIP } from '../../src/net/index.ts'
import { PolicyEngine } from '../../src/policies/index.ts'
import { type LoginTuple } from '../../src/report/login-tuple.ts'

const T0 = 1_800_000_000

function tuple (login: string, t: number, success: boolean, remote = '192.0.2.7'): LoginTuple {
  return {
    t, login, success, failType: '', protocol: 'http', remote: parseIP(remote), remoteText: remote,
    deviceAttrs: { 'browser.family': 'Firefox', 'os.family': 'Linux' }, attrs: {}
  } as unknown as LoginTuple
}

/** A fresh SQLite history (no geo database) and a policy engine with nothing enabled yet. */
async function historyAndEngine (t: { after: (fn: () => Promise<void>) => void }): Promise<{ history: HistoryService, engine: PolicyEngine }> {
  const dir = await mkdtemp(join(tmpdir(), 'ta-detector-'))
  const options = parseHistoryOptions({ backend: 'sqlite', path: 'history.db', geoip: false })
  const history = await HistoryService.open(options, { configFile: join(dir, 'trackalert.conf'), registry: new Registry(), clock: () => T0, prunes: false })
  history.configure(options, () => undefined)
  t.after(() => history.close())
  return { history, engine: new PolicyEngine() }
}

test('a report whose findings cannot be submitted is answered, and detection goes on for the next reports', async (t) => {
  const { history, engine } = await historyAndEngine(t)
  engine.enablePolicies(['compromise_after_failures'])
  const submitted: string[] = []
  // As a worker's topology does once its channel to the primary is gone.
  let hubReachable = false
  const detector = new Detector({
    engine, history, attackers: new AttackerSources(),
    submit: (input) => {
      if (!hubReachable) throw new Error('not connected to the primary process')
      submitted.push(`${input.type} ${String(input.login)}`)
    }
  })
  for (let i = 0; i < 10; i++) assert.deepEqual((await detector.detect(tuple('bob', T0 + i, false))).findings, [])
  // The success after 10 failures raises a finding whose submission throws: the report still gets an answer.
  assert.deepEqual(await detector.detect(tuple('bob', T0 + 10, true)), { risk: null, findings: [] })
  // Later reports are judged as usual, on the same chain.
  hubReachable = true
  for (let i = 0; i < 10; i++) await detector.detect(tuple('carol', T0 + 20 + i, false))
  const after = await detector.detect(tuple('carol', T0 + 30, true))
  assert.deepEqual(after.findings.map((f) => f.type), ['compromise_after_failures'])
  assert.deepEqual(submitted, ['compromise_after_failures carol'])
})

test('the risk inputs carry each value\'s failed logins from history: a first login from a network that failed often scores higher', async (t) => {
  const { history, engine } = await historyAndEngine(t)
  engine.enablePolicies(['risky_login'])
  const detector = new Detector({ engine, history, attackers: new AttackerSources(), submit: () => undefined })
  // Established users succeed from their own networks; a source fails on 20 accounts (a few a minute).
  for (let i = 0; i < 20; i++) await detector.detect(tuple(`user${i}`, T0 + i, true, `203.0.${i}.1`))
  for (let i = 0; i < 20; i++) await detector.detect(tuple(`target${i}`, T0 + 100 + i * 20, false, '198.51.100.7'))
  const fromFailing = await detector.detect(tuple('newcomer1', T0 + 600, true, '198.51.100.8'))
  const fromClean = await detector.detect(tuple('newcomer2', T0 + 601, true, '192.0.2.9'))
  assert.ok(fromFailing.risk !== null && fromClean.risk !== null)
  assert.ok(fromFailing.risk > fromClean.risk, `failing network ${fromFailing.risk}, clean ${fromClean.risk}`)
})

test('the distinct-values count follows a growing store within its minute: a newcomer on a known network is not scored as if every value were rare', async (t) => {
  const { history, engine } = await historyAndEngine(t)
  engine.enablePolicies(['risky_login'])
  // The wall clock stands still, as in a replay far faster than event time: the minute never passes.
  const detector = new Detector({ engine, history, attackers: new AttackerSources(), submit: () => undefined, now: () => 0 })
  // The first success is scored while the store is empty (no distinct prefix yet); then 200 users
  // log in twice each, each from its own network.
  await detector.detect(tuple('first', T0, true, '198.51.100.1'))
  for (let i = 0; i < 200; i++) {
    const remote = `10.${Math.floor(i / 100)}.${i % 100}.1`
    await detector.detect(tuple(`user${i}`, T0 + 1 + 2 * i, true, remote))
    await detector.detect(tuple(`user${i}`, T0 + 2 + 2 * i, true, remote))
  }
  // A newcomer on one of those networks, with the client everyone uses: below the prior (0.01).
  const newcomer = await detector.detect(tuple('newcomer', T0 + 1000, true, '10.0.7.9'))
  assert.ok(newcomer.risk !== null && newcomer.risk < 0.01, `risk ${newcomer.risk}`)
})
