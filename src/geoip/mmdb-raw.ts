import { TrackalertError } from '../errors.ts'

/**
 * Typed path lookups straight on the MMDB bytes. The maxmind reader decodes every number to a
 * JS number, which loses the stored type; upstream's lookupUIntValue/lookupDoubleValue depend on
 * it (a uint32 is not a double, an int32 is not a uint), so these walk the raw data instead. They
 * also allocate nothing but the returned string, which keeps the Lua hot path cheap.
 */

/** A path step: a map key, or an array index (a number or a decimal string, negative counts from the end). */
export type GeoIPPathElement = string | number

export interface MmdbLayout {
  readonly nodeCount: number
  readonly recordSize: 24 | 28 | 32
  readonly ipVersion: 4 | 6
  /** Bytes in the search tree; the data section starts 16 bytes later. */
  readonly treeSize: number
  /** Offset of the metadata marker: the data section ends here. */
  readonly dataEnd: number
}

/** The bytes under a lookup are not valid MMDB (TA_ERR_GEOIP); callers turn it into an empty result. */
const corrupt = (what: string): TrackalertError => new TrackalertError('TA_ERR_GEOIP', what)

const T_POINTER = 1
const T_STRING = 2
const T_DOUBLE = 3
const T_UINT16 = 5
const T_UINT32 = 6
const T_MAP = 7
const T_UINT64 = 9
const T_ARRAY = 11
const T_BOOLEAN = 14
const T_FLOAT = 15

export class RawMmdb {
  readonly #buf: Buffer
  readonly #layout: MmdbLayout
  readonly #nodeBytes: number
  readonly #dataStart: number
  readonly #ipv4Start: number
  // Scratch output of #ctrl/#deref: lookups are synchronous, so one set per database is safe.
  #type = 0
  #size = 0
  #payload = 0

  constructor (buf: Buffer, layout: MmdbLayout) {
    this.#buf = buf
    this.#layout = layout
    this.#nodeBytes = layout.recordSize / 4
    this.#dataStart = layout.treeSize + 16
    this.#ipv4Start = this.#findIpv4Start()
  }

  /** File offset of the record for this address, or -1 when the database has no data for it. */
  findRecord (bytes: Uint8Array): number {
    const count = this.#layout.nodeCount
    let node = bytes.length === 4 ? this.#ipv4Start : 0
    const bits = bytes.length * 8
    for (let i = 0; i < bits && node < count; i++) {
      node = this.#record(node, (bytes[i >> 3]! >> (7 - (i & 7))) & 1)
    }
    if (node === count) return -1
    if (node < count) throw corrupt('search tree deeper than the address')
    const offset = node - count + this.#layout.treeSize
    if (offset < this.#dataStart || offset >= this.#layout.dataEnd) throw corrupt('record pointer outside the data section')
    return offset
  }

  lookupString (record: number, path: readonly GeoIPPathElement[]): string | undefined {
    if (!this.#resolve(record, path) || this.#type !== T_STRING) return undefined
    return this.#buf.toString('utf8', this.#payload, this.#payload + this.#size)
  }

  /** uint16, uint32 and uint64 (uint64 above 2^53 loses precision as a JS number). */
  lookupUInt (record: number, path: readonly GeoIPPathElement[]): number | undefined {
    if (!this.#resolve(record, path)) return undefined
    const type = this.#type
    if (type !== T_UINT16 && type !== T_UINT32 && type !== T_UINT64) return undefined
    let value = 0
    for (let i = 0; i < this.#size; i++) value = value * 256 + this.#buf[this.#payload + i]!
    return value
  }

  lookupBool (record: number, path: readonly GeoIPPathElement[]): boolean | undefined {
    if (!this.#resolve(record, path) || this.#type !== T_BOOLEAN) return undefined
    return this.#size !== 0
  }

  /** double, or float widened to double. */
  lookupDouble (record: number, path: readonly GeoIPPathElement[]): number | undefined {
    if (!this.#resolve(record, path)) return undefined
    if (this.#type === T_DOUBLE && this.#size === 8) return this.#buf.readDoubleBE(this.#payload)
    if (this.#type === T_FLOAT && this.#size === 4) return this.#buf.readFloatBE(this.#payload)
    return undefined
  }

  #findIpv4Start (): number {
    if (this.#layout.ipVersion === 4) return 0
    let node = 0
    for (let i = 0; i < 96 && node < this.#layout.nodeCount; i++) node = this.#record(node, 0)
    return node
  }

  #record (node: number, right: number): number {
    const buf = this.#buf
    const off = node * this.#nodeBytes
    if (off + this.#nodeBytes > this.#layout.treeSize) throw corrupt('node outside the search tree')
    switch (this.#layout.recordSize) {
      case 24: return buf.readUIntBE(off + right * 3, 3)
      case 28: return right === 0
        ? ((buf[off + 3]! & 0xf0) << 20) | buf.readUIntBE(off, 3)
        : ((buf[off + 3]! & 0x0f) << 24) | buf.readUIntBE(off + 4, 3)
      default: return buf.readUInt32BE(off + right * 4)
    }
  }

  /** Follows the path from a record; on success the leaf's type/size/payload are in the scratch fields. */
  #resolve (record: number, path: readonly GeoIPPathElement[]): boolean {
    let off = record
    for (const step of path) {
      this.#deref(off)
      if (this.#type === T_MAP) {
        const found = this.#findKey(this.#payload, this.#size, typeof step === 'number' ? String(step) : step)
        if (found === -1) return false
        off = found
      } else if (this.#type === T_ARRAY) {
        let index = arrayIndex(step)
        if (index === undefined) return false
        if (index < 0) index += this.#size
        if (index < 0 || index >= this.#size) return false
        off = this.#payload
        for (let i = 0; i < index; i++) off = this.#skip(off)
      } else {
        return false
      }
    }
    this.#deref(off)
    return true
  }

  /** Offset of the value stored under `key` in a map whose pairs start at `off`, or -1. */
  #findKey (off: number, pairs: number, key: string): number {
    let p = off
    for (let i = 0; i < pairs; i++) {
      this.#ctrl(p)
      const afterKey = this.#type === T_POINTER ? this.#payload + this.#size : -1
      if (afterKey !== -1) this.#deref(p)
      if (this.#type !== T_STRING) throw corrupt('map key is not a string')
      const valueAt = afterKey !== -1 ? afterKey : this.#payload + this.#size
      if (this.#keyEquals(this.#payload, this.#size, key)) return valueAt
      p = this.#skip(valueAt)
    }
    return -1
  }

  #keyEquals (start: number, length: number, key: string): boolean {
    const buf = this.#buf
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      if (c >= 0x80) return buf.toString('utf8', start, start + length) === key
      if (i >= length || buf[start + i] !== c) return false
    }
    return length === key.length
  }

  /** Offset just past the value at `off` (a pointer counts as its own bytes, not its target). */
  #skip (off: number): number {
    this.#ctrl(off)
    const type = this.#type
    const size = this.#size
    let p = this.#payload
    if (type === T_POINTER) return p + size
    if (type === T_MAP || type === T_ARRAY) {
      const items = type === T_MAP ? size * 2 : size
      for (let i = 0; i < items; i++) p = this.#skip(p)
      return p
    }
    return type === T_BOOLEAN ? p : p + size
  }

  /** Decodes the control byte at `off`, following one pointer. */
  #deref (off: number): void {
    this.#ctrl(off)
    if (this.#type !== T_POINTER) return
    this.#ctrl(this.#pointerTarget(off))
    if (this.#type === T_POINTER) throw corrupt('pointer to a pointer')
  }

  #pointerTarget (off: number): number {
    const buf = this.#buf
    const ctrl = buf[off]!
    const sizeBits = (ctrl >> 3) & 3
    const low = ctrl & 7
    let value: number
    if (sizeBits === 0) value = (low << 8) + buf[off + 1]!
    else if (sizeBits === 1) value = ((low << 16) | buf.readUInt16BE(off + 1)) + 2048
    else if (sizeBits === 2) value = ((low << 24) | buf.readUIntBE(off + 1, 3)) + 526336
    else value = buf.readUInt32BE(off + 1)
    return this.#dataStart + value
  }

  /** Sets #type and #size (for pointers: the count of bytes after the control byte) and #payload. */
  #ctrl (off: number): void {
    if (off < this.#dataStart || off >= this.#layout.dataEnd) throw corrupt('data offset out of range')
    const buf = this.#buf
    const ctrl = buf[off]!
    let type = ctrl >> 5
    let p = off + 1
    if (type === T_POINTER) {
      this.#type = T_POINTER
      this.#size = ((ctrl >> 3) & 3) + 1
      this.#payload = p
      if (p + this.#size > this.#layout.dataEnd) throw corrupt('pointer runs past the data section')
      return
    }
    if (type === 0) {
      type = buf[p]! + 7
      p++
      if (type < 8) throw corrupt('invalid extended type')
    }
    let size = ctrl & 0x1f
    if (size === 29) { size = 29 + buf[p]!; p += 1 } else if (size === 30) { size = 285 + buf.readUInt16BE(p); p += 2 } else if (size === 31) { size = 65821 + buf.readUIntBE(p, 3); p += 3 }
    if (type !== T_MAP && type !== T_ARRAY && type !== T_BOOLEAN && p + size > this.#layout.dataEnd) {
      throw corrupt('value runs past the data section')
    }
    this.#type = type
    this.#size = size
    this.#payload = p
  }
}

function arrayIndex (step: GeoIPPathElement): number | undefined {
  if (typeof step === 'number') return Number.isInteger(step) ? step : undefined
  return /^-?\d+$/.test(step) ? Number(step) : undefined
}
