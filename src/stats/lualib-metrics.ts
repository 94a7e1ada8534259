import { Counter, Gauge, type Registry } from 'prom-client'

/** The figures the Lua library exposes (src/lualib LuaLibrary.metrics()). */
export interface LuaLibraryFigures {
  httpRequests: number
  httpFailures: number
  esRequests: number
  esFailures: number
  redisCommands: number
  redisFailures: number
  mailQueued: number
  mailSent: number
  mailFailed: number
  mailDropped: number
  mailRetries: number
  mailQueueSize: number
  httpInFlight: number
}

const counters: ReadonlyArray<[keyof LuaLibraryFigures, string, string]> = [
  ['httpRequests', 'trackalert_lua_http_requests_total', 'HTTP requests made from Lua (http.request, socket.http, es.*)'],
  ['httpFailures', 'trackalert_lua_http_failures_total', 'Lua HTTP requests that got no answer (connection error, timeout)'],
  ['esRequests', 'trackalert_lua_es_requests_total', 'Elasticsearch requests made from Lua'],
  ['esFailures', 'trackalert_lua_es_failures_total', 'Elasticsearch requests that failed (no answer or an error status)'],
  ['redisCommands', 'trackalert_lua_redis_commands_total', 'Redis commands sent from Lua'],
  ['redisFailures', 'trackalert_lua_redis_failures_total', 'Redis commands that raised an error'],
  ['mailQueued', 'trackalert_mail_queued_total', 'Mails accepted by sendMail'],
  ['mailSent', 'trackalert_mail_sent_total', 'Mails delivered to the relay'],
  ['mailFailed', 'trackalert_mail_failed_total', 'Mails given up after the last attempt'],
  ['mailDropped', 'trackalert_mail_dropped_total', 'Mails dropped because the queue was full or the daemon was stopping'],
  ['mailRetries', 'trackalert_mail_retries_total', 'Mail delivery retries']
]

const gauges: ReadonlyArray<[keyof LuaLibraryFigures, string, string]> = [
  ['mailQueueSize', 'trackalert_mail_queue_size', 'Mails waiting for delivery'],
  ['httpInFlight', 'trackalert_lua_http_in_flight', 'Lua HTTP requests in flight']
]

/** Registers the Lua library's metrics; values are read from `read()` at scrape time. */
export function registerLuaLibraryMetrics (registry: Registry, read: () => LuaLibraryFigures): void {
  for (const [field, name, help] of counters) {
    // A counter whose collect() sets the absolute value: the library keeps the monotonic count.
    new Counter({ name, help, registers: [registry], collect () { this.reset(); this.inc(read()[field]) } })
  }
  for (const [field, name, help] of gauges) {
    new Gauge({ name, help, registers: [registry], collect () { this.set(read()[field]) } })
  }
}
