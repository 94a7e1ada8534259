/**
 * `node dist/eval/risk-lab.js --seed 4 [--preset default] [--options '{"threshold":0.02}']`: scores the
 * risk model alone on a generated stream, in process, in seconds instead of the replay's minutes. The
 * history's counters are kept in memory with the store's semantics (per-login feature rows, global
 * per-value rows with distinct logins, successes and failures), each report is scored from what came
 * before it, then counted. Used to choose the model and `risky_login`'s defaults; the replay through
 * the daemon (`npm run eval`) remains the measurement of record.
 */
import { fileURLToPath } from 'node:url'
import { DeviceParser } from '../src/device/parser.ts'
import { BundledPlaces } from '../src/history/geo.ts'
import { deviceFamily, networkPrefix } from '../src/history/facts.ts'
import { parseIP } from '../src/net/ip.ts'
import { defaultsOf } from '../src/policies/options.ts'
import { riskScore, riskyLogin } from '../src/policies/risk.ts'
import type { RiskFeatureFacts } from '../src/policies/types.ts'
import { defaultGeoDbPath, loadCatalog } from './geo/catalog.ts'
import { generateStream, type Stream } from './generate.ts'
import { TAKEOVER_TYPES } from './model/labels.ts'
import { Rng } from './rng.ts'
import { rocAuc, shareAboveRecallThreshold } from './score/metrics.ts'
import { readSettings } from './settings.ts'

type Kind = 'prefix' | 'country' | 'device'
const KINDS: readonly Kind[] = ['prefix', 'country', 'device']
interface Counts { logins: number, successes: number, failures: number }

export interface LabResult { auc: number | null, threshold95: number | null, legitAbove: number | null, curve: string, policy: string }

export async function labStream (seed: number, users: number, days: number): Promise<Stream> {
  const catalog = await loadCatalog(defaultGeoDbPath(), new Rng(seed).fork('geo'), 20_000)
  return generateStream(catalog, { seed, users, days })
}

export function riskLab (stream: Stream, overrides: Record<string, unknown>): LabResult {
  const { users, days } = stream.options
  const places = BundledPlaces.get()
  const devices = new DeviceParser()
  const options = { ...defaultsOf(riskyLogin.options), ...overrides } as Parameters<typeof riskScore>[1]
  const perLogin = new Map<string, Map<string, Counts>>()
  const global = new Map<string, Counts>()
  const totals: Counts = { logins: 0, successes: 0, failures: 0 }
  const distinct: Record<Kind, number> = { prefix: 0, country: 0, device: 0 }
  const loginSuccesses = new Map<string, number>()
  const pos: number[] = []
  const neg: number[] = []
  const thresholds = [Number(options.threshold), 0.1, 0.3, 0.5, 0.7, 0.8, 0.9]
  const caughtLabels = thresholds.map(() => new Set<number>())
  const falseAlerts = thresholds.map(() => 0)
  const minHistory = Number(options.min_history)
  for (const r of stream.reports) {
    const b = r.body
    const ip = parseIP(b.remote)!
    const values: Record<Kind, string | null> = {
      prefix: networkPrefix(ip),
      country: places.find(ip, b.remote).country,
      device: deviceFamily(devices.parse(b.protocol, b.device_id))
    }
    let mine = perLogin.get(b.login)
    if (mine === undefined) { mine = new Map(); perLogin.set(b.login, mine); totals.logins++ }
    if (b.success) {
      const features = KINDS.map((kind): RiskFeatureFacts => {
        const value = values[kind]
        let total = 0
        let count = 0
        let d = 0
        for (const [key, c] of mine!) {
          if (!key.startsWith(kind + '\u0000') || c.successes <= 0) continue
          total += c.successes
          d++
          if (key === `${kind}\u0000${value}`) count = c.successes
        }
        const g = value === null ? undefined : global.get(`${kind}\u0000${value}`)
        return {
          feature: kind, value, login_count: count, login_total: total, login_distinct: d,
          global_count: g?.successes ?? 0, global_total: totals.successes, global_distinct: distinct[kind],
          global_failures: g?.failures ?? 0, global_failures_total: totals.failures
        }
      })
      const risk = riskScore({ features }, options).risk
      const label = r.label >= 0 ? stream.labels[r.label]! : undefined
      const history = loginSuccesses.get(b.login) ?? 0
      thresholds.forEach((threshold, i) => {
        if (risk < threshold || history < minHistory) return
        if (label === undefined) falseAlerts[i]!++
        else if (TAKEOVER_TYPES.has(label.type)) caughtLabels[i]!.add(label.id)
      })
      if (label === undefined) neg.push(risk); else if (TAKEOVER_TYPES.has(label.type)) pos.push(risk)
      loginSuccesses.set(b.login, history + 1)
    }
    for (const kind of KINDS) {
      const value = values[kind]
      if (value === null) continue
      const key = `${kind}\u0000${value}`
      let c = mine.get(key)
      const created = c === undefined
      if (c === undefined) { c = { logins: 0, successes: 0, failures: 0 }; mine.set(key, c) }
      if (b.success) c.successes++; else c.failures++
      let g = global.get(key)
      if (g === undefined) { g = { logins: 0, successes: 0, failures: 0 }; global.set(key, g); distinct[kind]++ }
      if (created) g.logins++
      if (b.success) g.successes++; else g.failures++
    }
    if (b.success) totals.successes++; else totals.failures++
  }
  const cut = shareAboveRecallThreshold(pos, neg, 0.95)
  const pct = (part: number, whole: number): string => `${(100 * part / whole).toFixed(1)}%`
  const curve = [0.005, 0.01, 0.012, 0.015, 0.02, 0.03, 0.05, 0.1, 0.5]
    .map((t) => `${t} ${pct(pos.filter((v) => v >= t).length, pos.length)}/${pct(neg.filter((v) => v >= t).length, neg.length)}`).join(', ')
  const targets = stream.labels.filter((l) => TAKEOVER_TYPES.has(l.type)).length
  return {
    auc: rocAuc(pos, neg),
    threshold95: cut?.threshold ?? null,
    legitAbove: cut?.share ?? null,
    curve,
    policy: 'risky_login (caught/' + String(targets) + ', false per 10K users per day): ' + thresholds.map((t, i) => `${t} ${caughtLabels[i]!.size} ${(falseAlerts[i]! / (users / 10_000) / days).toFixed(1)}`).join(', ')
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--options')
  const list = at >= 0 ? JSON.parse(args.splice(at, 2)[1]!) as Record<string, unknown> | Array<Record<string, unknown>> : {}
  const s = readSettings(args, process.env)
  const stream = await labStream(s.seed, s.users, s.days)
  for (const overrides of Array.isArray(list) ? list : [list]) {
    const r = riskLab(stream, overrides)
    console.log(`${JSON.stringify(overrides)}\nseed ${s.seed}: AUC ${r.auc?.toFixed(4)}, threshold95 ${r.threshold95?.toPrecision(3)}, legit at/above ${((r.legitAbove ?? 0) * 100).toFixed(2)}%\n  ${r.curve}\n  ${r.policy}`)
  }
}
