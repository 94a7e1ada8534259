import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** The fixtures stay in the source tree; compiled tests live at different depths (.build/<area>, dist). */
export function fixturesDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'test', 'device', 'fixtures')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error('test/device/fixtures not found above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
}

export type Row = Array<string | null>

export function loadCases (name: string): Row[] {
  const doc = parse(readFileSync(join(fixturesDir(), name), 'utf8')) as { test_cases: Row[] }
  return doc.test_cases
}
