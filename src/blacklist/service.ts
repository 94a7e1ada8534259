import { type Alert, type AlertListener } from '../alerts/types.ts'
import { logger } from '../log/index.ts'
import { type OutboundTlsSettings } from '../outbound/index.ts'
import { type WforceBlacklistConfig } from './config.ts'
import { BlacklistDelivery, type BlacklistDeliveryOptions } from './delivery.ts'
import { entryForAlert, entryFromRequest, entryKey, entryNetwork, overlaps, type BlacklistEntry } from './entry.ts'
import { BlockMemory, RateCap } from './memory.ts'
import { formatBlacklistView } from './show.ts'

/** How one request to block ended; the metric's `result` label. */
export const DECISIONS = ['queued', 'duplicate', 'skipped_never', 'skipped_shared', 'skipped_cap', 'dry_run', 'refused'] as const
export type BlacklistDecision = (typeof DECISIONS)[number]

export interface BlacklistOutcome { readonly ok: boolean, readonly decision: BlacklistDecision | 'off', readonly reason: string }

/** Figures for metrics and the console: decisions, plus per-instance deliveries (added, failed). */
export interface BlacklistFigures {
  readonly decisions: Readonly<Record<BlacklistDecision, number>>
  readonly added: number
  readonly failed: number
  readonly outages: number
  readonly queued: number
}

export interface WforceBlacklistOptions extends Omit<BlacklistDeliveryOptions, 'onFailed'> {
  /** Wall clock in ms (expiry memory, the per-minute cap). */
  now?: () => number
}

/**
 * Acts on accepted alerts (and Lua requests) through wforce's blacklist. It belongs to the
 * process: what was added, the cap's minute and queued entries survive reloads; a reload only
 * changes the configuration it decides with. Safety rules run in a fixed order: never-block
 * networks, shared sources, already blocked, the per-minute cap, then dry run.
 */
export class WforceBlacklist implements AlertListener {
  #config: WforceBlacklistConfig | null = null
  readonly #now: () => number
  readonly #memory = new BlockMemory()
  readonly #cap = new RateCap()
  readonly #delivery: BlacklistDelivery
  readonly #decisions = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<BlacklistDecision, number>
  #refreshTimer: NodeJS.Timeout | undefined
  #capLoggedAt = -Infinity

  constructor (options: WforceBlacklistOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#delivery = new BlacklistDelivery({
      ...options,
      // Undelivered: forget it for that instance, so the next alert for the source tries again.
      onFailed: (job) => this.#memory.forget(entryKey(job.entry), [job.url])
    })
  }

  get config (): WforceBlacklistConfig | null { return this.#config }
  get delivery (): BlacklistDelivery { return this.#delivery }

  /** Makes a configuration current (null: the configuration has no setWforceBlacklist). */
  activate (config: WforceBlacklistConfig | null, tls: OutboundTlsSettings): void {
    this.#config = config
    this.#delivery.activate(config, tls)
    clearInterval(this.#refreshTimer)
    this.#refreshTimer = undefined
    if (config === null) return
    void this.refresh()
    if (config.refreshMs > 0) {
      this.#refreshTimer = setInterval(() => { void this.refresh() }, config.refreshMs)
      this.#refreshTimer.unref()
    }
  }

  onAlert (alert: Alert): void {
    const config = this.#config
    if (config === null) return
    const action = entryForAlert(alert, config)
    if (action === null) return
    this.#decide(config, action.entry, action.shared)
  }

  /** Lua `wforceBlacklist{...}`: the same rules, except that any entry may be asked for. Bad input throws. */
  request (input: unknown): BlacklistOutcome {
    const config = this.#config
    if (config === null) return { ok: false, decision: 'off', reason: 'no wforce blacklist configured (setWforceBlacklist)' }
    return this.#decide(config, entryFromRequest(input, config.expireSecs), false)
  }

  /** Reads getBL from every instance, so what wforce already blocks is not added again. */
  async refresh (): Promise<void> {
    const config = this.#config
    if (config === null) return
    await Promise.all(config.urls.map(async (url) => {
      const held = await this.#delivery.fetchHeld(url, config)
      if (held === null) return
      const now = this.#now()
      // Without an expiry wforce's entry is remembered until the next read of the list.
      const fallback = now + (config.refreshMs > 0 ? config.refreshMs : config.expireSecs * 1000)
      for (const entry of held) this.#memory.remember(entry.key, [url], entry.expiresAtMs ?? fallback, false, now)
    }))
  }

  figures (): BlacklistFigures {
    const d = this.#delivery
    return { decisions: { ...this.#decisions }, added: d.counts.added, failed: d.counts.failed, outages: d.counts.outages, queued: d.waiting + d.inFlight }
  }

  /** The console's showWforceBlacklist(). */
  showText (): string {
    const config = this.#config
    return formatBlacklistView({
      config,
      figures: this.figures(),
      held: this.#memory.size(this.#now()),
      health: (config?.urls ?? []).map((url) => ({ url, health: this.#delivery.health(url) }))
    })
  }

  /** Shutdown: stops reading getBL and drains the queue (bounded). */
  async drain (timeoutMs: number): Promise<void> {
    clearInterval(this.#refreshTimer)
    await this.#delivery.drain(timeoutMs)
  }

  #decide (config: WforceBlacklistConfig, entry: BlacklistEntry, shared: boolean): BlacklistOutcome {
    const key = entryKey(entry)
    const network = entryNetwork(entry)
    const never = network === null ? undefined : config.never.find((mask) => overlaps(mask, network))
    if (never !== undefined) return this.#end('skipped_never', false, `${key} is within the never-block network ${never.toString()}`, entry)
    if (shared) return this.#end('skipped_shared', false, `${key} looks like a shared address (NAT): not blocked`, entry)
    const now = this.#now()
    const urls = this.#memory.missing(key, config.urls, now, config.dryRun)
    if (urls.length === 0) return this.#end('duplicate', true, `${key} is already blocked`, entry, true)
    if (!this.#cap.admit(now, config.maxPerMinute)) {
      if (now - this.#capLoggedAt >= 60_000) {
        this.#capLoggedAt = now
        logger.warn('wforce blacklist cap reached: further entries this minute are skipped (logged once a minute)', { max_per_minute: config.maxPerMinute })
      }
      return this.#end('skipped_cap', false, `the cap of ${config.maxPerMinute} entries per minute is reached`, entry, true)
    }
    this.#memory.remember(key, urls, now + entry.expire_secs * 1000, config.dryRun, now)
    if (config.dryRun) {
      logger.info('wforce blacklist dry run: would add', { ...entry, urls: urls.join(' ') })
      return this.#end('dry_run', false, `dry run: would block ${key}`, entry, true)
    }
    let refused = 0
    for (const url of urls) if (!this.#delivery.enqueue({ url, entry, origin: config })) refused++
    if (refused > 0) {
      // Not sent: forget it for every instance, so a later alert may try again.
      this.#memory.forget(key, urls)
      if (refused === urls.length) return this.#end('refused', false, 'the wforce delivery queue is full or closing', entry)
    }
    logger.info('wforce blacklist entry queued', { ...entry, urls: urls.join(' ') })
    return this.#end('queued', true, `queued for ${urls.length} wforce instance(s)`, entry, true)
  }

  #end (decision: BlacklistDecision, ok: boolean, reason: string, entry: BlacklistEntry, quiet = false): BlacklistOutcome {
    this.#decisions[decision]++
    if (!quiet) logger.info('wforce blacklist entry skipped', { decision, reason, entry_reason: entry.reason })
    return { ok, decision, reason }
  }
}
