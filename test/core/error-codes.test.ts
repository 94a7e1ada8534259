import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorCodes, isTrackalertError } from '../../src/errors.ts'
import { loadGeneration } from '../helpers/generation.ts'

/** The checkout (tests run from dist/test/core). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CODE = /\bTA_ERR_[A-Z_]*[A-Z]\b/g

function filesUnder (dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : [])
}

/** code → the files (relative to the checkout) that name it. */
function codesIn (files: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const file of files) {
    for (const code of new Set(readFileSync(file, 'utf8').match(CODE) ?? [])) {
      found.set(code, [...found.get(code) ?? [], relative(ROOT, file)])
    }
  }
  return found
}

const listed = [...errorCodes].sort()
const sources = filesUnder(join(ROOT, 'src'), '.ts').filter((f) => !f.endsWith(join('src', 'errors.ts')))

test('every error code is raised somewhere in src/, and src/ raises no code outside the list', () => {
  const used = codesIn(sources)
  assert.deepEqual(listed.filter((code) => !used.has(code)), [], 'codes in src/errors.ts that nothing raises')
  assert.deepEqual([...used.keys()].filter((code) => !listed.includes(code as never)).sort(), [], 'codes raised but not listed')
})

test('docs/errors.md lists exactly the codes, and no other page names a code that does not exist', () => {
  assert.deepEqual([...codesIn([join(ROOT, 'docs', 'errors.md')]).keys()].sort(), listed)
  const pages = [...filesUnder(join(ROOT, 'docs'), '.md'), join(ROOT, 'README.md')]
  const unknown = [...codesIn(pages)].filter(([code]) => !listed.includes(code as never)).map(([code, files]) => `${code} in ${files.join(', ')}`)
  assert.deepEqual(unknown, [])
})

test('every Error subclass in src/ is a coded TrackalertError', () => {
  const plain = sources.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/class (\w+) extends (\w*Error)\b/g)]
    .filter((m) => m[2] !== 'TrackalertError' && !(m[1] === 'TrackalertError' && m[2] === 'Error'))
    .map((m) => `${relative(ROOT, file)}: ${m[1]} extends ${m[2]}`))
  assert.deepEqual(plain, [])
})

test('a Lua call stopped by the time limit fails with TA_ERR_LUA_TIMEOUT; an error() with the same words does not', async () => {
  const loaded = await loadGeneration(`
setLuaTimeLimit(50)
setCustomEndpoint("spin", function(args) while true do end end)
setCustomEndpoint("fake", function(args) error("script interrupted: it ran longer than 50 ms") end)
`)
  try {
    const spin = loaded.gen.dispatcher.runAsync('custom', 'spin', null)
    await assert.rejects(spin, (err: unknown) => isTrackalertError(err, 'TA_ERR_LUA_TIMEOUT'))
    const fake = loaded.gen.dispatcher.runAsync('custom', 'fake', null)
    await assert.rejects(fake, (err: unknown) => isTrackalertError(err, 'TA_ERR_LUA_RUNTIME'))
  } finally {
    await loaded.close()
  }
})
