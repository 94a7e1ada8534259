import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { consoleCommands, parseKey } from '../../src/console/index.ts'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { consoleConfig, consoleExec, runCli, writeClientConfig } from './helpers.ts'
import { eventually } from '../helpers/poll.ts'

/** What a new user gets right: the first key, a bad key, failed commands, help(), a quiet log. */

const KEY_LINE = /^setKey\("([A-Za-z0-9+/]{43}=)"\)\n$/

/** `text` as a regular expression that matches it literally. */
const lit = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** All lines of `output` that match `re`. */
const linesMatching = (output: string, re: RegExp): string[] => output.split('\n').filter((line) => re.test(line))

interface Shared { d: RunningDaemon, client: string }
let shared: Promise<Shared> | undefined
/** A verbose two-worker daemon with a console, shared by the tests that neither break nor stop it. */
function sharedDaemon (): Promise<Shared> {
  shared ??= (async () => {
    const cons = consoleConfig()
    const d = await startDaemon({ config: `setNumWorkerThreads(2)\n${cons.lines}`, args: ['-v'] })
    return { d, client: await writeClientConfig(d, cons.key) }
  })()
  return shared
}
after(async () => { if (shared !== undefined) await (await shared).d.stop() })

test('a placeholder setKey() is reported once, at error level, with file:line, and the console is disabled', async (t) => {
  // The README's minimal config with its placeholder, in a daemon of two workers (3 processes x 7 Lua states).
  const d = await startDaemon({
    config: [
      'setNumWorkerThreads(2)',
      'setNumLuaStates(6)',
      'controlSocket("127.0.0.1:0")',
      'setKey("…")',
      'setNumReportThreads(2)'
    ].join('\n') + '\n'
  })
  t.after(() => d.stop())
  const errors = linesMatching(d.output(), /setKey\(\)/)
  assert.equal(errors.length, 1, d.output())
  // The config file as given on the command line (startDaemon gives an absolute path); lines 1-2
  // are startDaemon's listener and password.
  const file = lit(d.configFile)
  assert.match(errors[0] as string, new RegExp(`^err ${file}:6: setKey`))
  assert.match(errors[0] as string, /: setKey\(\): the key must be the base64 encoding of 32 bytes \(make one with trackalert --make-key\); the console is disabled/)
  assert.doesNotMatch(d.output(), /controlSocket\(\) without setKey\(\)/, 'one message about the key, not two')
  // Other config warnings too: once for the whole daemon, naming the line.
  const deprecated = linesMatching(d.output(), /setNumReportThreads\(\) is deprecated/)
  assert.deepEqual(deprecated.length, 1, d.output())
  assert.match(deprecated[0] as string, new RegExp(`^warning ${file}:7: `))
  // The console client reading the same file says what to do.
  const client = await consoleExec(d.configFile, 'stats()')
  assert.equal(client.code, 1)
  assert.match(client.stderr, /setKey\(\) needs the base64 encoding of 32 bytes \(make one with trackalert --make-key\)/)
})

test('--make-key and -e \'makeKey()\' print a key line without a config or a daemon; the daemon accepts it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-key-'))
  const made = await runCli(['--make-key'], { cwd: dir })
  assert.equal(made.code, 0, made.stderr)
  assert.equal(made.stderr, '')
  const key = KEY_LINE.exec(made.stdout)?.[1]
  assert.ok(key !== undefined, made.stdout)
  assert.equal(parseKey(key)?.length, 32)

  const local = await runCli(['-C', join(dir, 'missing.conf'), '-e', 'makeKey()'], { cwd: dir })
  assert.equal(local.code, 0, local.stderr)
  assert.match(local.stdout, KEY_LINE)
  assert.notEqual(local.stdout, made.stdout, 'a fresh key each time')

  // The README's step: append the line to the config; after a reload the daemon and its client share the key.
  const d = await startDaemon({ config: 'setNumWorkerThreads(1)\ncontrolSocket("127.0.0.1:0")\n', dir })
  t.after(() => d.stop())
  await appendFile(d.configFile, made.stdout)
  d.child.kill('SIGHUP')
  await d.waitForOutput('configuration reloaded')
  const ok = await consoleExec(await writeClientConfig(d, key), 'testCrypto("hello")')
  assert.equal(ok.code, 0, ok.stderr)
  assert.equal(ok.stdout, 'Everything is ok!\n')
})

test('-e exits 1 when the command raises a Lua error, printing the error as before; 0 otherwise', async () => {
  const { client } = await sharedDaemon()
  const failed = await consoleExec(client, 'error("broken")')
  assert.equal(failed.code, 1)
  assert.match(failed.stdout, /^Error: .*broken\n$/)
  assert.equal(failed.stderr, '')

  const printedFirst = await consoleExec(client, 'print("before") local t = nil; return t.x')
  assert.equal(printedFirst.code, 1)
  assert.match(printedFirst.stdout, /^before\nError: .*attempt to index a nil value/)

  const syntax = await consoleExec(client, 'this is not lua')
  assert.equal(syntax.code, 1)
  assert.match(syntax.stdout, /^Error: /)

  for (const [cmd, reply] of [['1+2', '3\n'], ['print("Errors: none")', 'Errors: none\n'], ['stats()', '0 reports\n']]) {
    const r = await consoleExec(client, cmd as string)
    assert.equal(r.code, 0, `${cmd as string}: ${r.stdout}`)
    assert.equal(r.stdout, reply)
  }
})

test('-e \'reloadConfig()\' exits 1 when the reload fails and 0 once the config is fixed', async (t) => {
  const cons = consoleConfig()
  const d = await startDaemon({ config: `setNumWorkerThreads(2)\n${cons.lines}` })
  t.after(() => d.stop())
  const client = await writeClientConfig(d, cons.key)
  const good = await readFile(d.configFile, 'utf8')
  await writeFile(d.configFile, `${good}nosuchfunction()\n`)
  const failed = await consoleExec(client, 'reloadConfig()')
  assert.equal(failed.code, 1, failed.stdout)
  assert.match(failed.stdout, /^Error: .*reload failed, still running the previous configuration: .*trackalert\.conf:6:/)

  await writeFile(d.configFile, good)
  const ok = await consoleExec(client, 'reloadConfig()')
  assert.equal(ok.code, 0, ok.stdout)
  assert.equal(ok.stdout, 'reloadConfig() successful\n')
})

test('help() lists every console command with a one-line description', async () => {
  const { client } = await sharedDaemon()
  const r = await consoleExec(client, 'help()')
  assert.equal(r.code, 0, r.stdout)
  const lines = r.stdout.split('\n')
  for (const command of consoleCommands) {
    const shown = command.usage ?? command.call
    const line = lines.find((l) => l.startsWith(`${shown} `))
    assert.ok(line !== undefined, `help() lists ${command.name}:\n${r.stdout}`)
    assert.match(line, new RegExp(`^${lit(shown)} +\\S.{10,}$`), `a description for ${command.name}`)
  }
  assert.ok(consoleCommands.some((c) => c.name === 'help'))
})

test('a console connection is logged at debug level only', async () => {
  const { d, client } = await sharedDaemon()
  const r = await consoleExec(client, 'showVersion()')
  assert.equal(r.code, 0)
  // The daemon runs with -v, so the lines appear, and with their level.
  await eventually(() => /^debug Closed console connection/m.test(d.output()), 'the closed-connection line')
  assert.match(d.output(), /^debug Got console connection/m)
  assert.doesNotMatch(d.output(), /^info (Got|Closed) console connection/m)
})
