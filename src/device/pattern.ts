import { TrackalertError } from '../errors.ts'

/**
 * regexes.yaml is written for Python's `re`. JavaScript accepts nearly the same syntax; the constructs that
 * differ are rewritten here before compiling, so a file using them works instead of silently matching
 * something else (JS without the `u` flag would read `\Z` as a literal "Z").
 *
 * Rewritten: `(?P<name>` → `(?<name>`, `(?P=name)` → `\k<name>`, `\A` → `^`, `\Z` → `$`, and a leading
 * `(?i)` becomes the `i` flag. Other inline flags are refused because they have no faithful JS equivalent.
 */
export interface TranslatedPattern {
  readonly source: string
  readonly flags: string
  /** True when anything had to be rewritten (reported at load time). */
  readonly translated: boolean
}

/** Throws TA_ERR_CONFIG_INVALID for a construct with no faithful JavaScript equivalent. */
export function translatePattern (pattern: string, flags: string): TranslatedPattern {
  let src = pattern
  let outFlags = flags
  let translated = false

  const inline = /^\(\?([aiLmsux]+)\)/.exec(src)
  if (inline !== null) {
    const letters = inline[1] ?? ''
    if (letters !== 'i') throw new TrackalertError('TA_ERR_CONFIG_INVALID', `unsupported inline flags (?${letters})`)
    src = src.slice(inline[0].length)
    if (!outFlags.includes('i')) outFlags += 'i'
    translated = true
  }

  let out = ''
  let inClass = false
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]
    if (ch === '\\') {
      const next = src[i + 1] ?? ''
      i++
      if (!inClass && (next === 'A' || next === 'Z')) {
        out += next === 'A' ? '^' : '$'
        translated = true
      } else {
        out += ch + next
      }
      continue
    }
    if (inClass) {
      if (ch === ']') inClass = false
      out += ch
      continue
    }
    if (ch === '[') {
      inClass = true
      out += ch
      // A `]` (or `^]`) right after the opening bracket is a literal in both dialects.
      if (src[i + 1] === '^') { out += '^'; i++ }
      if (src[i + 1] === ']') { out += ']'; i++ }
      continue
    }
    if (ch === '(' && src.startsWith('(?P<', i)) {
      out += '(?<'
      i += 3
      translated = true
      continue
    }
    if (ch === '(' && src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i)
      if (end < 0) throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'unterminated (?P= backreference')
      out += `\\k<${src.slice(i + 4, end)}>`
      i = end
      translated = true
      continue
    }
    if (ch === '(' && /^\(\?[aiLmsux]+\)/.test(src.slice(i, i + 12))) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'inline flags are only supported at the start of a pattern')
    }
    out += ch
  }
  return { source: out, flags: outFlags, translated }
}

type QuantifierKind = 'fixed' | 'variable' | 'unbounded'

/** The quantifier starting at `at` (kind and length), or undefined. */
function quantifierAt (src: string, at: number): [QuantifierKind, number] | undefined {
  const c = src[at]
  if (c === '*' || c === '+') return ['unbounded', src[at + 1] === '?' ? 2 : 1]
  if (c === '?') return ['variable', 1]
  if (c !== '{') return undefined
  const m = /^\{(\d*)(,?)(\d*)\}/.exec(src.slice(at, at + 24))
  if (m === null) return undefined
  const kind: QuantifierKind = m[2] === '' || m[1] === m[3] ? 'fixed' : (m[3] === '' ? 'unbounded' : 'variable')
  return [kind, m[0].length + (src[at + m[0].length] === '?' ? 1 : 0)]
}

/**
 * Heuristic ReDoS check (star height > 1): a group whose content can vary in length, repeated without bound,
 * as in `(a+)+` or `(\w+\s?)*`. uap-core's own file has none; a custom -R file gets a warning per hit.
 * Alternation ambiguity such as `(a|aa)+` is not detected.
 */
export function hasNestedQuantifier (src: string): boolean {
  const variable: boolean[] = [false]
  let i = 0
  const afterAtom = (groupVariable: boolean): boolean => {
    const q = quantifierAt(src, i)
    if (q !== undefined) i += q[1]
    if (q?.[0] === 'unbounded' && groupVariable) return true
    if (groupVariable || (q !== undefined && q[0] !== 'fixed')) variable[variable.length - 1] = true
    return false
  }
  while (i < src.length) {
    const c = src[i]
    if (c === '\\') {
      i += 2
      if (afterAtom(false)) return true
    } else if (c === '[') {
      i++
      if (src[i] === '^') i++
      if (src[i] === ']') i++
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1
      i++
      if (afterAtom(false)) return true
    } else if (c === '(') {
      variable.push(false)
      i++
    } else if (c === ')') {
      const inner = variable.length > 1 ? variable.pop() === true : false
      i++
      if (afterAtom(inner)) return true
    } else {
      i++
      if (afterAtom(false)) return true
    }
  }
  return false
}
