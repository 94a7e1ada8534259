/**
 * A seeded pseudo-random generator (sfc32 seeded through splitmix32). Math.random cannot be seeded,
 * and the replay must be byte-identical for one seed, so every random choice goes through here.
 * `fork(label)` derives an independent stream: each user draws from its own stream, so adding an
 * attack or changing one user's model does not shift every other user's choices.
 */
export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number
  readonly #seed: number

  constructor (seed: number | string) {
    let h = typeof seed === 'number' ? seed >>> 0 : hashString(seed)
    this.#seed = h
    const next = (): number => {
      h = (h + 0x9e3779b9) >>> 0
      let z = h
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.#a = next(); this.#b = next(); this.#c = next(); this.#d = next()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** A uniform 32-bit unsigned integer. */
  u32 (): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0
    this.#d = (this.#d + 1) >>> 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) >>> 0
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0
    this.#c = (this.#c + t) >>> 0
    return t
  }

  /** Uniform in [0, 1). */
  next (): number { return this.u32() / 4294967296 }

  /** Uniform integer in [min, max] (both included). */
  int (min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)) }

  /** Uniform real in [min, max). */
  real (min: number, max: number): number { return min + this.next() * (max - min) }

  chance (p: number): boolean { return this.next() < p }

  pick<T> (items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Picks by weight; `weights[i]` belongs to `items[i]`. */
  weighted<T> (items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((s, w) => s + w, 0)
    let x = this.next() * total
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!
      if (x < 0) return items[i]!
    }
    return items[items.length - 1]!
  }

  /** Exponentially distributed with the given mean. */
  exp (mean: number): number { return -Math.log(1 - this.next()) * mean }

  /** Normally distributed (Box-Muller). */
  normal (mean: number, sd: number): number {
    const u = 1 - this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** An independent stream for `label`, determined by this stream's seed alone, not by how much of it was used. */
  fork (label: string | number): Rng {
    return new Rng(hashString(`${this.#seed}/${label}`))
  }
}

/** FNV-1a, 32 bits: only needs to spread seeds, not resist anyone. */
export function hashString (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}
