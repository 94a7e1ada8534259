/**
 * The labelled login stream: population, legitimate behaviour and attacks, merged in event-time
 * order and turned into wforce-shaped report bodies. Same seed and geo database → byte-identical
 * stream (see `serializeStream`).
 */
import type { GeoCatalog } from './geo/catalog.ts'
import { Rng, hashString } from './rng.ts'
import { injectAttacks } from './model/attacks.ts'
import type { LoginEvent } from './model/events.ts'
import type { Label } from './model/labels.ts'
import { legitEvents, type Trip } from './model/legit.ts'
import { buildPopulation, type Population } from './model/population.ts'

export interface GeneratorOptions {
  readonly seed: number
  readonly users: number
  readonly days: number
  /** Start of simulated time, seconds since the epoch (a Monday, 00:00 UTC, by default). */
  readonly t0?: number
  /** Attacks of each kind; default scales with users × days (one per 3,000 user-days, at least 2). */
  readonly attacksPerType?: number
}

/** A report body as wforce posts it to trackalert, plus the generator's own id (not sent). */
export interface Report {
  readonly id: number
  readonly body: {
    readonly login: string
    readonly remote: string
    readonly pwhash: string
    readonly success: boolean
    readonly t: number
    readonly protocol: string
    readonly tls: boolean
    readonly device_id: string
    readonly policy_reject: boolean
    readonly session_id: string
    readonly fail_type: string
    readonly type: 'wforce_report'
  }
  /** Index into `labels`, or -1 for legitimate behaviour. */
  readonly label: number
}

export interface Stream {
  readonly options: Required<GeneratorOptions>
  readonly population: Population
  readonly trips: ReadonlyMap<string, readonly Trip[]>
  readonly reports: readonly Report[]
  readonly labels: readonly Label[]
}

export const DEFAULT_T0 = 1_767_571_200 // 2026-01-05T00:00:00Z, a Monday

function pwhash (password: string): string {
  return hashString(`trackalert-eval/${password}`).toString(16).padStart(8, '0')
}

export function generateStream (catalog: GeoCatalog, opts: GeneratorOptions): Stream {
  if (!Number.isInteger(opts.users) || opts.users < 1) throw new Error(`users must be a positive integer, got ${opts.users}`)
  if (!Number.isInteger(opts.days) || opts.days < 1) throw new Error(`days must be a positive integer, got ${opts.days}`)
  const options: Required<GeneratorOptions> = {
    seed: opts.seed,
    users: opts.users,
    days: opts.days,
    t0: opts.t0 ?? DEFAULT_T0,
    attacksPerType: opts.attacksPerType ?? Math.max(2, Math.round(opts.users * opts.days / 3000))
  }
  const root = new Rng(options.seed)
  const population = buildPopulation(catalog, root.fork('population'), options)
  const legit = new Map<string, LoginEvent[]>()
  const trips = new Map<string, Trip[]>()
  for (const user of population.users) {
    const r = legitEvents(user, catalog, root.fork(`legit-${user.index}`), options.t0, options.days)
    legit.set(user.login, r.events.sort((a, b) => a.t - b.t)) // attacks look up each user's latest login before a time
    trips.set(user.login, r.trips)
  }
  const attacks = injectAttacks({ users: population.users, legit, catalog, t0: options.t0, days: options.days, perType: options.attacksPerType }, root.fork('attacks'))
  const all = [...[...legit.values()].flat(), ...attacks.events]
  // Stable order: by time, then by login and attempt, so equal times never depend on sort internals.
  const order = all.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || (a.e.login < b.e.login ? -1 : a.e.login > b.e.login ? 1 : a.i - b.i))
  const labels = attacks.labels.map((l) => ({ ...l, report_ids: [] as number[] }))
  const reports = order.map(({ e }, id): Report => {
    if (e.label >= 0) labels[e.label]!.report_ids.push(id)
    return {
      id,
      label: e.label,
      body: {
        login: e.login,
        remote: e.remote,
        pwhash: pwhash(e.password),
        success: e.success,
        t: e.t,
        protocol: e.protocol,
        tls: true,
        device_id: e.deviceId,
        policy_reject: false,
        session_id: '',
        fail_type: '',
        type: 'wforce_report'
      }
    }
  })
  return { options, population, trips, reports, labels }
}

/** The stream as JSON lines (reports, then labels): what determinism is checked against. */
export function serializeStream (s: Stream): string {
  const lines = s.reports.map((r) => JSON.stringify({ id: r.id, label: r.label, ...r.body }))
  for (const l of s.labels) lines.push(JSON.stringify({ label: l }))
  return lines.join('\n') + '\n'
}
