import { type OutboundTlsSettings } from '../outbound/index.ts'
import { BLACKLIST_DEFAULTS, parseWforceBlacklistConfig, type WforceBlacklistConfig } from './config.ts'
import { entryFromRequest } from './entry.ts'
import { type WforceBlacklist } from './service.ts'

/**
 * One configuration load's side of the blacklist: setWforceBlacklist{} sets it while the config
 * loads, activate() hands it to the process's WforceBlacklist when the configuration becomes
 * current (a failed reload never touches the running one).
 */
export class BlacklistSetup {
  readonly #process: WforceBlacklist
  #config: WforceBlacklistConfig | null = null

  constructor (process: WforceBlacklist) {
    this.#process = process
  }

  get config (): WforceBlacklistConfig | null { return this.#config }

  /** Validates and keeps the options (throws TA_ERR_CONFIG_INVALID on a bad table). */
  configure (options: unknown): void {
    this.#config = parseWforceBlacklistConfig(options)
  }

  activate (tls: OutboundTlsSettings): void {
    this.#process.activate(this.#config, tls)
  }

  validate (input: unknown): void { entryFromRequest(input, this.#config?.expireSecs ?? BLACKLIST_DEFAULTS.expireSecs) }
  showText (): string { return this.#process.showText() }
}
