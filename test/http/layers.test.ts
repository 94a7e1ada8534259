import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The source tree (tests run from dist/test/http). */
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url))

/** Relative import specifiers of a TypeScript file, type-only imports included. */
function relativeImports (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => m[1])
}

function filesUnder (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

test('the HTTP front end imports nothing from the Lua layer: Lua results reach it as plain data', () => {
  const http = join(SRC, 'http')
  const files = filesUnder(http)
  assert.ok(files.length >= 5, `expected the http sources under ${http}`)
  const offending = files.flatMap((file) => relativeImports(file)
    .map((spec) => relative(SRC, resolve(dirname(file), spec)))
    .filter((target) => target.startsWith('lua/') || target.startsWith('lualib/'))
    .map((target) => `${relative(SRC, file)} -> ${target}`))
  assert.deepEqual(offending, [])
})
