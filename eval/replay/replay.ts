/**
 * One replay: start the daemon, post the stream, collect alerts (polled during the replay too, so a
 * bounded alert store cannot drop early ones), read per-report risk from history, stop the daemon.
 */
import type { Report } from '../generate.ts'
import { AlertCollector, type Alert } from './alerts.ts'
import { EVAL_PASSWORD, startEvalDaemon } from './daemon.ts'
import { readHistoryRisk } from './history-risk.ts'
import { postReports, type PostResult } from './post.ts'

/** The most reports the history route returns per login (issue 16's route caps `limit` at 1,000). */
const HISTORY_LIMIT = 1000

export interface ReplayResult {
  readonly features: { readonly history: boolean, readonly policies: boolean }
  readonly notes: readonly string[]
  readonly post: PostResult
  readonly alerts: readonly Alert[]
  readonly historyRisk: ReadonlyMap<string, number> | null
  readonly historyRiskNote: string | null
  readonly daemonExitCode: number | null
}

export interface ReplayOptions {
  readonly dir: string
  /** The generator's geo database when it is not the bundled default (see evalConfig). */
  readonly geoDb: string | null
  /** Another build's CLI entry point (default: this build's). */
  readonly daemon?: string | null
  readonly concurrency?: number
  readonly log?: (line: string) => void
}

export async function replay (reports: readonly Report[], logins: readonly string[], opts: ReplayOptions): Promise<ReplayResult> {
  const log = opts.log ?? ((): void => {})
  const daemon = await startEvalDaemon(opts.dir, opts.geoDb, opts.daemon ?? undefined)
  const notes = [...daemon.notes]
  for (const n of notes) log(`note: ${n}`)
  const collector = new AlertCollector(daemon.url, EVAL_PASSWORD)
  let polling = Promise.resolve()
  const timer = setInterval(() => { polling = polling.then(() => collector.poll()).catch((err: Error) => { collector.unavailable = err.message }) }, 5000)
  try {
    const post = await postReports(reports, {
      url: daemon.url,
      password: EVAL_PASSWORD,
      concurrency: opts.concurrency,
      onProgress: (n) => log(`  ${n} / ${reports.length} reports`),
      progressEvery: 50_000
    })
    clearInterval(timer)
    await polling
    // Detections may be committed a moment after the last answer: read until two polls agree.
    let before = -1
    for (let i = 0; i < 20 && collector.alerts.length !== before; i++) {
      before = collector.alerts.length
      await new Promise((resolve) => setTimeout(resolve, 500))
      await collector.poll()
    }
    if (collector.unavailable !== null) { notes.push(collector.unavailable); log(`note: ${collector.unavailable}`) }
    let historyRisk: ReadonlyMap<string, number> | null = null
    let historyRiskNote: string | null = 'history is off in this replay'
    if (daemon.features.history) {
      const r = await readHistoryRisk(daemon.url, EVAL_PASSWORD, logins, HISTORY_LIMIT)
      historyRisk = r.unavailable === null ? r.risks : null
      historyRiskNote = r.unavailable
    }
    if (historyRiskNote !== null) log(`note: ${historyRiskNote}`)
    await collector.close()
    return { features: daemon.features, notes, post, alerts: collector.alerts, historyRisk, historyRiskNote, daemonExitCode: await daemon.stop() }
  } finally {
    clearInterval(timer)
    await daemon.stop()
  }
}
