import { readFileSync } from 'node:fs'
import { TrackalertError } from '../errors.ts'

/**
 * Lua source with comments removed and string contents kept, so call patterns can be found without
 * running anything. Handles `--` line comments, long comments/strings `[[…]]`/`[==[…]==]`, and
 * quoted strings with escapes.
 */
export function stripLuaComments (src: string): string {
  let out = ''
  let i = 0
  const longBracket = (at: number): number => {
    const m = /^\[(=*)\[/.exec(src.slice(at, at + 64))
    return m === null ? -1 : m[1].length
  }
  while (i < src.length) {
    const c = src[i]
    if (c === '-' && src[i + 1] === '-') {
      const level = src[i + 2] === '[' ? longBracket(i + 2) : -1
      if (level >= 0) {
        const close = src.indexOf(`]${'='.repeat(level)}]`, i + 4 + level)
        i = close === -1 ? src.length : close + level + 2
      } else {
        const nl = src.indexOf('\n', i)
        i = nl === -1 ? src.length : nl
      }
      out += ' '
      continue
    }
    if (c === '"' || c === "'") {
      let j = i + 1
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1
      out += src.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (c === '[') {
      const level = longBracket(i)
      if (level >= 0) {
        const close = src.indexOf(`]${'='.repeat(level)}]`, i + 2 + level)
        const end = close === -1 ? src.length : close + level + 2
        out += src.slice(i, end)
        i = end
        continue
      }
    }
    out += c
    i++
  }
  return out
}

function lastLiteralCall (code: string, fn: string): { value: string | null, found: boolean } {
  const call = new RegExp(`(?<![\\w.:])${fn}\\s*\\(?\\s*(?:"((?:[^"\\\\\\n]|\\\\.)*)"|'((?:[^'\\\\\\n]|\\\\.)*)'|([^)\\s]))`, 'g')
  let value: string | null = null
  let found = false
  for (const m of code.matchAll(call)) {
    found = true
    value = m[1] ?? m[2] ?? null
  }
  return { value, found }
}

export interface ClientConfig {
  readonly controlSocket: string
  readonly key: string
}

/**
 * What `trackalert -c`/`-e` needs from trackalert.conf: the string literals passed to
 * controlSocket() and setKey() (the last call wins). Nothing in the file is executed.
 */
export function readClientConfig (file: string): ClientConfig {
  let src: string
  try {
    src = readFileSync(file, 'utf8')
  } catch (err) {
    throw new TrackalertError('TA_ERR_CONSOLE', `cannot read ${file}: ${(err as Error).message}`)
  }
  const code = stripLuaComments(src)
  const cs = lastLiteralCall(code, 'controlSocket')
  const key = lastLiteralCall(code, 'setKey')
  if (!cs.found) throw new TrackalertError('TA_ERR_CONSOLE', `${file} has no controlSocket() call: the console has nothing to connect to`)
  if (!key.found) throw new TrackalertError('TA_ERR_CONSOLE', `${file} has no setKey() call: the console needs the shared key`)
  if (cs.value === null || key.value === null) {
    throw new TrackalertError('TA_ERR_CONSOLE', `${file}: the console client only reads string literals in controlSocket("…") and setKey("…")`)
  }
  return { controlSocket: cs.value, key: key.value }
}
