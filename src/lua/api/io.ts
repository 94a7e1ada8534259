import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type HostFunction } from '../host.ts'
import { type ApiContext, internal } from './context.ts'
import { TrackalertError } from '../../errors.ts'

const FLAGS: Record<string, string> = { r: 'r', w: 'w', a: 'a', 'r+': 'r+', 'w+': 'w+', 'a+': 'a+' }
const CHUNK = 64 * 1024

/** A buffered file: reads fill a buffer, writes go straight to the file at the logical position. */
class LuaFile {
  readonly fd: number
  readonly append: boolean
  buf = Buffer.alloc(0)
  start = 0
  /** File offset of the byte after the buffered data. */
  filePos = 0
  eof = false

  constructor (fd: number, append: boolean) {
    this.fd = fd
    this.append = append
    if (append) this.filePos = fstatSync(fd).size
  }

  get position (): number { return this.filePos - (this.buf.length - this.start) }

  fill (): boolean {
    if (this.eof) return false
    const chunk = Buffer.allocUnsafe(CHUNK)
    const n = readSync(this.fd, chunk, 0, CHUNK, this.filePos)
    if (n === 0) { this.eof = true; return false }
    this.filePos += n
    this.buf = this.start < this.buf.length ? Buffer.concat([this.buf.subarray(this.start), chunk.subarray(0, n)]) : chunk.subarray(0, n)
    this.start = 0
    return true
  }

  readLine (keepNewline: boolean): Buffer | null {
    while (true) {
      const nl = this.buf.indexOf(10, this.start)
      if (nl !== -1) {
        const line = this.buf.subarray(this.start, keepNewline ? nl + 1 : nl)
        this.start = nl + 1
        return line
      }
      if (!this.fill()) {
        if (this.start >= this.buf.length) return null
        const rest = this.buf.subarray(this.start)
        this.start = this.buf.length
        return rest
      }
    }
  }

  readN (n: number): Buffer | null {
    while (this.buf.length - this.start < n && this.fill());
    const avail = this.buf.length - this.start
    if (avail === 0 && n > 0) return null
    if (n === 0) return avail === 0 && !this.fill() ? null : Buffer.alloc(0)
    const out = this.buf.subarray(this.start, this.start + Math.min(n, avail))
    this.start += out.length
    return out
  }

  readAll (): Buffer {
    while (this.fill());
    const out = this.buf.subarray(this.start)
    this.start = this.buf.length
    return out
  }

  write (data: Uint8Array): void {
    const pos = this.append ? null : this.position
    writeSync(this.fd, data, 0, data.length, pos)
    if (!this.append) this.filePos = (pos as number) + data.length
    else this.filePos = fstatSync(this.fd).size
    this.buf = Buffer.alloc(0)
    this.start = 0
    this.eof = false
  }

  seek (whence: string, offset: number): number {
    const base = whence === 'set' ? 0 : whence === 'end' ? fstatSync(this.fd).size : this.position
    this.filePos = Math.max(0, base + offset)
    this.buf = Buffer.alloc(0)
    this.start = 0
    this.eof = false
    return this.filePos
  }
}

/**
 * Host side of the real-file-system `io` library. Local file I/O stays synchronous on purpose: it
 * hits the page cache and is bounded by the Lua time limit; network I/O is what must never block.
 */
export function ioFunctions ({ lua, args }: ApiContext<unknown>): HostFunction[] {
  const files = new Map<number, LuaFile>()
  let nextId = 3
  const raw = lua.raw
  const pushBytes = (L: number, b: Uint8Array | null): number => {
    if (b === null) { raw.lua_pushnil(L); return 1 }
    raw.lua_pushlstring(L, lua.scratch, lua.writeScratchBytes(b))
    return 1
  }
  const pushFail = (L: number, err: unknown, path?: string): number => {
    const e = err as NodeJS.ErrnoException
    raw.lua_pushnil(L)
    lua.pushString(L, path === undefined ? e.message : `${path}: ${e.message}`)
    raw.lua_pushinteger(L, BigInt(typeof e.errno === 'number' ? Math.abs(e.errno) : 0))
    return 3
  }
  const file = (L: number, fnName: string): LuaFile => {
    const id = args.integer(L, 1, fnName)
    const f = files.get(id)
    if (f === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${fnName}: attempt to use a closed file`)
    return f
  }
  return [
    internal('ioOpen', (L) => {
      const path = args.string(L, 1, 'open')
      const mode = args.optString(L, 2, 'open', 'r').replace('b', '')
      const flags = FLAGS[mode]
      if (flags === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #2 to 'open' (invalid mode '${mode}')`)
      try {
        const fd = openSync(path, flags)
        const id = nextId++
        files.set(id, new LuaFile(fd, mode.startsWith('a')))
        raw.lua_pushinteger(L, BigInt(id))
        return 1
      } catch (err) {
        return pushFail(L, err, path)
      }
    }),
    internal('ioReadLine', (L) => {
      if (args.integer(L, 1, 'read') === 0) { raw.lua_pushnil(L); return 1 }
      return pushBytes(L, file(L, 'read').readLine(args.truthy(L, 2)))
    }),
    internal('ioReadN', (L) => {
      if (args.integer(L, 1, 'read') === 0) { raw.lua_pushnil(L); return 1 }
      return pushBytes(L, file(L, 'read').readN(Math.max(0, args.integer(L, 2, 'read'))))
    }),
    internal('ioReadAll', (L) => {
      if (args.integer(L, 1, 'read') === 0) { lua.pushString(L, ''); return 1 }
      return pushBytes(L, file(L, 'read').readAll())
    }),
    internal('ioReadNumber', (L) => {
      if (args.integer(L, 1, 'read') === 0) { raw.lua_pushnil(L); return 1 }
      const f = file(L, 'read')
      let text = ''
      // Skip leading white space, then take the longest run of number characters.
      while (true) {
        const b = f.readN(1)
        if (b === null) break
        const c = String.fromCharCode(b[0])
        if (text === '' && /\s/.test(c)) continue
        if (!/[0-9a-fA-FxX.+\-eEpP]/.test(c)) { f.start--; break }
        text += c
      }
      const n = Number(text)
      if (text === '' || Number.isNaN(n)) { raw.lua_pushnil(L); return 1 }
      // Lua 5.4 reads "42" as the integer 42, and "42.0" or "4e1" as floats.
      if (/^[+-]?(0[xX][0-9a-fA-F]+|\d+)$/.test(text) && Number.isSafeInteger(n)) raw.lua_pushinteger(L, BigInt(n))
      else raw.lua_pushnumber(L, n)
      return 1
    }),
    internal('ioWrite', (L) => {
      const id = args.integer(L, 1, 'write')
      const data = lua.toBytes(L, 2) ?? new Uint8Array(0)
      try {
        if (id === 1 || id === 2) (id === 1 ? process.stdout : process.stderr).write(data)
        else file(L, 'write').write(data)
        raw.lua_pushboolean(L, 1)
        return 1
      } catch (err) {
        return pushFail(L, err)
      }
    }),
    internal('ioClose', (L) => {
      const id = args.integer(L, 1, 'close')
      const f = files.get(id)
      files.delete(id)
      if (f !== undefined) closeSync(f.fd)
      raw.lua_pushboolean(L, 1)
      return 1
    }),
    internal('ioSeek', (L) => {
      const whence = args.string(L, 2, 'seek')
      if (whence !== 'set' && whence !== 'cur' && whence !== 'end') throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #1 to 'seek' (invalid option '${whence}')`)
      raw.lua_pushinteger(L, BigInt(file(L, 'seek').seek(whence, args.integer(L, 3, 'seek'))))
      return 1
    }),
    internal('osRemove', (L) => {
      const path = args.string(L, 1, 'remove')
      try { rmSync(path) } catch (err) { return pushFail(L, err, path) }
      raw.lua_pushboolean(L, 1)
      return 1
    }),
    internal('osRename', (L) => {
      const from = args.string(L, 1, 'rename')
      try { renameSync(from, args.string(L, 2, 'rename')) } catch (err) { return pushFail(L, err, from) }
      raw.lua_pushboolean(L, 1)
      return 1
    }),
    internal('osTmpname', (L) => {
      lua.pushString(L, join(mkdtempSync(join(tmpdir(), 'trackalert-lua-')), 'tmp'))
      return 1
    })
  ]
}
