import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * How a ```lua block of the documentation is checked, given by the words after `lua` in its
 * info string (docs/README.md explains the convention to writers):
 *
 * - `config`: a whole trackalert.conf, loaded as it is;
 * - `report`: the body of a report function (`lt` in scope), wrapped into one and registered;
 * - `schedule`: configuration lines that schedule background functions defined elsewhere: a
 *   do-nothing function is registered first for each name they schedule;
 * - with `load-only` added: the code needs a service the test does not have (Elasticsearch,
 *   Redis, an SMTP relay, an HTTP server), so it is loaded but its functions are not called.
 */
export type Treatment = 'config' | 'report' | 'schedule'

export interface Snippet {
  /** `docs/webhooks.md:7`: where the fence opens, for test names and failures. */
  readonly where: string
  readonly code: string
  /** The words after `lua` in the info string. */
  readonly words: readonly string[]
}

export interface PreparedSnippet {
  readonly config: string
  /** False for `load-only` blocks: their report, custom and background functions are not called. */
  readonly call: boolean
}

const TREATMENTS: readonly string[] = ['config', 'report', 'schedule']
const FENCE = /^( *)```(\S*)(.*)$/

/** Every fenced block whose language is `lua`, indented ones (inside list items) included. */
export function extractLuaBlocks (file: string, text: string): Snippet[] {
  const lines = text.split('\n')
  const out: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string)
    if (open === null) continue
    const indent = (open[1] as string).length
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !/^ *```\s*$/.test(lines[j] as string)) body.push((lines[j++] as string).slice(indent))
    if (j === lines.length) throw new Error(`${file}:${i + 1}: code fence never closed`)
    if (open[2] === 'lua') out.push({ where: `${file}:${i + 1}`, code: body.join('\n'), words: (open[3] as string).trim().split(/\s+/).filter(Boolean) })
    i = j
  }
  return out
}

/** Turns a block into the configuration the test loads; throws when the block has no known treatment. */
export function prepareSnippet (s: Snippet): PreparedSnippet {
  const treatment = s.words.find((w) => TREATMENTS.includes(w))
  const unknown = s.words.filter((w) => !TREATMENTS.includes(w) && w !== 'load-only')
  if (treatment === undefined || unknown.length > 0 || s.words.length > 2) {
    throw new Error(`${s.where}: \`\`\`lua block without a known treatment (info string "lua ${s.words.join(' ')}"); ` +
      'use "lua config", "lua report" or "lua schedule", optionally followed by "load-only" (see docs/README.md)')
  }
  const call = !s.words.includes('load-only')
  if (treatment === 'config') return { config: s.code, call }
  if (treatment === 'report') return { config: `function report(lt)\n${s.code}\nend\nsetReport(report)\n`, call }
  const names = new Set([...s.code.matchAll(/ScheduleBackgroundFunc\(\s*"[^"]*"\s*,\s*"([^"]+)"/g)].map((m) => m[1] as string))
  if (names.size === 0) throw new Error(`${s.where}: a "schedule" block that schedules nothing`)
  const stubs = [...names].map((n) => `setBackground(${JSON.stringify(n)}, function() end)`).join('\n')
  return { config: `${stubs}\n${s.code}\n`, call }
}

/** README.md and docs/*.md, relative to the repository root, in a stable order. */
export function documentationFiles (root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)
  return ['README.md', ...docs]
}

export function allSnippets (root: string): Snippet[] {
  return documentationFiles(root).flatMap((f) => extractLuaBlocks(f, readFileSync(join(root, f), 'utf8')))
}
