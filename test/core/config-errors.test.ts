import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { runCli, type CliResult } from '../helpers/cli-run.ts'

/** Starts the daemon on a config that must fail; resolves with its exit code and output. */
async function failing (config: string, bare = false): Promise<Failure> {
  const d = await startDaemon({ config, bare, waitFor: null })
  const code = await d.exited
  return { code, out: d.output(), file: d.configFile }
}

/** Line number (1-based) of the first config line containing `marker`, counting the 2 lines the helper adds. */
const lineOf = (config: string, marker: string): number => 2 + config.split('\n').findIndex((l) => l.includes(marker)) + 1

const SYNTAX = 'setNumLuaStates(2)\nfunction report(lt)\n  if lt.success then\nend\nsetReport(report)\n'
const RUNTIME = 'local t = {}\nlocal n = nil\nt.x = n.y -- here\n'

type Failure = { code: number | null, out: string, file: string }
let busy: Server
let dir: string
const runs: Record<string, Promise<Failure>> = {}
let cli: Promise<CliResult[]>

// Every start-up that must fail is launched at once: each costs a process start, not a test slot.
before(async () => {
  busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  const port = (busy.address() as { port: number }).port
  dir = await mkdtemp(join(tmpdir(), 'ta-core-cfg-'))
  runs.syntax = failing(SYNTAX)
  runs.runtime = failing(RUNTIME)
  runs.inUse = failing(`addListener("127.0.0.1:${port}", false, "", "", {})\nsetWebserverPassword("x")\n`, true)
  cli = Promise.all([runCli(['-s', '-C', join(dir, 'missing.conf')])])
  // Keep rejections attached until the tests look at them.
  for (const p of Object.values(runs)) p.catch(() => {})
  cli.catch(() => {})
  await startProbe()
})
after(async () => {
  await Promise.allSettled([...Object.values(runs), cli])
  await new Promise<void>((resolve) => busy.close(() => resolve()))
})

test('a syntax error stops start-up with file:line, exit code non-zero', async () => {
  const r = await runs.syntax
  assert.notEqual(r.code, 0)
  assert.ok(r.out.includes(`${r.file}:`), r.out)
  assert.match(r.out, /error loading configuration: .*trackalert\.conf:\d+: .*'end' expected/)
  assert.doesNotMatch(r.out, /trackalert ready/)
})

test('a runtime error stops start-up naming the exact line', async () => {
  const r = await runs.runtime
  assert.notEqual(r.code, 0)
  assert.ok(r.out.includes(`${r.file}:${lineOf(RUNTIME, '-- here')}: attempt to index a nil value`), r.out)
})

test('a missing config file exits non-zero naming the file', async () => {
  const [r] = await cli
  assert.notEqual(r.code, 0)
  assert.ok((r.stdout + r.stderr).includes(join(dir, 'missing.conf')), r.stdout + r.stderr)
})

test('a listener address already in use fails start-up naming the address', async () => {
  const r = await runs.inUse
  const port = (busy.address() as { port: number }).port
  assert.notEqual(r.code, 0)
  assert.ok(r.out.includes(`127.0.0.1:${port}`), r.out)
  assert.match(r.out, /EADDRINUSE|in use/)
})

/**
 * Bad arguments, each caught with pcall in the config so one daemon checks them all. Config-only
 * functions only act (and so only raise) in the config state; the others raise in every state.
 */
const BAD_CALLS: Array<[string, string, RegExp]> = [
  ['setNumLuaStates(0)', 'setNumLuaStates', /setNumLuaStates: expected a positive number/],
  ['setNumLuaStates(-3)', 'setNumLuaStates', /setNumLuaStates/],
  ['setNumLuaStates("many")', 'setNumLuaStates', /bad argument #1 to 'setNumLuaStates' \(number expected, got string\)/],
  ['setNumLuaStates(1.5)', 'setNumLuaStates', /setNumLuaStates.*integer/],
  ['setLuaTimeLimit(0)', 'setLuaTimeLimit', /setLuaTimeLimit/],
  ['setMaxRequestBodySize(0)', 'setMaxRequestBodySize', /setMaxRequestBodySize/],
  ['setMaxWebserverConns(-1)', 'setMaxWebserverConns', /setMaxWebserverConns/],
  ['setACL("127.0.0.1/32")', 'setACL', /bad argument #1 to 'setACL' \(table expected, got string\)/],
  ['setACL({"not a netmask"})', 'setACL', /setACL: 'not a netmask' is not a netmask/],
  ['addACL("10.0.0.0/33")', 'addACL', /addACL: '10\.0\.0\.0\/33'/],
  ['addACL()', 'addACL', /bad argument #1 to 'addACL'/],
  ['addListener("nonsense", false, "", "", {})', 'addListener', /addListener: 'nonsense' is not an IP:port address/],
  ['addListener("127.0.0.1", false, "", "", {})', 'addListener', /addListener: '127\.0\.0\.1'/],
  ['setWebserverPassword()', 'setWebserverPassword', /bad argument #1 to 'setWebserverPassword' \(string expected, got no value\)/],
  ['setReport("report")', 'setReport', /bad argument #1 to 'setReport' \(function expected, got string\)/],
  ['setCustomEndpoint("bad name!", function() end)', 'setCustomEndpoint', /setCustomEndpoint: 'bad name!' is not a valid endpoint name/],
  ['setCustomEndpoint("ok", 5)', 'setCustomEndpoint', /bad argument #2 to 'setCustomEndpoint' \(function expected, got number\)/],
  ['addCustomStat()', 'addCustomStat', /bad argument #1 to 'addCustomStat'/],
  ['infoLog("msg", "not a table")', 'infoLog', /bad argument #2 to 'infoLog' \(table expected, got string\)/],
  ['newCA("mail.example.com")', 'newCA', /newCA: 'mail\.example\.com' is not an IP address/]
]

let probe: RunningDaemon
/** Called from the first before hook, so the probe starts while the failing start-ups run. */
async function startProbe (): Promise<void> {
  const lines = BAD_CALLS.map(([call], i) =>
    `do local ok, err = pcall(function() ${call} end) if not ok then infoLog("bad-call", { i = "${i}", err = err }) end end`)
  probe = await startDaemon({ config: 'setNumLuaStates(1)\n' + lines.join('\n') + '\n' })
}
after(() => probe?.stop())

test('bad arguments to config functions raise errors that name the function and the line', () => {
  const out = probe.output()
  BAD_CALLS.forEach(([call, , expected], i) => {
    const line = out.split('\n').find((l) => l.includes(`bad-call err=`) && l.endsWith(` i="${i}"`))
    assert.ok(line !== undefined, `${call} did not raise; output:\n${out}`)
    assert.match(line, expected, call)
    // Line 3 is setNumLuaStates(1); the calls follow it in order.
    assert.ok(line.includes(`${probe.configFile}:${4 + i}:`), `${call}: ${line}`)
  })
})

test('a config whose bad calls were caught still starts with its valid settings', () => {
  assert.match(probe.output(), /trackalert ready luaStates="1"/)
})
