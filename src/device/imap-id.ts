/**
 * IMAP ID (RFC 2971) client strings, e.g. Apple Mail's
 *   "name" "Mac OS X Mail" "version" "10.0 (3226)" "os" "Mac OS X" "os-version" "10.12 (16A323)" "vendor" "Apple Inc."
 * The text may also be the full command form `ID ("name" "x" ...)` or `ID NIL`.
 *
 * A hand-written scanner (one pass, no regex backtracking) reads quoted strings with `\"` and `\\` escapes,
 * NIL, `{n}` literals and bare atoms; field names are case-insensitive and the first occurrence wins.
 */
export type ImapIdFields = ReadonlyMap<string, string | null>

type Token = { kind: 'string', value: string } | { kind: 'nil' } | { kind: 'open' } | { kind: 'close' }

export function tokenizeImapId (text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    const ch = text[i]
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') { i++; continue }
    if (ch === '(') { tokens.push({ kind: 'open' }); i++; continue }
    if (ch === ')') { tokens.push({ kind: 'close' }); i++; continue }
    if (ch === '"') {
      // An unterminated string runs to the end of the text rather than being dropped.
      let value = ''
      i++
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) i++
        value += text[i]
        i++
      }
      i++
      tokens.push({ kind: 'string', value })
      continue
    }
    if (ch === '{') {
      const close = text.indexOf('}', i)
      const count = close > i ? Number(text.slice(i + 1, close).replace(/\+$/, '')) : NaN
      if (Number.isSafeInteger(count) && count >= 0) {
        let start = close + 1
        if (text.startsWith('\r\n', start)) start += 2
        else if (text[start] === '\n') start += 1
        tokens.push({ kind: 'string', value: text.slice(start, start + count) })
        i = start + count
        continue
      }
    }
    let end = i
    while (end < n && !' \t\r\n()"'.includes(text[end] as string)) end++
    if (end === i) end++
    const atom = text.slice(i, end)
    tokens.push(atom.toUpperCase() === 'NIL' ? { kind: 'nil' } : { kind: 'string', value: atom })
    i = end
  }
  return tokens
}

/** Field name (lower case) → value (`null` for NIL). */
export function parseImapId (text: string): ImapIdFields {
  let tokens = tokenizeImapId(text)
  // `ID (...)`: the field list is the first parenthesised group; without parentheses take everything.
  const open = tokens.findIndex((t) => t.kind === 'open')
  if (open >= 0) {
    const close = tokens.findIndex((t, idx) => idx > open && t.kind === 'close')
    tokens = tokens.slice(open + 1, close < 0 ? tokens.length : close)
  } else if (tokens[0]?.kind === 'string' && tokens[0].value.toUpperCase() === 'ID' && tokens.length % 2 === 1) {
    tokens = tokens.slice(1)
  }
  const fields = new Map<string, string | null>()
  for (let i = 0; i + 1 < tokens.length; i += 2) {
    const key = tokens[i] as Token
    const value = tokens[i + 1] as Token
    if (key.kind !== 'string') continue
    const name = key.value.toLowerCase()
    if (fields.has(name)) continue
    fields.set(name, value.kind === 'string' ? value.value : null)
  }
  return fields
}

/**
 * `major.minor` from the start of a version such as "10.0 (3226)" or "115.3.1" (upstream's rule). A leading whole
 * number without a minor ("13", "14; UP1A") gives just the major; anything else ("20B110", " 1.0") gives neither.
 */
export function splitVersion (version: string | null | undefined): [string, string] {
  if (version === null || version === undefined) return ['', '']
  const m = /^(\d+)\.(\d+)/.exec(version)
  if (m !== null) return [m[1] ?? '', m[2] ?? '']
  const whole = /^(\d+)(?![0-9A-Za-z])/.exec(version)
  return whole !== null ? [whole[1] ?? '', ''] : ['', '']
}

/** The six IMAP device attributes, always all present ("" when unknown), in sorted key order. */
export function imapDeviceAttrs (text: string): Record<string, string> {
  const fields = parseImapId(text)
  const [major, minor] = splitVersion(fields.get('version'))
  const [osMajor, osMinor] = splitVersion(fields.get('os-version'))
  return {
    'imapc.family': fields.get('name') ?? '',
    'imapc.major': major,
    'imapc.minor': minor,
    'os.family': fields.get('os') ?? '',
    'os.major': osMajor,
    'os.minor': osMinor
  }
}
