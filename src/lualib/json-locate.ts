import { isTrackalertError, TrackalertError } from '../errors.ts'

/**
 * Finds where JSON text goes wrong, for decode error messages. JSON.parse does the real parsing;
 * its messages do not always carry a position (V8 quotes the text instead), so after a failure
 * this small scanner walks the grammar again and stops at the first bad character.
 */
export function locateJsonError (text: string): string {
  const scanner = new Scanner(text)
  try {
    scanner.document()
  } catch (err) {
    if (isTrackalertError(err, 'TA_ERR_JSON')) return err.message
    if (err instanceof RangeError) return 'Found too many nested data structures'
    throw err
  }
  return 'invalid JSON'
}

const WS = new Set([' ', '\t', '\n', '\r'])
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

class Scanner {
  readonly s: string
  i = 0

  constructor (s: string) { this.s = s }

  fail (expected: string): never {
    const { s, i } = this
    let line = 1
    let col = 1
    for (let k = 0; k < i; k++) {
      if (s[k] === '\n') { line++; col = 1 } else col++
    }
    const found = i >= s.length ? 'the end of the input' : `'${s[i]}'`
    throw new TrackalertError('TA_ERR_JSON', `Expected ${expected} but found ${found} at character ${i + 1} (line ${line}, column ${col})`)
  }

  ws (): void { while (this.i < this.s.length && WS.has(this.s[this.i])) this.i++ }

  document (): void {
    this.ws()
    this.value()
    this.ws()
    if (this.i < this.s.length) this.fail('the end of the input')
  }

  value (): void {
    const c = this.s[this.i]
    if (c === '{') this.object()
    else if (c === '[') this.array()
    else if (c === '"') this.string()
    else if (c === '-' || (c >= '0' && c <= '9')) this.number()
    else if (!this.word('true') && !this.word('false') && !this.word('null')) this.fail('value')
  }

  word (w: string): boolean {
    if (this.s[this.i] !== w[0]) return false
    for (let k = 1; k < w.length; k++) {
      if (this.s[this.i + k] !== w[k]) { this.i += k; this.fail(`'${w}'`) }
    }
    this.i += w.length
    return true
  }

  object (): void {
    this.i++
    this.ws()
    if (this.s[this.i] === '}') { this.i++; return }
    while (true) {
      if (this.s[this.i] !== '"') this.fail('object key string')
      this.string()
      this.ws()
      if (this.s[this.i] !== ':') this.fail("colon ':'")
      this.i++
      this.ws()
      this.value()
      this.ws()
      const c = this.s[this.i]
      if (c === '}') { this.i++; return }
      if (c !== ',') this.fail("comma ',' or object end '}'")
      this.i++
      this.ws()
    }
  }

  array (): void {
    this.i++
    this.ws()
    if (this.s[this.i] === ']') { this.i++; return }
    while (true) {
      this.value()
      this.ws()
      const c = this.s[this.i]
      if (c === ']') { this.i++; return }
      if (c !== ',') this.fail("comma ',' or array end ']'")
      this.i++
      this.ws()
    }
  }

  string (): void {
    this.i++
    while (true) {
      if (this.i >= this.s.length) this.fail("closing quote '\"'")
      const c = this.s[this.i]
      if (c === '"') { this.i++; return }
      if (c < ' ') this.fail('escaped control character')
      if (c === '\\') {
        const e = this.s[this.i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) { this.i += 2; this.fail('4 hex digits after \\u') }
          this.i += 6
          continue
        }
        if (!ESCAPES.has(e)) { this.i++; this.fail('valid escape character') }
        this.i += 2
        continue
      }
      this.i++
    }
  }

  number (): void {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 400))
    if (m === null) { if (this.s[this.i] === '-') this.i++; this.fail('digit') }
    this.i += m[0].length
    const c = this.s[this.i]
    if (c === '.' || c === 'e' || c === 'E') { this.i++; this.fail('digit') }
  }
}
