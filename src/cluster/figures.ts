import { type MetricsJson, type StatsState } from '../stats/index.ts'
import { type WebhookHookStats } from '../webhooks/index.ts'

/** What one process of a multi-process daemon hands the others so every view shows totals. */
export interface ProcessFigures {
  readonly state: StatsState
  readonly metrics: MetricsJson
  readonly webhooks: WebhookHookStats[]
}
