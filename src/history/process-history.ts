import { type Registry } from 'prom-client'
import { type GeoIPLookup } from '../geoip/index.ts'
import { logger } from '../log/index.ts'
import { type HistoryOptions } from './options.ts'
import { HistoryService, storeIdentity } from './service.ts'

export interface ProcessHistoryContext {
  readonly registry: Registry
  /** Wall clock, seconds. */
  readonly clock: () => number
  /** Asked when the store opens: whether this process runs retention (the one that runs the schedules). */
  readonly prunes: () => boolean
}

/**
 * The process's login history, owned like its delivery queues: the first configuration that
 * enables setHistory opens the store, later generations reuse it (a reload keeps the store open
 * and the write queue intact), and the process closes it last, after the requests finished.
 */
export class ProcessHistory {
  readonly #ctx: ProcessHistoryContext
  #service: HistoryService | null = null
  /** Whether the configuration serving now enables history (a reload may turn it off). */
  #enabled = false

  constructor (ctx: ProcessHistoryContext) {
    this.#ctx = ctx
  }

  /** The history while the configuration serving now enables it, else null. */
  active (): HistoryService | null {
    return this.#enabled ? this.#service : null
  }

  /**
   * Makes a loaded configuration's setHistory options current: opens the store on first use (an
   * unusable one is a TA_ERR_HISTORY naming it), else applies what may change on reload. Resolves
   * with what the configuration's report pipeline records to (null: nothing is recorded).
   * `geo` resolves a newGeoIP2DB name in that configuration.
   */
  async attach (options: HistoryOptions | null, configFile: string, geo: (name: string) => GeoIPLookup | undefined): Promise<HistoryService | null> {
    if (options === null) {
      this.#enabled = false
      return null
    }
    if (this.#service === null) {
      this.#service = await HistoryService.open(options, {
        configFile,
        registry: this.#ctx.registry,
        clock: this.#ctx.clock,
        prunes: this.#ctx.prunes()
      })
    } else if (this.#service.identity !== storeIdentity(options, configFile)) {
      logger.warn('setHistory: a different store takes effect at restart; still recording to the current one', { store: this.#service.store.location })
    }
    this.#service.configure(options, geo)
    this.#enabled = true
    return this.#service
  }

  /** A process that records reports loads the bundled geo database before it serves (see HistoryService). */
  preloadPlaces (): void {
    this.active()?.preloadPlaces()
  }

  /** Graceful stop: queued reports are committed, then the store closes. */
  async close (): Promise<void> {
    this.#enabled = false
    await this.#service?.close()
  }
}
