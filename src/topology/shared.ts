import { type ProcessFigures } from '../cluster/index.ts'
import { aggregateMetricsText, mergeStatsStates, snapshotFromState, type StatsSnapshot } from '../stats/index.ts'
import { sumWebhookStats, type WebhookHookStats } from '../webhooks/index.ts'
import { type LocalProcess } from './topology.ts'
import { TrackalertError } from '../errors.ts'
import { type Alert, type AlertInput, type AlertQuery } from '../alerts/index.ts'
import { logger } from '../log/index.ts'

/** Hooks around a daemon-wide reload (the CLI's sd_notify RELOADING=1 / READY=1). */
export interface ReloadHooks {
  readonly onReloadStart?: () => void
  readonly onReloadEnd?: () => void
}

/** One daemon-wide reload at a time: a reload asked for while one runs gets that one's answer. */
export class ReloadGate {
  readonly #hooks: ReloadHooks
  #running: Promise<string> | null = null

  constructor (hooks: ReloadHooks = {}) { this.#hooks = hooks }

  run (reload: () => Promise<string>): Promise<string> {
    this.#running ??= (async () => {
      this.#hooks.onReloadStart?.()
      try {
        return await reload()
      } finally {
        this.#hooks.onReloadEnd?.()
        this.#running = null
      }
    })()
    return this.#running
  }
}

/** The process a topology runs in, until the app attaches it. */
export class Attached {
  #local: LocalProcess | null = null

  set (local: LocalProcess): void { this.#local = local }

  get (): LocalProcess {
    if (this.#local === null) throw new TrackalertError('TA_ERR_CLUSTER', 'the process topology is not attached to a process yet')
    return this.#local
  }
}

/** This process's figures, for the other processes' totals. */
export async function ownFigures (local: LocalProcess): Promise<ProcessFigures> {
  return { state: local.stats.exportState(), metrics: await local.stats.metricsJson(), webhooks: local.webhookStats() }
}

/** The daemon's totals: this process's figures summed with those `others` gathers. */
export class SummedFigures {
  readonly #local: Attached
  readonly #others: () => Promise<ProcessFigures[]>

  constructor (local: Attached, others: () => Promise<ProcessFigures[]>) {
    this.#local = local
    this.#others = others
  }

  async snapshot (): Promise<StatsSnapshot> {
    const stats = this.#local.get().stats
    const others = await this.#others()
    return snapshotFromState(mergeStatsStates([stats.exportState(), ...others.map((o) => o.state)]))
  }

  async metricsText (): Promise<string> {
    const stats = this.#local.get().stats
    const [own, others] = await Promise.all([stats.metricsJson(), this.#others()])
    return aggregateMetricsText([own, ...others.map((o) => o.metrics)])
  }

  async webhookStats (): Promise<WebhookHookStats[]> {
    const others = await this.#others()
    return sumWebhookStats([this.#local.get().webhookStats(), ...others.map((o) => o.webhooks)])
  }
}

/** The hub of a process that speaks for the daemon; a process without one was wired wrongly. */
function hubOf (local: LocalProcess): NonNullable<LocalProcess['alerts']> {
  if (local.alerts === null) throw new TrackalertError('TA_ERR_CLUSTER', 'this process has no alert hub')
  return local.alerts
}

/** Hands an alert to this process's hub; what it cannot accept is logged (raiseAlert returns at once). */
export function submitHere (local: LocalProcess, input: AlertInput): void {
  hubOf(local).submit(input).catch((err: unknown) => logger.error('alert not accepted', { type: input.type, error: err as Error }))
}

export function queryHere (local: LocalProcess, query: AlertQuery): Promise<Alert[]> {
  return hubOf(local).query(query)
}

export function eraseAlertsHere (local: LocalProcess, login: string): Promise<number> {
  return hubOf(local).eraseLogin(login)
}
