// Every ```lua block in README.md and docs/*.md must run. The words after `lua` in the block's info
// string say how it is checked (test/docs/snippets.ts; the convention for writers is in docs/README.md):
// `config` whole files, `report` report-function bodies, `schedule` scheduling lines, `load-only`
// for code that needs Elasticsearch, Redis, SMTP or HTTP. A block without a known treatment fails.
// Blocks are loaded in-process by the daemon's own configuration loader (src/generation.ts), then
// their report, custom and background functions are called; a Lua error or an error logged
// on the way fails the block.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VERSION } from '../../src/version.ts'
import { london } from '../geoip/fixtures.ts'
import { writeMmdb } from '../geoip/mmdb-writer.ts'
import { repoRoot } from '../lualib/harness.ts'
import { runConfigFile, runSnippet } from './snippet-loader.ts'
import { allSnippets, extractLuaBlocks, prepareSnippet } from './snippets.ts'

const root = repoRoot()
const snippets = allSnippets(root)
const dir = await mkdtemp(join(tmpdir(), 'trackalert-docs-'))
// Lua's os.getenv sees the environment as it is when the first Lua runtime starts: set it first.
process.env.TA_GEOIP_CITY = join(dir, 'city.mmdb')

before(async () => {
  await writeMmdb(join(dir, 'city.mmdb'), [{ network: '81.2.69.0/24', data: london }], { ipVersion: 6, databaseType: 'GeoLite2-City' })
})
after(async () => { await rm(dir, { recursive: true, force: true }) })

test('the documentation has Lua blocks in the README and the pages that explain the Lua API', () => {
  const files = new Set(snippets.map((s) => s.where.split(':')[0]))
  for (const f of ['README.md', 'docs/webhooks.md', 'docs/lua-library.md', 'docs/background.md', 'docs/console.md', 'docs/devices.md']) {
    assert.ok(files.has(f), `no lua block found in ${f}`)
  }
})

for (const snippet of snippets) {
  test(`${snippet.where} (lua ${snippet.words.join(' ')})`, async () => {
    const prepared = prepareSnippet(snippet)
    const result = await runSnippet(dir, prepared.config, prepared.call)
    assert.deepEqual(result.errors, [], `${snippet.where} logged errors:\n${result.errors.join('\n')}\n--- loaded as ---\n${prepared.config}`)
    if (prepared.call && /\bfunction\b/.test(snippet.code)) {
      assert.ok(result.called.length > 0, `${snippet.where} defines functions but registers none the test could call`)
    }
    // The sample reports include a user on a second device: a policy that alerts must alert for them.
    if (prepared.call && /^(?!\s*--).*\brunCustomWebHook\(/m.test(snippet.code)) {
      assert.ok(result.hookRuns > 0, `${snippet.where} never reached runCustomWebHook() for the sample reports`)
    }
  })
}

test('a block without a treatment, or with an unknown one, is refused rather than skipped', () => {
  const md = ['```lua', 'x = 1', '```', '', '```lua config loud', 'x = 1', '```'].join('\n')
  const [bare, odd] = extractLuaBlocks('t.md', md)
  assert.throws(() => prepareSnippet(bare!), /t\.md:1: ```lua block without a known treatment/)
  assert.throws(() => prepareSnippet(odd!), /t\.md:5: ```lua block without a known treatment/)
})

test('a snippet with a Lua error fails, and so does one that makes the daemon log an error', async () => {
  await assert.rejects(runSnippet(dir, 'is_new_device()\n', true), /attempt to call a nil value \(global 'is_new_device'\)/)
  const report = prepareSnippet({ where: 't.md:1', words: ['report'], code: 'if is_new_device(lt) then end' })
  const broken = await runSnippet(dir, report.config, report.call)
  assert.match(broken.errors.join('\n'), /is_new_device/)
  const badKey = await runSnippet(dir, 'setKey("…")\n', true)
  assert.match(badKey.errors.join('\n'), /setKey\(\): the key must be the base64 encoding of 32 bytes/)
})

test('examples/new-country loads with the daemon\'s configuration loader', async () => {
  const example = join(root, 'examples', 'new-country')
  const cwd = process.cwd()
  // The daemon runs from the configuration's folder: require() finds lua/newcountry.lua from there.
  process.chdir(example)
  try {
    const result = await runConfigFile(join(example, 'trackalert.conf'), false)
    assert.deepEqual(result.errors, [])
  } finally {
    process.chdir(cwd)
  }
})

test('docs/console.md shows the version string the daemon prints', async () => {
  const text = await readFile(join(root, 'docs', 'console.md'), 'utf8')
  const sample = /> showVersion\(\)\n\s+(.*)\n/.exec(text)
  assert.ok(sample !== null, 'no showVersion() sample in docs/console.md')
  assert.equal(sample[1], `trackalert ${VERSION}`)
})
