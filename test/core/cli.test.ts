import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon, request } from '../helpers/daemon.ts'
import { runCli } from '../helpers/cli-run.ts'

const FLAGS = ['-C', '--config', '-s', '-d', '--daemon', '--pidfile', '-D', '--docker', '-R', '--regexes', '-f', '--facility',
  '-l', '--loglevel', '-v', '--verbose', '--log-format', '-c', '-e', '--execute', '--console-cipher', '--make-key', '-h', '--help', '--version']

test('-h lists every flag and names trackalert', async () => {
  const r = await runCli(['-h'])
  assert.equal(r.code, 0)
  assert.match(r.stdout, /^Usage: trackalert /)
  for (const flag of FLAGS) assert.match(r.stdout, new RegExp(`(^|[\\s,])${flag}([\\s,=]|$)`, 'm'), flag)
  assert.equal(r.stderr, '')
})

test('--version prints the name and a version', async () => {
  const r = await runCli(['--version'])
  assert.equal(r.code, 0)
  assert.match(r.stdout, /^trackalert \S+\n$/)
})

test('usage errors print the usage on stderr and exit 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /bogus/],
    [['-l', '9'], /loglevel.*'9'/],
    [['-s', '-d'], /mutually exclusive/]
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(args)))
  results.forEach((r, i) => {
    const [args, reason] = cases[i]
    assert.equal(r.code, 2, args.join(' '))
    assert.match(r.stderr, /^trackalert: /, args.join(' '))
    assert.match(r.stderr, reason, args.join(' '))
    assert.match(r.stderr, /Usage: trackalert /, args.join(' '))
    assert.equal(r.stdout, '', args.join(' '))
  })
})

test('without -C and without a default config file the daemon exits non-zero with a message', { skip: existsSync('/etc/wforce/trackalert.conf') || existsSync('/etc/trackalert.conf') ? 'a default config exists on this machine' : false }, async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'ta-core-cli-'))
  const r = await runCli(['-s'], { cwd })
  assert.notEqual(r.code, 0)
  assert.match(r.stdout + r.stderr, /\/etc\/wforce(\/trackalert\.conf)?/)
})

test('--log-format json writes one JSON object per log line', async (t) => {
  const d = await startDaemon({ config: 'infoLog("hello", { who = "json" })\n', args: ['--log-format', 'json'] })
  t.after(() => d.stop())
  const lines = d.output().trim().split('\n')
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  const hello = records.find((r) => r.msg === 'hello')
  assert.ok(hello !== undefined, d.output())
  assert.equal(hello.level, 'info')
  assert.equal(hello.who, 'json')
  assert.ok(!Number.isNaN(Date.parse(String(hello.time))))
  const listening = records.find((r) => r.msg === 'listening for HTTP commands')
  const port = String(listening?.address).split(':')[1]
  assert.equal((await request(`http://127.0.0.1:${port}/command/livez`, { auth: false })).status, 200)
})
