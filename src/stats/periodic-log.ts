import { logger } from '../log/index.ts'
import { namedPairs } from './console-text.ts'
import { PERF_STAT_NAMES } from './perf.ts'
import { type StatsSnapshot } from './snapshot.ts'

/**
 * The lines upstream logs every 5 minutes. Command and custom lines are left out while nothing of
 * that kind is registered, as upstream does, so a config without custom stats logs no empty line.
 */
export function periodicLogLines (snap: StatsSnapshot, viewSeconds: number): string[] {
  const prefix = `stats last ${viewSeconds} secs: `
  const lines = [`perf ${prefix}${PERF_STAT_NAMES.map(name => `${name}=${snap.perfstats[name]}`).join(' ')}`]
  if (Object.keys(snap.commandstats).length > 0) lines.push(`command ${prefix}${namedPairs(snap.commandstats)}`)
  if (Object.keys(snap.customstats).length > 0) lines.push(`custom ${prefix}${namedPairs(snap.customstats)}`)
  return lines
}

export interface PeriodicLogOptions {
  /** What the figures cover, printed as "last N secs". */
  viewSeconds: number
  /** How often to log; defaults to the view length so consecutive lines don't overlap. */
  periodMs?: number
}

/**
 * Logs the windowed stats at notice level on a fixed period. The snapshot source is a function so
 * the cluster primary can log the sum over its workers with the same class.
 */
export class PeriodicStatsLogger {
  readonly #source: () => StatsSnapshot | Promise<StatsSnapshot>
  readonly #viewSeconds: number
  readonly #periodMs: number
  #timer: NodeJS.Timeout | undefined

  /** `source` may be asynchronous (a multi-process daemon gathers its figures first). */
  constructor (source: () => StatsSnapshot | Promise<StatsSnapshot>, options: PeriodicLogOptions) {
    this.#source = source
    this.#viewSeconds = options.viewSeconds
    this.#periodMs = options.periodMs ?? options.viewSeconds * 1000
  }

  get running (): boolean { return this.#timer !== undefined }

  start (): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => this.logOnce(), this.#periodMs)
    // Statistics must never be the reason the daemon refuses to exit.
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  logOnce (): void {
    try {
      const snapshot = this.#source()
      if (snapshot instanceof Promise) snapshot.then((s) => { this.#log(s) }, failed)
      else this.#log(snapshot)
    } catch (err) {
      failed(err)
    }
  }

  #log (snapshot: StatsSnapshot): void {
    let lines: string[]
    try {
      lines = periodicLogLines(snapshot, this.#viewSeconds)
    } catch (err) {
      failed(err)
      return
    }
    for (const line of lines) logger.notice(line)
  }
}

function failed (err: unknown): void {
  logger.error('periodic stats: could not collect statistics', { error: err })
}
