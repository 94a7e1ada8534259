/**
 * A small MaxMind DB (format 2.0) writer so the tests build their own databases: a binary search
 * tree with 24/28/32-bit records, a 16-byte zero separator, the data section (control byte with
 * type and size, extended types, pointers) and the metadata map after "\xAB\xCD\xEFMaxMind.com".
 * IPv4 networks in an IPv6 tree live at ::/96 (::a.b.c.d), as the spec describes.
 */
import { writeFile } from 'node:fs/promises'

type TypedKind = 'uint16' | 'uint32' | 'int32' | 'uint64' | 'uint128' | 'float' | 'double' | 'bytes'

/** A value whose MMDB type is spelled out (plain JS numbers are written as doubles). */
export class Typed {
  constructor (readonly kind: TypedKind, readonly value: number | bigint | Uint8Array) {}
}

export type MmdbValue = string | number | boolean | Typed | readonly MmdbValue[] | { readonly [key: string]: MmdbValue }

export const u16 = (n: number): Typed => new Typed('uint16', n)
export const u32 = (n: number): Typed => new Typed('uint32', n)
export const i32 = (n: number): Typed => new Typed('int32', n)
export const u64 = (n: bigint): Typed => new Typed('uint64', n)
export const u128 = (n: bigint): Typed => new Typed('uint128', n)
export const f32 = (n: number): Typed => new Typed('float', n)
export const f64 = (n: number): Typed => new Typed('double', n)
export const bytes = (b: Uint8Array): Typed => new Typed('bytes', b)

export interface MmdbNetwork {
  /** CIDR, e.g. "192.0.2.0/24" or "2001:db8::/32"; prefix length must be at least 1. */
  readonly network: string
  readonly data: MmdbValue
}

export interface MmdbWriterOptions {
  readonly ipVersion: 4 | 6
  readonly recordSize?: 24 | 28 | 32
  readonly databaseType?: string
  readonly languages?: readonly string[]
  /** Write repeated strings, maps and arrays once and point at them, as MaxMind's own databases do. */
  readonly dedupe?: boolean
  /** Metadata keys to replace (null removes the key): for building deliberately broken files. */
  readonly metadata?: Readonly<Record<string, MmdbValue | null>>
}

export const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex')

type Child = { node: number } | { data: number } | null

export function buildMmdb (networks: readonly MmdbNetwork[], options: MmdbWriterOptions): Buffer {
  const recordSize = options.recordSize ?? 28
  const nodes: Array<[Child, Child]> = [[null, null]]
  const dataValues: MmdbValue[] = []
  const sorted = networks.map((n, i) => ({ ...parseCidr(n.network, options.ipVersion), data: n.data, i }))
    .sort((a, b) => a.prefix - b.prefix || a.i - b.i)
  for (const net of sorted) {
    dataValues.push(net.data)
    insert(nodes, net.bits, net.prefix, dataValues.length - 1)
  }

  const data = new Encoder(options.dedupe === true)
  const dataOffsets = dataValues.map((v) => data.top(v))
  const nodeCount = nodes.length
  const toRecord = (c: Child): number => c === null ? nodeCount : 'node' in c ? c.node : nodeCount + 16 + dataOffsets[c.data]!
  const tree = Buffer.alloc(nodeCount * recordSize / 4)
  nodes.forEach(([l, r], n) => writeNode(tree, n * recordSize / 4, recordSize, toRecord(l), toRecord(r)))

  const meta: Record<string, MmdbValue> = {
    node_count: u32(nodeCount),
    record_size: u16(recordSize),
    ip_version: u16(options.ipVersion),
    database_type: options.databaseType ?? 'Trackalert-Test',
    languages: options.languages ?? ['en'],
    binary_format_major_version: u16(2),
    binary_format_minor_version: u16(0),
    build_epoch: u64(1_700_000_000n),
    description: { en: 'trackalert test database' }
  }
  for (const [key, value] of Object.entries(options.metadata ?? {})) {
    if (value === null) delete meta[key]
    else meta[key] = value
  }
  const metaEnc = new Encoder(false)
  metaEnc.top(meta)
  return Buffer.concat([tree, Buffer.alloc(16), data.bytes(), METADATA_MARKER, metaEnc.bytes()])
}

export async function writeMmdb (file: string, networks: readonly MmdbNetwork[], options: MmdbWriterOptions): Promise<void> {
  await writeFile(file, buildMmdb(networks, options))
}

function insert (nodes: Array<[Child, Child]>, bits: number[], prefix: number, data: number): void {
  let node = 0
  for (let i = 0; i < prefix; i++) {
    const b = bits[i]!
    const pair = nodes[node]!
    if (i === prefix - 1) {
      pair[b] = { data }
      return
    }
    const child = pair[b]!
    if (child !== null && 'node' in child) {
      node = child.node
      continue
    }
    // A more specific network inside an existing one: split the leaf into a node pointing at it twice.
    nodes.push([child, child])
    pair[b] = { node: nodes.length - 1 }
    node = nodes.length - 1
  }
}

function writeNode (buf: Buffer, off: number, size: number, left: number, right: number): void {
  if (size === 24) {
    buf.writeUIntBE(left, off, 3)
    buf.writeUIntBE(right, off + 3, 3)
  } else if (size === 28) {
    buf.writeUIntBE(left & 0xffffff, off, 3)
    buf[off + 3] = ((left >>> 24) << 4) | (right >>> 24)
    buf.writeUIntBE(right & 0xffffff, off + 4, 3)
  } else {
    buf.writeUInt32BE(left, off)
    buf.writeUInt32BE(right, off + 4)
  }
}

/** Network → bit string (the tree path) and prefix length, IPv4 nested under ::/96 in an IPv6 tree. */
function parseCidr (cidr: string, ipVersion: 4 | 6): { bits: number[], prefix: number } {
  const [addr = '', len = ''] = cidr.split('/')
  let prefix = Number(len)
  let octets: number[]
  if (addr.includes(':')) {
    if (ipVersion === 4) throw new Error(`IPv6 network ${cidr} in an IPv4 database`)
    octets = v6Octets(addr)
  } else {
    octets = addr.split('.').map(Number)
    if (ipVersion === 6) {
      octets = [...new Array<number>(12).fill(0), ...octets]
      prefix += 96
    }
  }
  if (!(prefix >= 1 && prefix <= octets.length * 8)) throw new Error(`bad prefix in ${cidr}`)
  const bits = octets.flatMap((o) => [7, 6, 5, 4, 3, 2, 1, 0].map((s) => (o >> s) & 1))
  return { bits, prefix }
}

function v6Octets (addr: string): number[] {
  const [head = '', tail] = addr.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return groups.flatMap((g) => { const v = parseInt(g, 16); return [v >> 8, v & 0xff] })
}

/** Data-section encoder; offsets are relative to the start of the section, as pointers are. */
class Encoder {
  readonly #chunks: Buffer[] = []
  #length = 0
  readonly #seen = new Map<string, number>()

  constructor (readonly dedupe: boolean) {}

  /** Writes a record (never as a pointer: tree records point at values) and returns its offset. */
  top (value: MmdbValue): number {
    const key = canonical(value)
    const known = this.#seen.get(key)
    if (known !== undefined) return known
    const at = this.#length
    this.#write(value)
    this.#seen.set(key, at)
    return at
  }

  bytes (): Buffer { return Buffer.concat(this.#chunks) }

  #emit (...parts: Array<number[] | Buffer>): void {
    for (const p of parts) {
      const b = Buffer.isBuffer(p) ? p : Buffer.from(p)
      this.#chunks.push(b)
      this.#length += b.length
    }
  }

  #value (value: MmdbValue): void {
    if (this.dedupe && (typeof value === 'object' || typeof value === 'string')) {
      const key = canonical(value)
      const known = this.#seen.get(key)
      if (known !== undefined) return this.#emit(pointer(known))
      this.#seen.set(key, this.#length)
    }
    this.#write(value)
  }

  #write (value: MmdbValue): void {
    if (typeof value === 'string') {
      const b = Buffer.from(value, 'utf8')
      return this.#emit(control(2, b.length), b)
    }
    if (typeof value === 'number') return this.#write(f64(value))
    if (typeof value === 'boolean') return this.#emit(control(14, value ? 1 : 0))
    if (value instanceof Typed) return this.#typed(value)
    if (Array.isArray(value)) {
      this.#emit(control(11, value.length))
      for (const item of value as MmdbValue[]) this.#value(item)
      return
    }
    const entries = Object.entries(value as Record<string, MmdbValue>)
    this.#emit(control(7, entries.length))
    for (const [k, v] of entries) {
      this.#value(k)
      this.#value(v)
    }
  }

  #typed ({ kind, value }: Typed): void {
    if (kind === 'bytes') return this.#emit(control(4, (value as Uint8Array).length), Buffer.from(value as Uint8Array))
    if (kind === 'double') {
      const b = Buffer.alloc(8)
      b.writeDoubleBE(value as number)
      return this.#emit(control(3, 8), b)
    }
    if (kind === 'float') {
      const b = Buffer.alloc(4)
      b.writeFloatBE(value as number)
      return this.#emit(control(15, 4), b)
    }
    const type = { uint16: 5, uint32: 6, int32: 8, uint64: 9, uint128: 10 }[kind]
    let n = BigInt(value as number | bigint)
    if (kind === 'int32' && n < 0n) n += 1n << 32n // two's complement, always 4 bytes
    const out: number[] = []
    for (; n > 0n; n >>= 8n) out.unshift(Number(n & 0xffn))
    this.#emit(control(type, out.length), out)
  }
}

function control (type: number, size: number): number[] {
  const out = [type <= 7 ? type << 5 : 0]
  if (type > 7) out.push(type - 7)
  if (size < 29) out[0]! |= size
  else if (size < 285) { out[0]! |= 29; out.push(size - 29) } else if (size < 65821) {
    out[0]! |= 30
    out.push((size - 285) >> 8, (size - 285) & 0xff)
  } else {
    out[0]! |= 31
    const s = size - 65821
    out.push(s >> 16, (s >> 8) & 0xff, s & 0xff)
  }
  return out
}

/** Pointer with the smallest size class (0-3) that holds `target`. */
export function pointer (target: number): number[] {
  if (target < 2048) return [0x20 | (target >> 8), target & 0xff]
  if (target < 526336) { const v = target - 2048; return [0x28 | (v >> 16), (v >> 8) & 0xff, v & 0xff] }
  if (target < 526336 + (1 << 27)) {
    const v = target - 526336
    return [0x30 | (v >>> 24), (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]
  }
  return [0x38, target >>> 24, (target >> 16) & 0xff, (target >> 8) & 0xff, target & 0xff]
}

function canonical (value: MmdbValue): string {
  if (value instanceof Typed) {
    const v = value.value
    return `#${value.kind}:${v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v)}`
  }
  if (Array.isArray(value)) return `[${(value as MmdbValue[]).map(canonical).join(',')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, MmdbValue>).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value}:${String(value)}`
}
