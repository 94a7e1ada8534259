/**
 * Runs the built-in policies on each accepted report: reads the facts the enabled policies need from the
 * login history, evaluates them, queues the report in history with its risk score, and submits the
 * findings to the alert hub. Reports are detected one after another in each process: the next report's
 * reads then see this one (read-your-writes), whatever the order Lua states pick the reports up in.
 */
import type { AlertInput } from '../alerts/index.ts'
import type { HistoryService } from '../history/service.ts'
import type { FeatureKind } from '../history/types.ts'
import { logger } from '../log/index.ts'
import type { Finding, PolicyEngine } from '../policies/index.ts'
import type { LoginTuple } from '../report/login-tuple.ts'
import type { AttackerSources } from './attacker-sources.ts'
import { readFacts } from './facts-reader.ts'

/** What Lua sees of the current report's detection (lt.risk, policies.check(lt)). */
export interface Detection {
  readonly risk: number | null
  readonly findings: readonly Finding[]
}

const NO_DETECTION: Detection = { risk: null, findings: [] }

/** How long a global distinct-values count is reused (wall clock, ms)… */
const DISTINCT_TTL_MS = 60_000
/**
 * …unless the store has grown by this share of reports since. The risk model's even spread over the
 * values is 1 / (count + 1): a count taken when the store was nearly empty would make every value look
 * rare for a minute, which in a replay (or the first minutes of a new store) is hours of reports.
 */
const DISTINCT_GROWTH = 0.01

export interface DetectorParts {
  readonly engine: PolicyEngine
  readonly history: HistoryService
  readonly attackers: AttackerSources
  readonly submit: (input: AlertInput) => void
  readonly now?: () => number
}

export class Detector {
  readonly #parts: DetectorParts
  readonly #distinct = new Map<FeatureKind, { n: number, at: number, reports: number }>()
  #tail: Promise<unknown> = Promise.resolve()

  constructor (parts: DetectorParts) {
    this.#parts = parts
  }

  /**
   * Detects on one report and records it. Never rejects: a store failure is logged, the report is still
   * recorded (without a risk) and answered; detection resumes with the next report.
   */
  detect (tuple: LoginTuple): Promise<Detection> {
    // Caught here, on the chain itself: one report whose detection throws (a geo lookup, a hub that
    // cannot be reached) must neither leave its request unanswered nor reject the tail every later
    // report waits on.
    const run = this.#tail.then(() => this.#detect(tuple)).catch((err: unknown) => {
      logger.error('policies: detection failed for a report', { login: tuple.login, reason: (err as Error).message })
      return NO_DETECTION
    })
    this.#tail = run
    return run
  }

  async #detect (tuple: LoginTuple): Promise<Detection> {
    const { engine, history, attackers, submit } = this.#parts
    const derived = history.facts(tuple)
    const { place } = derived
    const report = {
      t: tuple.t,
      login: tuple.login,
      remote: tuple.remoteText,
      prefix: derived.prefix,
      success: tuple.success,
      device: derived.device,
      country: place.country,
      location: place.lat === null || place.lon === null ? null : { lat: place.lat, lon: place.lon, accuracy_km: place.accuracyKm }
    }
    let detection: Detection = NO_DETECTION
    try {
      const needs = engine.requirements()
      const found = attackers.active(report.remote, report.prefix, report.t, needs.attacker_findings_s)
      const facts = await readFacts(history.reader, report, needs, found, (kind, reports) => this.#globalDistinct(kind, reports))
      const evaluation = engine.evaluate(facts)
      detection = { risk: evaluation.risk?.risk ?? null, findings: evaluation.findings }
    } catch (err) {
      logger.error('policies: the report could not be judged (history store)', { login: tuple.login, reason: (err as Error).message })
    }
    history.recordDerived(tuple, derived, detection.risk)
    for (const finding of detection.findings) {
      attackers.note(finding)
      submit(alertInput(finding, tuple.attrs))
    }
    return detection
  }

  #globalDistinct (kind: FeatureKind, reports: number): number | Promise<number> {
    const now = (this.#parts.now ?? Date.now)()
    const cached = this.#distinct.get(kind)
    if (cached !== undefined && now - cached.at < DISTINCT_TTL_MS && reports <= cached.reports * (1 + DISTINCT_GROWTH)) return cached.n
    const keep = (n: number): number => { this.#distinct.set(kind, { n, at: now, reports }); return n }
    const n = this.#parts.history.reader.globalDistinct(kind)
    return n instanceof Promise ? n.then(keep) : keep(n)
  }
}

/** A source finding is keyed by its source (the IP or the prefix that matched), so the hub de-duplicates per source. */
function alertInput (finding: Finding, attrs: Readonly<Record<string, string>>): AlertInput {
  const key = finding.login === null && typeof finding.evidence.key === 'string' ? finding.evidence.key : finding.remote
  return {
    type: finding.type,
    severity: finding.severity,
    login: finding.login,
    remote: key,
    t: finding.t,
    ...(finding.risk !== undefined ? { risk: finding.risk } : {}),
    evidence: finding.evidence,
    attrs
  }
}
