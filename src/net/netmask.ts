import { formatIP, parseIP, unmapIPv4, type IPAddress } from './ip.ts'

/**
 * A network in CIDR form. IPv4 masks keep the network and mask as 32-bit integers so the ACL check
 * on every request is two integer operations; IPv6 masks compare bytes.
 */
export class Netmask {
  readonly family: 4 | 6
  readonly bits: number
  readonly network: Uint8Array
  readonly #v4net: number
  readonly #v4mask: number

  constructor (ip: IPAddress, bits: number) {
    const max = ip.family === 4 ? 32 : 128
    if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new RangeError(`netmask bits must be 0..${max}, got ${bits}`)
    this.family = ip.family
    this.bits = bits
    const net = new Uint8Array(ip.bytes)
    for (let i = 0; i < net.length; i++) {
      const keep = Math.min(8, Math.max(0, bits - i * 8))
      net[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff
    }
    this.network = net
    this.#v4mask = ip.family === 4 ? (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0) : 0
    this.#v4net = ip.family === 4 ? ((net[0] << 24) | (net[1] << 16) | (net[2] << 8) | net[3]) >>> 0 : 0
  }

  /** Matches a parsed address; an IPv4-mapped IPv6 address matches IPv4 masks. */
  match (ip: IPAddress): boolean {
    const addr = ip.family === 6 && this.family === 4 ? unmapIPv4(ip) : ip
    if (addr.family !== this.family) return false
    const b = addr.bytes
    if (this.family === 4) return ((((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) & this.#v4mask) >>> 0) === this.#v4net
    return matchV6(b, this.network, this.bits)
  }

  /** `network/bits`, e.g. `10.0.0.0/8`. */
  toString (): string {
    return `${formatIP({ family: this.family, bytes: this.network })}/${this.bits}`
  }

  networkText (): string {
    return formatIP({ family: this.family, bytes: this.network })
  }
}

function matchV6 (b: Uint8Array, net: Uint8Array, bits: number): boolean {
  let i = 0
  for (; bits >= 8; i++, bits -= 8) if (b[i] !== net[i]) return false
  if (bits === 0) return true
  const m = (0xff << (8 - bits)) & 0xff
  return (b[i] & m) === net[i]
}

/** Parses `a.b.c.d/n`, `v6/n`, or a bare address (a host mask). Returns null when invalid. */
export function parseNetmask (s: string): Netmask | null {
  const slash = s.indexOf('/')
  const ip = parseIP(slash === -1 ? s : s.slice(0, slash))
  if (ip === null) return null
  const max = ip.family === 4 ? 32 : 128
  let bits = max
  if (slash !== -1) {
    const text = s.slice(slash + 1)
    if (!/^\d{1,3}$/.test(text)) return null
    bits = Number(text)
    if (bits > max) return null
  }
  return new Netmask(ip, bits)
}

/** A set of netmasks matched in insertion order. */
export class NetmaskGroup {
  readonly #masks: Netmask[] = []

  add (mask: Netmask): void { this.#masks.push(mask) }
  match (ip: IPAddress): boolean {
    for (let i = 0; i < this.#masks.length; i++) if (this.#masks[i].match(ip)) return true
    return false
  }

  get size (): number { return this.#masks.length }
  clear (): void { this.#masks.length = 0 }
  toStrings (): string[] { return this.#masks.map((m) => m.toString()) }
}
