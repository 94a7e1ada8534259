interface Held { until: number, dryRun: boolean }

/**
 * What each wforce instance already blocks, per entry key, until the entry expires there: what
 * this process added and what getBL reported. A key is sent only to the instances that lack it,
 * so a second alert for the same source adds nothing, and an instance that missed it still gets it.
 */
export class BlockMemory {
  readonly #held = new Map<string, Map<string, Held>>()
  #lastPrune = 0

  /**
   * The URLs among `urls` that do not hold `key` at `now`. A dry run counts its own pretend
   * entries as held (so it reports what a real run would do); a real run ignores them.
   */
  missing (key: string, urls: readonly string[], now: number, dryRun: boolean): string[] {
    const perUrl = this.#held.get(key)
    if (perUrl === undefined) return [...urls]
    return urls.filter((url) => {
      const held = perUrl.get(url)
      return held === undefined || held.until <= now || (held.dryRun && !dryRun)
    })
  }

  remember (key: string, urls: readonly string[], until: number, dryRun: boolean, now: number): void {
    let perUrl = this.#held.get(key)
    if (perUrl === undefined) {
      perUrl = new Map()
      this.#held.set(key, perUrl)
    }
    for (const url of urls) {
      const held = perUrl.get(url)
      // A real entry outranks a pretend one; a later expiry outranks an earlier one.
      if (held === undefined || held.until < until || (held.dryRun && !dryRun)) perUrl.set(url, { until, dryRun })
    }
    this.#prune(now)
  }

  /** The entry did not reach these instances after all. */
  forget (key: string, urls: readonly string[]): void {
    const perUrl = this.#held.get(key)
    if (perUrl === undefined) return
    for (const url of urls) perUrl.delete(url)
    if (perUrl.size === 0) this.#held.delete(key)
  }

  /** Entries held somewhere at `now`. */
  size (now: number): number {
    let n = 0
    for (const perUrl of this.#held.values()) {
      for (const held of perUrl.values()) if (held.until > now) { n++; break }
    }
    return n
  }

  /** Drops expired keys at most once a minute, so memory follows what is blocked now. */
  #prune (now: number): void {
    if (now - this.#lastPrune < 60_000) return
    this.#lastPrune = now
    for (const [key, perUrl] of this.#held) {
      for (const [url, held] of perUrl) if (held.until <= now) perUrl.delete(url)
      if (perUrl.size === 0) this.#held.delete(key)
    }
  }
}

/** At most `max` admissions in any rolling minute. */
export class RateCap {
  /** Admission times, oldest first; at most `max` of them are within the last minute. */
  #admitted: number[] = []

  admit (now: number, max: number): boolean {
    let old = 0
    while (old < this.#admitted.length && this.#admitted[old] <= now - 60_000) old++
    if (old > 0) this.#admitted = this.#admitted.slice(old)
    if (this.#admitted.length >= max) return false
    this.#admitted.push(now)
    return true
  }
}
