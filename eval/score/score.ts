/**
 * Scores one replay: per policy recall, precision and false alerts per 10K users per day; per attack
 * kind which policies caught it; user notifications per user per month from legitimate behaviour;
 * and, when per-report risk is known, ROC AUC over successful logins and the share of legitimate
 * successes at or above the threshold that catches 95% of takeovers.
 */
import type { Report } from '../generate.ts'
import { ATTACK_TYPES, TAKEOVER_TYPES, type AttackType, type Label } from '../model/labels.ts'
import type { Alert } from '../replay/alerts.ts'
import { riskKey } from '../replay/history-risk.ts'
import { ADMIN_POLICIES, POLICIES, TARGETS, USER_POLICIES, matchAlerts, returnTimes, type Policy } from './match.ts'
import { per10kUsersPerDay, perUserPerMonth, ratio, rocAuc, shareAboveRecallThreshold } from './metrics.ts'

export interface PolicyScore {
  readonly policy: Policy
  readonly alerts: number
  readonly falseAlerts: number
  readonly precision: number | null
  readonly targets: number
  readonly caught: number
  readonly recall: number | null
  readonly falsePer10kUsersPerDay: number
}

export interface AttackScore {
  readonly type: AttackType
  readonly labels: number
  readonly caughtByAny: number
  readonly recallAny: number | null
  readonly caughtBy: Readonly<Record<string, number>>
}

export interface RiskScore {
  /** Where the per-report risk came from, or null when there was none. */
  readonly source: 'history' | 'alerts' | null
  readonly note: string | null
  readonly takeovers: number
  readonly legit: number
  readonly auc: number | null
  readonly threshold95: number | null
  readonly legitAboveShare: number | null
  /** Takeovers and legitimate successes at or above each of `RISK_CURVE_THRESHOLDS`: to pick risky_login's threshold. */
  readonly curve: ReadonlyArray<{ readonly threshold: number, readonly takeovers: number | null, readonly legit: number | null }>
}

export interface Score {
  readonly users: number
  readonly days: number
  readonly policies: readonly PolicyScore[]
  readonly attacks: readonly AttackScore[]
  /** Alerts of types outside the built-in list (a Lua policy's own types), by type. */
  readonly otherAlertTypes: Readonly<Record<string, number>>
  readonly adminFalsePer10kUsersPerDay: number
  readonly userNotificationsPerUserPerMonth: number
  readonly risk: RiskScore
}

export interface ScoreInput {
  readonly users: number
  readonly days: number
  readonly reports: readonly Report[]
  readonly labels: readonly Label[]
  readonly alerts: readonly Alert[]
  /** Per-report risk from the history route, keyed by `riskKey`; null when unavailable. */
  readonly historyRisk: ReadonlyMap<string, number> | null
  readonly historyRiskNote?: string | null
}

export const RISK_CURVE_THRESHOLDS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.9] as const

function riskScore (input: ScoreInput): RiskScore {
  let source: RiskScore['source'] = null
  let note = input.historyRiskNote ?? null
  let risks = input.historyRisk
  if (risks === null || risks.size === 0) {
    const fromAlerts = new Map<string, number>()
    for (const a of input.alerts) if (a.risk !== undefined && a.login !== null && a.remote !== null) fromAlerts.set(riskKey(a.login, a.t, a.remote), a.risk)
    if (fromAlerts.size > 0) {
      risks = fromAlerts
      source = 'alerts'
      note = 'risk read from alerts only: logins without an alert count as risk 0, which flatters the score'
    }
  } else source = 'history'
  if (risks === null || risks.size === 0) return { source: null, note: note ?? 'no per-report risk: neither alerts nor the history route carry "risk"', takeovers: 0, legit: 0, auc: null, threshold95: null, legitAboveShare: null, curve: [] }
  const pos: number[] = []
  const neg: number[] = []
  for (const r of input.reports) {
    if (!r.body.success) continue
    const value = risks.get(riskKey(r.body.login, r.body.t, r.body.remote)) ?? (source === 'alerts' ? 0 : undefined)
    if (value === undefined) continue
    const label = r.label >= 0 ? input.labels[r.label] : undefined
    if (label === undefined) neg.push(value)
    else if (TAKEOVER_TYPES.has(label.type)) pos.push(value)
  }
  const cut = shareAboveRecallThreshold(pos, neg, 0.95)
  const above = (list: readonly number[], t: number): number | null => ratio(list.filter((v) => v >= t).length, list.length)
  const curve = RISK_CURVE_THRESHOLDS.map((t) => ({ threshold: t, takeovers: above(pos, t), legit: above(neg, t) }))
  return { source, note, takeovers: pos.length, legit: neg.length, auc: rocAuc(pos, neg), threshold95: cut?.threshold ?? null, legitAboveShare: cut?.share ?? null, curve }
}

export function score (input: ScoreInput): Score {
  const { users, days, labels, alerts } = input
  const m = matchAlerts(alerts, labels, returnTimes(labels, input.reports))
  const known = new Set<string>(POLICIES)
  const policies = POLICIES.map((policy): PolicyScore => {
    const mine = alerts.map((a, i) => ({ a, ids: m.alertLabels[i]! })).filter((x) => x.a.type === policy)
    const falseAlerts = mine.filter((x) => x.ids.length === 0).length
    const targets = labels.filter((l) => TARGETS[policy].includes(l.type))
    const caught = targets.filter((l) => m.labelTypes[l.id]!.has(policy)).length
    return {
      policy,
      alerts: mine.length,
      falseAlerts,
      precision: ratio(mine.length - falseAlerts, mine.length),
      targets: targets.length,
      caught,
      recall: ratio(caught, targets.length),
      falsePer10kUsersPerDay: per10kUsersPerDay(falseAlerts, users, days)
    }
  })
  const attacks = ATTACK_TYPES.map((type): AttackScore => {
    const mine = labels.filter((l) => l.type === type)
    const caughtBy: Record<string, number> = {}
    for (const l of mine) for (const t of m.labelTypes[l.id]!) caughtBy[t] = (caughtBy[t] ?? 0) + 1
    const caughtByAny = mine.filter((l) => m.labelTypes[l.id]!.size > 0).length
    return { type, labels: mine.length, caughtByAny, recallAny: ratio(caughtByAny, mine.length), caughtBy }
  })
  const otherAlertTypes: Record<string, number> = {}
  for (const a of alerts) if (!known.has(a.type)) otherAlertTypes[a.type] = (otherAlertTypes[a.type] ?? 0) + 1
  const falseOf = (set: ReadonlySet<string>): number => alerts.filter((a, i) => set.has(a.type) && m.alertLabels[i]!.length === 0).length
  return {
    users,
    days,
    policies,
    attacks,
    otherAlertTypes,
    adminFalsePer10kUsersPerDay: per10kUsersPerDay(falseOf(ADMIN_POLICIES), users, days),
    userNotificationsPerUserPerMonth: perUserPerMonth(falseOf(USER_POLICIES), users, days),
    risk: riskScore(input)
  }
}
