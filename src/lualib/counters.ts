/**
 * Monotonic counters of the Lua library. Plain numbers in one flat object: the app may share one
 * instance across configuration reloads (so Prometheus counters never go back), and figures from
 * several worker processes add up field by field.
 */
export class LuaLibraryCounters {
  /** HTTP calls from Lua (http.request, socket.http, es.*) and the ones that failed to get an answer. */
  httpRequests = 0
  httpFailures = 0
  /** Elasticsearch calls, and those that failed (no answer, or an error status). */
  esRequests = 0
  esFailures = 0
  /** Redis commands, and those that raised (connection, timeout or server error). */
  redisCommands = 0
  redisFailures = 0
  /** Mails accepted by sendMail, delivered, given up after the last attempt, dropped (queue full or shutdown), retried. */
  mailQueued = 0
  mailSent = 0
  mailFailed = 0
  mailDropped = 0
  mailRetries = 0

  snapshot (): LuaLibraryCounterValues {
    return {
      httpRequests: this.httpRequests,
      httpFailures: this.httpFailures,
      esRequests: this.esRequests,
      esFailures: this.esFailures,
      redisCommands: this.redisCommands,
      redisFailures: this.redisFailures,
      mailQueued: this.mailQueued,
      mailSent: this.mailSent,
      mailFailed: this.mailFailed,
      mailDropped: this.mailDropped,
      mailRetries: this.mailRetries
    }
  }
}

export type LuaLibraryCounterValues = {
  readonly [K in keyof LuaLibraryCounters as LuaLibraryCounters[K] extends number ? K : never]: number
}

/** Sums counter snapshots (one per worker process). */
export function sumLuaLibraryCounters (list: readonly LuaLibraryCounterValues[]): LuaLibraryCounterValues {
  const out = new LuaLibraryCounters()
  for (const c of list) {
    for (const key of Object.keys(c) as Array<keyof LuaLibraryCounterValues>) out[key] += c[key]
  }
  return out.snapshot()
}
