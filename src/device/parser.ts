import { imapDeviceAttrs } from './imap-id.ts'
import { LruCache } from './lru.ts'
import { mobileApiDeviceAttrs } from './mobileapi.ts'
import { defaultRegexesFile, loadRegexes } from './regexes.ts'
import { UserAgentParser } from './ua-parser.ts'

/** Parsed device attributes; frozen so one cached object can be handed to every caller. */
export type DeviceAttrs = Readonly<Record<string, string>>

export type DeviceProtocolKind = 'http' | 'imap' | 'mobileapi'

export interface DeviceParserOptions {
  /** `-R/--regexes FILE`; default: the regexes.yaml of the installed uap-core package. */
  regexesFile?: string
  /** Cached (protocol, device_id) results; 0 disables the cache. Default {@link DEFAULT_DEVICE_CACHE_SIZE}. */
  cacheSize?: number
  /** Called once per cache lookup (hit or miss), e.g. to bump Prometheus counters. Must be cheap. */
  onCacheLookup?: (hit: boolean) => void
}

export interface DeviceCacheStats {
  hits: number
  misses: number
  size: number
  capacity: number
}

export const DEFAULT_DEVICE_CACHE_SIZE = 10_000
/**
 * ReDoS bound: a user agent is cut to this many UTF-16 units before the ~1,200 uap-core regexes see it.
 * Real browser user agents stay well below it; what lies beyond is almost never what a rule keys on.
 */
export const MAX_USER_AGENT_LENGTH = 512
/** IMAP ID and mobileapi strings go through linear scanners; the cut only bounds memory and cache keys. */
export const MAX_CLIENT_ID_LENGTH = 2048

const EMPTY: DeviceAttrs = Object.freeze({})

/** Which parser a protocol string selects (case-insensitive); undefined: no attributes for it. */
export function deviceProtocolKind (protocol: string): DeviceProtocolKind | undefined {
  switch (protocol.toLowerCase()) {
    case 'http': case 'https': return 'http'
    case 'imap': case 'imaps': return 'imap'
    case 'mobileapi': return 'mobileapi'
    default: return undefined
  }
}

export class DeviceParser {
  #ua: UserAgentParser | null = null
  readonly #regexesFile: string | undefined
  readonly #cache: LruCache<string, DeviceAttrs>
  #onLookup: ((hit: boolean) => void) | undefined
  #hits = 0
  #misses = 0

  /**
   * A regexes file of the user's is loaded and compiled here, so a bad one throws TA_ERR_CONFIG_INVALID
   * naming it at startup. uap-core's bundled file is compiled on the first parse instead: about 20 MB
   * per process that a daemon whose reports carry device_attrs (as wforce sends them) never needs.
   */
  constructor (options: DeviceParserOptions = {}) {
    this.#regexesFile = options.regexesFile
    if (options.regexesFile !== undefined) this.#ua = new UserAgentParser(loadRegexes(options.regexesFile))
    this.#cache = new LruCache(options.cacheSize ?? DEFAULT_DEVICE_CACHE_SIZE)
    this.#onLookup = options.onCacheLookup
  }

  get regexesFile (): string { return this.#regexesFile ?? defaultRegexesFile() }

  /** The underlying ua-parser implementation (full results incl. patch versions), uncached. */
  get userAgentParser (): UserAgentParser {
    this.#ua ??= new UserAgentParser(loadRegexes(this.#regexesFile))
    return this.#ua
  }

  /**
   * Device attributes for one report. http/https, imap/imaps and mobileapi give their fixed key sets
   * (every key present, "" when unknown); any other protocol gives an empty object and is not cached.
   */
  parse (protocol: string, deviceId: string): DeviceAttrs {
    const kind = deviceProtocolKind(protocol)
    if (kind === undefined) return EMPTY
    const id = deviceId.length > maxLength(kind) ? deviceId.slice(0, maxLength(kind)) : deviceId
    const key = kind + '\u0000' + id
    const cached = this.#cache.get(key)
    if (cached !== undefined) {
      this.#hits++
      this.#notify(true)
      return cached
    }
    this.#misses++
    this.#notify(false)
    const attrs = Object.freeze(this.#compute(kind, id))
    this.#cache.set(key, attrs)
    return attrs
  }

  /** Parses without the cache or counters (benchmarks, diagnostics). */
  parseUncached (protocol: string, deviceId: string): DeviceAttrs {
    const kind = deviceProtocolKind(protocol)
    if (kind === undefined) return EMPTY
    return Object.freeze(this.#compute(kind, deviceId.slice(0, maxLength(kind))))
  }

  /** Plain numbers, so workers can send them to the primary to be summed. */
  cacheStats (): DeviceCacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#cache.size, capacity: this.#cache.capacity }
  }

  /** Resizes at run time; shrinking drops the least recently used entries. */
  setCacheSize (size: number): void {
    this.#cache.resize(size)
  }

  clearCache (): void {
    this.#cache.clear()
  }

  setCacheObserver (observer: ((hit: boolean) => void) | undefined): void {
    this.#onLookup = observer
  }

  #notify (hit: boolean): void {
    if (this.#onLookup === undefined) return
    try {
      this.#onLookup(hit)
    } catch {
      // Metrics must never break report handling.
    }
  }

  #compute (kind: DeviceProtocolKind, id: string): Record<string, string> {
    if (kind === 'imap') return imapDeviceAttrs(id)
    if (kind === 'mobileapi') return mobileApiDeviceAttrs(id)
    const parser = this.userAgentParser
    const ua = parser.parseUserAgent(id)
    const os = parser.parseOs(id)
    const device = parser.parseDevice(id)
    // Sorted keys, like upstream's std::map, so JSON output lines up with wforce's.
    return {
      'browser.family': ua.family,
      'browser.major': ua.major ?? '',
      'browser.minor': ua.minor ?? '',
      'device.brand': device.brand ?? '',
      'device.family': device.family,
      'device.model': device.model ?? '',
      'os.family': os.family,
      'os.major': os.major ?? '',
      'os.minor': os.minor ?? ''
    }
  }
}

function maxLength (kind: DeviceProtocolKind): number {
  return kind === 'http' ? MAX_USER_AGENT_LENGTH : MAX_CLIENT_ID_LENGTH
}
