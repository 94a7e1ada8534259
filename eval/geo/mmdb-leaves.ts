/**
 * Enumerates the IPv4 networks of a MaxMind DB search tree and keeps a seeded uniform sample of
 * them (reservoir sampling during one walk). The maxmind reader only answers point lookups; the
 * generator needs real networks per country, so it walks the tree itself and decodes only the
 * sampled leaves through the reader. Sampling per network (not per address) follows where
 * geolocation has detail, which tracks where people are better than raw address space does.
 */
import type { Rng } from '../rng.ts'

export interface MmdbTreeInfo {
  readonly nodeCount: number
  readonly recordSize: number
  readonly ipVersion: number
}

export interface Ipv4Leaf {
  /** Network address as an unsigned 32-bit number. */
  readonly base: number
  readonly prefixLen: number
}

export function sampleIpv4Leaves (buf: Buffer, info: MmdbTreeInfo, rng: Rng, count: number): Ipv4Leaf[] {
  const { nodeCount, recordSize } = info
  if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) throw new Error(`unsupported MMDB record size ${recordSize}`)
  const nodeBytes = recordSize / 4
  const read = (node: number, right: number): number => {
    const o = node * nodeBytes
    if (recordSize === 24) { const p = o + right * 3; return (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]! }
    if (recordSize === 32) return buf.readUInt32BE(o + right * 4)
    const mid = buf[o + 3]!
    if (right === 0) return (((mid & 0xf0) << 20) | (buf[o]! << 16) | (buf[o + 1]! << 8) | buf[o + 2]!) >>> 0
    return (((mid & 0x0f) << 24) | (buf[o + 4]! << 16) | (buf[o + 5]! << 8) | buf[o + 6]!) >>> 0
  }
  // In an IPv6 tree IPv4 lives under ::/96: follow 96 zero bits.
  let start = 0
  if (info.ipVersion === 6) {
    for (let i = 0; i < 96 && start < nodeCount; i++) start = read(start, 0)
    if (start >= nodeCount) return []
  }
  const sample: Ipv4Leaf[] = []
  let seen = 0
  const stackNode: number[] = [start]
  const stackBase: number[] = [0]
  const stackDepth: number[] = [0]
  while (stackNode.length > 0) {
    const node = stackNode.pop()!
    const base = stackBase.pop()!
    const depth = stackDepth.pop()!
    // Right child pushed first so the walk visits addresses in ascending order.
    for (let bit = 1; bit >= 0; bit--) {
      const rec = read(node, bit)
      const childBase = bit === 1 ? (base | (1 << (31 - depth))) >>> 0 : base
      if (rec < nodeCount) {
        if (depth + 1 < 32) { stackNode.push(rec); stackBase.push(childBase); stackDepth.push(depth + 1) }
      } else if (rec > nodeCount) {
        seen++
        if (sample.length < count) sample.push({ base: childBase, prefixLen: depth + 1 })
        else {
          const j = Math.floor(rng.next() * seen)
          if (j < count) sample[j] = { base: childBase, prefixLen: depth + 1 }
        }
      }
    }
  }
  return sample.sort((a, b) => a.base - b.base)
}

export function ipv4String (n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
}

export function ipv4Number (s: string): number {
  const p = s.split('.').map(Number)
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`not an IPv4 address: ${s}`)
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0
}
