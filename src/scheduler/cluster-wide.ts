import { logger } from '../log/index.ts'
import { TrackalertError } from '../errors.ts'

/**
 * Cluster-wide functions: resolves true when this instance won the scheduled time `tickMs`
 * (epoch ms, the same on every instance); false means another instance runs it.
 */
export type TickClaimer = (name: string, tickMs: number) => Promise<boolean>

/** The first multiple of the period after `wallMs`: every instance computes the same grid. */
export function nextOnGrid (wallMs: number, seconds: number): number {
  const period = seconds * 1000
  return (Math.floor(wallMs / period) + 1) * period
}

/** Where an interval schedule's first run falls, and on which clock it is kept. */
export interface IntervalStart {
  /** Monotonic ms, or wall-clock ms on the epoch grid when `wall`. */
  due: number
  wall: boolean
}

/**
 * setBackgroundClusterWide(): the functions of which each scheduled time runs on one instance only,
 * the one whose claim wins. Their interval schedules follow the wall-clock grid (multiples of the
 * interval since the epoch) so that every instance means the same time by "this tick"; the claim
 * carries that time to the shared database.
 */
export class ClusterWide {
  readonly #names = new Set<string>()
  /** The scheduled wall time each triggered cluster-wide function stands for, until it launches. */
  readonly #pendingTick = new Map<string, number>()
  #claim: TickClaimer | undefined

  add (name: string): void {
    this.#names.add(name)
  }

  get names (): string[] { return [...this.#names] }

  /** Set at start; without a claimer the cluster-wide functions run here like any other. */
  setClaimer (claim: TickClaimer | undefined): void {
    this.#claim = claim
  }

  /** An interval's first due time: cluster-wide ones on the wall-clock grid, others one interval after now (monotonic). */
  intervalStart (name: string, seconds: number, wallMs: number, monoMs: number): IntervalStart {
    const wall = this.#names.has(name)
    return { wall, due: wall ? nextOnGrid(wallMs, seconds) : monoMs + seconds * 1000 }
  }

  /** Remembers which scheduled time a run of `name` stands for, for its claim when it launches. */
  triggered (name: string, tickMs: number): void {
    if (this.#names.has(name)) this.#pendingTick.set(name, tickMs)
  }

  /**
   * Whether this instance runs `name` now: undefined when no claim is needed (not cluster-wide, or
   * no claimer), else the claim's outcome for the time recorded by triggered() (`nowWallMs` if none).
   * A claimer that throws gives a rejected promise, so the caller has one failure path.
   */
  claim (name: string, nowWallMs: number): Promise<boolean> | undefined {
    const claim = this.#claim
    if (claim === undefined || !this.#names.has(name)) return undefined
    const tickMs = this.#pendingTick.get(name) ?? nowWallMs
    this.#pendingTick.delete(name)
    let claiming: Promise<boolean>
    try {
      claiming = claim(name, tickMs)
    } catch (err) {
      claiming = Promise.reject(err)
    }
    return claiming.then(
      (won) => {
        // Another instance runs this tick: nothing ran here, so the caller counts nothing.
        if (!won) logger.debug('cluster-wide background function runs on another instance this time', { name, tick: new Date(tickMs).toISOString() })
        return won
      },
      (err: unknown) => { throw new TrackalertError('TA_ERR_HISTORY', `cluster-wide claim failed: ${err instanceof Error ? err.message : String(err)}`) }
    )
  }
}
