import type { AttackerFinding, Finding } from '../policies/index.ts'

/** Bound on remembered sources: an attack rotating through millions of addresses cannot grow the map without limit. */
const MAX_SOURCES = 100_000

/**
 * The spray and stuffing findings this process raised, by source, for `compromised_by_attacker`: a later
 * success from the same IP or prefix names the login. Kept in the process (it outlives reloads) rather
 * than asked of the alert hub on every success, which in a multi-process daemon lives in another process.
 * Every worker that receives a failure from an attacking source after the threshold raises the finding
 * itself (the windows come from the shared store), so each one that may see the success knows the source.
 */
export class AttackerSources {
  readonly #latest = new Map<string, AttackerFinding>()

  /** Remembers a spray or stuffing finding (other types are ignored). */
  note (finding: Finding): void {
    if (finding.type !== 'password_spray' && finding.type !== 'credential_stuffing') return
    const scope = finding.evidence.scope === 'prefix' ? 'prefix' : 'ip'
    const key = typeof finding.evidence.key === 'string' ? finding.evidence.key : finding.remote
    const id = `${scope} ${key}`
    const known = this.#latest.get(id)
    if (known !== undefined && known.t > finding.t) return
    this.#latest.delete(id)
    this.#latest.set(id, { type: finding.type, scope, key, t: finding.t })
    // Oldest insertion first: the map drops the source not raised for the longest time.
    if (this.#latest.size > MAX_SOURCES) this.#latest.delete(this.#latest.keys().next().value as string)
  }

  /** Findings against the IP or the prefix raised in [t - seconds, t]. */
  active (remote: string, prefix: string | null, t: number, seconds: number): AttackerFinding[] {
    const out: AttackerFinding[] = []
    for (const id of [`ip ${remote}`, prefix === null ? null : `prefix ${prefix}`]) {
      if (id === null) continue
      const finding = this.#latest.get(id)
      if (finding !== undefined && finding.t >= t - seconds && finding.t <= t) out.push(finding)
    }
    return out
  }
}
