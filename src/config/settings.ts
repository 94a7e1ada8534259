import { type HistoryOptions } from '../history/options.ts'
import { PolicyEngine } from '../policies/index.ts'
import { availableParallelism } from 'node:os'
import { parseNetmask, type ComboAddress, type Netmask } from '../net/index.ts'

/** The console's answer to a successful reload, in every process of the daemon. */
export const CONFIG_RELOADED = 'reloadConfig() successful'

/** Upstream's default webserver ACL: loopback and the private/link-local ranges. */
export const DEFAULT_ACL: readonly string[] = [
  '127.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '192.168.0.0/16', '172.16.0.0/12',
  '::1/128', 'fc00::/7', 'fe80::/10'
]

export interface ListenerTls {
  readonly certFile: string
  readonly keyFile: string
  /** Minimum TLS version, Node's spelling ('TLSv1.2', 'TLSv1.3'). */
  readonly minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined
}

export interface ListenerSpec {
  readonly address: ComboAddress
  readonly tls: ListenerTls | null
}

/**
 * Everything the configuration state sets up at load time. The config state writes it; the HTTP
 * server, pool and scheduler read it. ACL and password stay live (console changes apply at once).
 */
export class DaemonSettings {
  listeners: ListenerSpec[] = []
  webserverPassword: string | null = null
  acl: Netmask[] = DEFAULT_ACL.map((m) => parseNetmask(m) as Netmask)
  metricsNoPassword = false
  /** setWebUI(false): no /ui/ on the REST listeners. */
  webUI = true
  maxWebserverConns = 10000
  numLuaStates = 6
  numWorkerThreads = availableParallelism()
  numSchedulerThreads = 4
  /** A Lua call is interrupted after running this long (CPU time; time suspended on I/O excluded). */
  luaTimeLimitMs = 1000
  /** Lua calls started and not finished per process (suspended on I/O included); more wait in the queue. */
  maxLuaCallsInFlight = 256
  /** setMaxQueueWaitMs: REST calls queued longer get 503 instead of running; 0 (default) = wait as long as it takes. */
  maxQueueWaitMs = 0
  maxBodyBytes = 64 * 1024
  readonly customEndpoints = new Set<string>()
  readonly backgroundFunctions = new Set<string>()
  reportDefined = false
  /** setHistory{…}: where and how long login history is kept; null: nothing is recorded. */
  history: HistoryOptions | null = null
  /** enablePolicies / setPolicyOptions: the built-in policies (none enabled until enablePolicies). */
  readonly policies = new PolicyEngine()
  /** controlSocket("IP[:port]"): where the console listens (null: no console socket). */
  controlSocket: { host: string, port: number } | null = null
  /** setKey(base64): the 32-byte console key. */
  consoleKey: Buffer | null = null
  /** setKey() got an unusable key (reported then, with its file:line): no second warning at start. */
  consoleKeyRejected = false
  /** Set once listeners are up: later listener changes need a reload. */
  started = false
}

/** The settings the REST API reads on every request, which the console may change while running. */
export interface LiveHttpSettings {
  readonly acl: string[]
  readonly webserverPassword: string | null
  readonly metricsNoPassword: boolean
  readonly maxWebserverConns: number
  readonly maxBodyBytes: number
}

export function liveHttpSettings (s: DaemonSettings): LiveHttpSettings {
  return {
    acl: s.acl.map((m) => m.toString()),
    webserverPassword: s.webserverPassword,
    metricsNoPassword: s.metricsNoPassword,
    maxWebserverConns: s.maxWebserverConns,
    maxBodyBytes: s.maxBodyBytes
  }
}

/** Applies what the primary's console changed to a worker's settings (the netmasks were valid there). */
export function applyLiveHttpSettings (s: DaemonSettings, live: LiveHttpSettings): void {
  s.acl = live.acl.map((m) => parseNetmask(m)).filter((m): m is Netmask => m !== null)
  s.webserverPassword = live.webserverPassword
  s.metricsNoPassword = live.metricsNoPassword
  s.maxWebserverConns = live.maxWebserverConns
  s.maxBodyBytes = live.maxBodyBytes
}

export function sameLiveHttpSettings (a: LiveHttpSettings, b: LiveHttpSettings): boolean {
  return a.webserverPassword === b.webserverPassword && a.metricsNoPassword === b.metricsNoPassword &&
    a.maxWebserverConns === b.maxWebserverConns && a.maxBodyBytes === b.maxBodyBytes &&
    a.acl.length === b.acl.length && a.acl.every((m, i) => m === b.acl[i])
}
