import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { Reader, type Response } from 'maxmind'
import { TrackalertError } from '../errors.ts'
import { RawMmdb, type MmdbLayout } from './mmdb-raw.ts'
import { FrozenLruCache } from './record-cache.ts'

/** What a loaded database is, for logs and the console. */
export interface GeoIPDBInfo {
  readonly databaseType: string
  readonly ipVersion: 4 | 6
  readonly recordSize: 24 | 28 | 32
  readonly nodeCount: number
  readonly buildEpoch: Date
  readonly languages: readonly string[]
}

/** One fully built, immutable database: lookups read a single DbState reference, reloads replace it. */
export interface DbState {
  readonly reader: Reader<Response>
  readonly raw: RawMmdb
  readonly info: GeoIPDBInfo
}

const MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex') // \xAB\xCD\xEFMaxMind.com
const RECORD_CACHE_ENTRIES = 10_000

/** Reads and validates `file` synchronously (config time, console reload). Throws TA_ERR_GEOIP naming db and file. */
export function loadDatabaseSync (name: string, file: string): DbState {
  let buf: Buffer
  try {
    buf = readFileSync(file)
  } catch (err) {
    throw geoipError(name, file, `cannot read file: ${(err as Error).message}`, err)
  }
  return parseDatabase(name, file, buf)
}

/** Same as loadDatabaseSync, but the file read does not block the event loop. */
export async function loadDatabase (name: string, file: string): Promise<DbState> {
  let buf: Buffer
  try {
    buf = await readFile(file)
  } catch (err) {
    throw geoipError(name, file, `cannot read file: ${(err as Error).message}`, err)
  }
  return parseDatabase(name, file, buf)
}

/**
 * Checks what libmaxminddb's MMDB_open checks (metadata present and sane, the tree fits before
 * the data section) plus one probe lookup, so a damaged file fails here rather than per lookup.
 */
export function parseDatabase (name: string, file: string, buf: Buffer): DbState {
  const markerAt = buf.lastIndexOf(MARKER)
  if (markerAt === -1) {
    const hint = looksLegacy(buf) ? ' (it looks like a legacy GeoIP .dat database; GeoIP2 needs an .mmdb file)' : ''
    throw geoipError(name, file, `not a MaxMind DB file: metadata marker not found${hint}`)
  }
  let reader: Reader<Response>
  try {
    reader = new Reader<Response>(buf, { cache: new FrozenLruCache(RECORD_CACHE_ENTRIES) })
  } catch (err) {
    throw geoipError(name, file, `invalid metadata: ${(err as Error).message}`, err)
  }
  const m = reader.metadata
  const problem = metadataProblem(m, markerAt, buf)
  if (problem !== undefined) throw geoipError(name, file, `invalid metadata: ${problem}`)
  const layout: MmdbLayout = {
    nodeCount: m.nodeCount,
    recordSize: m.recordSize as 24 | 28 | 32,
    ipVersion: m.ipVersion as 4 | 6,
    treeSize: m.searchTreeSize,
    dataEnd: markerAt
  }
  const raw = new RawMmdb(buf, layout)
  try {
    // Walks the tree from the root and decodes one record through both readers.
    const probe = m.ipVersion === 6 ? '::' : '0.0.0.0'
    raw.findRecord(new Uint8Array(m.ipVersion === 6 ? 16 : 4))
    reader.get(probe)
  } catch (err) {
    throw geoipError(name, file, `corrupt database: ${(err as Error).message}`, err)
  }
  const info: GeoIPDBInfo = {
    databaseType: m.databaseType,
    ipVersion: layout.ipVersion,
    recordSize: layout.recordSize,
    nodeCount: m.nodeCount,
    buildEpoch: m.buildEpoch,
    languages: Array.isArray(m.languages) ? [...m.languages] : []
  }
  return { reader, raw, info }
}

function metadataProblem (m: Reader<Response>['metadata'], markerAt: number, buf: Buffer): string | undefined {
  if (m.binaryFormatMajorVersion !== 2) return `unsupported binary format major version ${String(m.binaryFormatMajorVersion)}`
  if (m.ipVersion !== 4 && m.ipVersion !== 6) return `ip_version must be 4 or 6, got ${String(m.ipVersion)}`
  if (!Number.isInteger(m.nodeCount) || m.nodeCount <= 0) return `bad node_count ${String(m.nodeCount)}`
  if (typeof m.databaseType !== 'string') return 'database_type missing'
  if (m.searchTreeSize + 16 > markerAt) return `search tree (${m.nodeCount} nodes) is larger than the file allows`
  for (let i = m.searchTreeSize; i < m.searchTreeSize + 16; i++) {
    if (buf[i] !== 0) return 'data section separator is not 16 zero bytes'
  }
  return undefined
}

// Legacy GeoIP .dat files end with a 0xFFFFFF structure-info delimiter within the last ~20 bytes.
function looksLegacy (buf: Buffer): boolean {
  for (let end = buf.length; end >= 3 && end > buf.length - 23; end--) {
    if (buf[end - 1] === 0xff && buf[end - 2] === 0xff && buf[end - 3] === 0xff) return true
  }
  return false
}

function geoipError (name: string, file: string, reason: string, cause?: unknown): TrackalertError {
  return new TrackalertError('TA_ERR_GEOIP', `GeoIP2 database "${name}" (${file}): ${reason}`, cause === undefined ? undefined : { cause })
}
