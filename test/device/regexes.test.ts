import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTrackalertError } from '../../src/errors.ts'
import { logger, StreamSink, type LogSink } from '../../src/log/index.ts'
import { DeviceParser } from '../../src/device/index.ts'
import { compileRegexesText, defaultRegexesFile, loadRegexes } from '../../src/device/regexes.ts'
import { hasNestedQuantifier, translatePattern } from '../../src/device/pattern.ts'

let dir: string
before(async () => { dir = await mkdtemp(join(tmpdir(), 'ta-device-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

async function file (name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

const custom = `
user_agent_parsers:
  - regex: '(AcmeMail)/(\\d+)\\.(\\d+)'
  - regex: 'Legacy(?P<v>\\d+)'
    family_replacement: 'Legacy Client $1'
    v1_replacement: 5
os_parsers:
  - regex: 'AcmeOS (\\d+)_(\\d+)'
    os_replacement: 'Acme OS'
    os_v1_replacement: '$1'
    os_v2_replacement: '$2'
  - regex: '(?i)plan ?(\\d)\\Z'
    os_replacement: 'Plan $1'
    os_v1_replacement: '$1'
device_parsers:
  - regex: 'acmephone ([a-z0-9]+)'
    regex_flag: 'i'
    device_replacement: 'Acme $1'
    brand_replacement: 'Acme'
    model_replacement: '$1'
`

test('-R/--regexes: a custom regexes file replaces uap-core\'s', async () => {
  const path = await file('custom.yaml', custom)
  const parser = new DeviceParser({ regexesFile: path })
  assert.equal(parser.regexesFile, path)
  assert.deepEqual({ ...parser.parse('http', 'AcmeMail/4.2 (AcmeOS 3_1; ACMEPHONE X200)') }, {
    'browser.family': 'AcmeMail',
    'browser.major': '4',
    'browser.minor': '2',
    'device.brand': 'Acme',
    'device.family': 'Acme X200',
    'device.model': 'X200',
    'os.family': 'Acme OS',
    'os.major': '3',
    'os.minor': '1'
  })
  // Python-only syntax ((?P<name>), \Z, leading (?i)) is rewritten; numeric replacements are text
  const legacy = parser.parse('http', 'Legacy7 on PLAN9')
  assert.equal(legacy['browser.family'], 'Legacy Client 7')
  assert.equal(legacy['browser.major'], '5')
  assert.equal(legacy['os.family'], 'Plan 9')
  assert.equal(legacy['os.major'], '9')
  assert.equal(parser.parse('http', 'Legacy7 on PLAN9 trailing')['os.family'], 'Other', '\\Z anchors at the end')
  assert.equal(loadRegexes(path).translatedCount, 2)
  assert.equal(parser.parse('http', 'curl/8.0')['browser.family'], 'Other', 'uap-core rules are not merged in')
})

test('the default regexes file is uap-core\'s and is compiled once', () => {
  assert.match(defaultRegexesFile(), /node_modules[/\\]uap-core[/\\]regexes\.yaml$/)
  assert.equal(loadRegexes(), loadRegexes())
  assert.equal(new DeviceParser().regexesFile, defaultRegexesFile())
})

test('a broken regexes file is TA_ERR_CONFIG_INVALID naming the file', async () => {
  const broken: Array<[string, string, RegExp]> = [
    ['bad-yaml.yaml', 'user_agent_parsers: [\n  - regex: "x', /not valid YAML/],
    ['scalar.yaml', 'just text', /expected a mapping/],
    ['list.yaml', '- a\n- b', /expected a mapping/],
    ['empty-map.yaml', 'something_else: []', /none of user_agent_parsers/],
    ['not-list.yaml', 'os_parsers: {regex: x}', /os_parsers must be a list/],
    ['no-regex.yaml', 'device_parsers:\n  - device_replacement: x', /device_parsers\[0\] has no regex/],
    ['bad-regex.yaml', "user_agent_parsers:\n  - regex: 'ok'\n  - regex: '(unclosed'", /user_agent_parsers\[1\] regex does not compile/],
    ['unknown-key.yaml', "os_parsers:\n  - regex: 'x'\n    family_replacement: y", /unknown key "family_replacement"/],
    ['bad-flag.yaml', "device_parsers:\n  - regex: 'x'\n    regex_flag: 'g'", /regex_flag must be "i"/],
    ['flag-in-ua.yaml', "user_agent_parsers:\n  - regex: 'x'\n    regex_flag: 'i'", /only allowed in device_parsers/],
    ['inline-flag.yaml', "os_parsers:\n  - regex: '(?s)a.b'", /unsupported inline flags/],
    ['nested-value.yaml', "os_parsers:\n  - regex: 'x'\n    os_replacement: [a]", /must be a string/]
  ]
  for (const [name, text, reason] of broken) {
    const path = await file(name, text)
    assert.throws(() => new DeviceParser({ regexesFile: path }), (err: unknown) => {
      assert.ok(isTrackalertError(err, 'TA_ERR_CONFIG_INVALID'), `${name}: ${String(err)}`)
      assert.ok((err as Error).message.includes(path), `${name}: message names the file`)
      assert.match((err as Error).message, reason, name)
      return true
    })
  }
  const missing = join(dir, 'does-not-exist.yaml')
  assert.throws(() => new DeviceParser({ regexesFile: missing }),
    (err: unknown) => isTrackalertError(err, 'TA_ERR_CONFIG_INVALID') && (err as Error).message.includes(missing))
})

test('a missing section counts as empty', () => {
  const compiled = compileRegexesText("os_parsers:\n  - regex: 'Solaris'\n    os_replacement: 'Solaris'", 'inline')
  assert.equal(compiled.userAgent.length, 0)
  assert.equal(compiled.device.length, 0)
  assert.equal(compiled.os.length, 1)
})

test('a regex that may backtrack catastrophically is reported at load time', async () => {
  const warnings: unknown[] = []
  const sink: LogSink = { write: (_level, message, fields) => { warnings.push({ message, fields }) } }
  logger.setSinks([sink])
  try {
    const path = await file('nested.yaml', "user_agent_parsers:\n  - regex: '(\\w+\\s?)+$'\n  - regex: 'fine (\\d+)'")
    loadRegexes(path)
    assert.deepEqual(warnings, [{
      message: 'device regex may backtrack catastrophically (nested unbounded quantifier)',
      fields: { file: path, rule: 'user_agent_parsers[0]' }
    }])
  } finally {
    logger.setSinks([new StreamSink()])
  }
})

test('the length bound keeps a polynomial custom regex affordable', async () => {
  // Cubic backtracking: without the cut, 100k characters would take hours; with it, it returns.
  const path = await file('cubic.yaml', "user_agent_parsers:\n  - regex: '^[ab]*[ab]*[ab]*c'")
  const parser = new DeviceParser({ regexesFile: path, cacheSize: 0 })
  assert.equal(parser.parse('http', 'a'.repeat(100_000))['browser.family'], 'Other')
})

test('translatePattern', () => {
  assert.deepEqual(translatePattern('(?P<x>a)(?P=x)', ''), { source: '(?<x>a)\\k<x>', flags: '', translated: true })
  assert.deepEqual(translatePattern('\\Aab\\Z', 'i'), { source: '^ab$', flags: 'i', translated: true })
  assert.deepEqual(translatePattern('(?i)ab', ''), { source: 'ab', flags: 'i', translated: true })
  assert.deepEqual(translatePattern('[\\Z\\]A]\\-x', ''), { source: '[\\Z\\]A]\\-x', flags: '', translated: false })
  assert.deepEqual(translatePattern('[]P=]', ''), { source: '[]P=]', flags: '', translated: false })
  assert.throws(() => translatePattern('(?m)^a', ''), /unsupported inline flags/)
  assert.throws(() => translatePattern('a(?i)b', ''), /only supported at the start/)
})

test('hasNestedQuantifier', () => {
  for (const bad of ['(a+)+$', '(\\w+\\s?)*$', '(a{1,5})+', '([a-z]+)*x', '((ab)*c)+', '(?:x*y)+']) {
    assert.equal(hasNestedQuantifier(bad), true, bad)
  }
  for (const ok of ['(ab)+', 'a+b+', '(?:x|y)+', '(a+){3}', '[(+)]+', '\\(a+\\)+', '(Chrome)/(\\d+)\\.(\\d+)', '^.{0,200}?(x)']) {
    assert.equal(hasNestedQuantifier(ok), false, ok)
  }
})
