import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PASSWORD, request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { freePort } from '../helpers/ports.ts'
import {
  consoleConfig, consoleExec, DatagramSink, launch, luaBusyWait, PID_ENDPOINT, report, runCli, writeClientConfig
} from './helpers.ts'

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ta-int-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true } catch { return false }
}

const listenerConfig = (port = 0): string => `addListener("127.0.0.1:${port}", false, "", "", {})\nsetWebserverPassword("${PASSWORD}")\n`

/** The pid endpoint on one serving process, so the pid it reads is the daemon's own (workers have theirs). */
const OWN_PID_ENDPOINT = `setNumWorkerThreads(1)\n${PID_ENDPOINT}`

async function daemonPid (port: number): Promise<number> {
  const res = await request(`http://127.0.0.1:${port}/command/pid`, { body: { attrs: {} } })
  assert.equal(res.status, 200, res.text)
  return Number(res.body.r_attrs.pid)
}

test('-d: the parent exits 0 once the detached child serves; SIGTERM stops the child', async (t) => {
  const dir = await tempDir(t)
  const port = await freePort()
  const conf = join(dir, 'trackalert.conf')
  await writeFile(conf, listenerConfig(port) + OWN_PID_ENDPOINT)
  const r = await runCli(['-d', '-C', conf])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, '')
  const pid = await daemonPid(port)
  t.after(() => { if (alive(pid)) process.kill(pid, 'SIGKILL') })
  assert.ok(alive(pid), 'the daemon runs on after the parent exited')
  assert.match(await readFile(`/proc/${pid}/cmdline`, 'utf8'), /main\.js/)
  assert.doesNotMatch(await readFile(`/proc/${pid}/cmdline`, 'utf8'), /\0-d\0/)
  process.kill(pid, 'SIGTERM')
  await eventually(() => !alive(pid), 'the daemon to exit')
})

test('-d --pidfile: the pid file holds the child\'s pid and goes away on SIGTERM', async (t) => {
  const dir = await tempDir(t)
  const port = await freePort()
  const conf = join(dir, 'trackalert.conf')
  await writeFile(conf, listenerConfig(port) + OWN_PID_ENDPOINT)
  const pidFile = join(dir, 'trackalert.pid')
  const r = await runCli(['-d', '--pidfile', pidFile, '-C', conf])
  assert.equal(r.code, 0, r.stderr)
  const pid = Number((await readFile(pidFile, 'utf8')).trim())
  t.after(() => { if (alive(pid)) process.kill(pid, 'SIGKILL') })
  assert.equal(await daemonPid(port), pid)
  process.kill(pid, 'SIGTERM')
  await eventually(() => !alive(pid) && !existsSync(pidFile), 'the daemon to exit and remove its pid file')
})

/** The HTTP port from the listener log line, text or JSON. */
function portIn (output: string): number {
  const m = /listening for HTTP commands.*?address"?[=:]"[^"]*:(\d+)"/.exec(output)
  if (m === null) throw new Error(`no listener port in:\n${output}`)
  return Number(m[1])
}

/** One request answered means the start-up code after "trackalert ready" (signal handlers) has run. */
async function settled (output: string): Promise<void> {
  assert.equal((await request(`http://127.0.0.1:${portIn(output)}/command/livez`, { auth: false })).status, 200)
}

test('-D prefixes log lines with an ISO timestamp; --log-format json writes JSON lines', async (t) => {
  const dir = await tempDir(t)
  const conf = join(dir, 'trackalert.conf')
  await writeFile(conf, listenerConfig() + 'warnLog("hello from the config", { k = "v" })\n')
  const docker = launch(['-D', '-C', conf])
  t.after(() => docker.stop('SIGKILL'))
  await docker.waitForOutput('trackalert ready')
  await settled(docker.output())
  assert.equal(await docker.stop(), 0)
  const lines = docker.output().split('\n').filter((l) => l !== '')
  assert.ok(lines.length >= 3)
  for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z [a-z]+ /, line)
  assert.ok(lines.some((l) => / warning hello from the config k="v"$/.test(l)), docker.output())

  const json = await startDaemon({ dir, config: 'warnLog("hello from the config", { k = "v" })\n', args: ['--log-format', 'json'] })
  t.after(() => json.stop('SIGKILL'))
  await settled(json.output())
  assert.equal(await json.stop(), 0)
  const records = json.output().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
  for (const r of records) {
    assert.equal(typeof r.time, 'string')
    assert.ok(!Number.isNaN(Date.parse(r.time as string)))
    assert.equal(typeof r.level, 'string')
    assert.equal(typeof r.msg, 'string')
  }
  assert.ok(records.some((r) => r.msg === 'hello from the config' && r.k === 'v' && r.level === 'warning'), json.output())
  assert.ok(records.some((r) => r.msg === 'trackalert ready'))
})

test('SIGTERM right after "trackalert ready" still shuts down gracefully', async (t) => {
  const dir = await tempDir(t)
  const conf = join(dir, 'trackalert.conf')
  await writeFile(conf, listenerConfig())
  const codes: Array<number | null> = []
  for (let i = 0; i < 2; i++) {
    const d = launch(['-s', '-C', conf])
    t.after(() => d.stop('SIGKILL'))
    d.child.stdout?.on('data', (c: Buffer) => { if (c.toString().includes('trackalert ready')) d.child.kill('SIGTERM') })
    codes.push(await d.exited)
  }
  assert.deepEqual(codes, [0, 0])
})

test('-f local3 sends syslog datagrams with PRI = 19*8 + severity', async (t) => {
  const dir = await tempDir(t)
  const sink = new DatagramSink(join(dir, 'log.sock'))
  t.after(() => sink.close())
  const conf = join(dir, 'trackalert.conf')
  await writeFile(conf, listenerConfig() + 'warnLog("w-line", {})\nerrorLog("e-line", {})\n')
  const d = launch(['-s', '-f', 'local3', '-C', conf], { env: { TRACKALERT_SYSLOG_SOCKET: sink.path } })
  t.after(() => d.stop('SIGKILL'))
  await eventually(() => sink.messages.some((m) => m.includes('trackalert ready')), 'the ready line over syslog')
  const pid = d.child.pid as number
  const find = (text: string): string | undefined => sink.messages.find((m) => m.includes(text))
  assert.match(find('e-line') ?? '', new RegExp(`^<${19 * 8 + 3}>trackalert\\[${pid}\\]: e-line$`))
  assert.match(find('w-line') ?? '', new RegExp(`^<${19 * 8 + 4}>trackalert\\[${pid}\\]: w-line$`))
  assert.match(find('trackalert ready') ?? '', new RegExp(`^<${19 * 8 + 5}>trackalert\\[${pid}\\]: trackalert ready`))
  assert.match(find('listening for HTTP commands') ?? '', new RegExp(`^<${19 * 8 + 6}>trackalert\\[${pid}\\]: listening`))
  assert.equal(await d.stop(), 0)
  assert.doesNotMatch(d.output(), /trackalert ready/, 'nothing on stdout')
})

test('NOTIFY_SOCKET: READY=1, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM', async (t) => {
  const dir = await tempDir(t)
  const sink = new DatagramSink(join(dir, 'notify.sock'))
  t.after(() => sink.close())
  const d = await startDaemon({ dir, config: '', env: { NOTIFY_SOCKET: sink.path } })
  t.after(() => d.stop())
  await eventually(() => sink.messages.includes('READY=1'), 'READY=1')
  d.child.kill('SIGHUP')
  await d.waitForOutput('configuration reloaded')
  await eventually(() => sink.messages.filter((m) => m === 'READY=1').length === 2, 'READY=1 after the reload')
  const reloading = sink.messages.findIndex((m) => m.startsWith('RELOADING=1'))
  assert.ok(reloading > 0 && reloading < sink.messages.lastIndexOf('READY=1'), JSON.stringify(sink.messages))
  assert.match(sink.messages[reloading] as string, /^RELOADING=1\nMONOTONIC_USEC=\d+$/)
  assert.equal(await d.stop(), 0)
  assert.equal(sink.messages.at(-1), 'STOPPING=1', JSON.stringify(sink.messages))
})

test('SIGTERM lets in-flight reports finish with 200 and exits 0', async (t) => {
  const d = await startDaemon({
    config: `
      setNumLuaStates(2)
      function report(lt) infoLog("begin " .. lt.login, {}) ${luaBusyWait(200)} end
      setReport(report)
    `
  })
  t.after(() => d.stop())
  const pending = Array.from({ length: 4 }, (_, i) =>
    request(`${d.url}/command/report`, { body: report(`u${i}`) }).then((r) => r.status, (err: Error) => err.message))
  await d.waitForOutput('begin u')
  d.child.kill('SIGTERM')
  assert.deepEqual(await Promise.all(pending), [200, 200, 200, 200])
  assert.equal(await d.exited, 0)
})

/** Keeps `workers` loops of reports going until stopped; records every outcome. */
function loadLoop (d: RunningDaemon, workers: number): { stop: () => Promise<{ ok: number, failures: string[] }> } {
  let running = true
  let ok = 0
  const failures: string[] = []
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      try {
        const r = await request(`${d.url}/command/report`, { body: report(`load${w}-${i}`) })
        if (r.status === 200) ok++
        else failures.push(`${r.status} ${r.text}`)
      } catch (err) {
        failures.push((err as Error).message)
      }
    }
  })
  return {
    stop: async () => {
      running = false
      await Promise.all(loops)
      return { ok, failures }
    }
  }
}

test('SIGHUP under load: no request fails, the new report function takes over, stats survive', async (t) => {
  const body = (word: string): string => `
    setNumLuaStates(2)
    function report(lt) if lt.login:sub(-1) == "0" then infoLog("${word} " .. lt.login, {}) end end
    setReport(report)
  `
  const d = await startDaemon({ config: body('alpha') })
  t.after(() => d.stop())
  const load = loadLoop(d, 4)
  t.after(() => load.stop()) // a failed assertion below must not leave the loops running
  await d.waitForOutput(/alpha load\d-30$/m)
  const before = (await request(`${d.url}/command/stats`)).body.reports as number
  await writeFile(d.configFile, listenerConfig() + body('bravo'))
  d.child.kill('SIGHUP')
  await d.waitForOutput('configuration reloaded')
  const mark = d.output().length
  await eventually(() => /bravo load/.test(d.output().slice(mark)), 'the new function to log')
  const { ok, failures } = await load.stop()
  assert.deepEqual(failures, [])
  assert.doesNotMatch(d.output().slice(mark), /alpha load\d+-\d+$/m, 'nothing runs the old function once the reload is done')
  const after = (await request(`${d.url}/command/stats`)).body.reports as number
  assert.ok(after > before)
  assert.equal(after, ok, 'the counter kept every report across the reload')
})

test('a broken config on reload keeps the old one serving; reloadConfig() from the console loads a fixed one', async (t) => {
  const cons = consoleConfig()
  const body = (word: string): string => `${cons.lines}
    function report(lt) infoLog("${word} " .. lt.login, {}) end
    setReport(report)
  `
  const d = await startDaemon({ config: body('one') })
  t.after(() => d.stop())
  const client = await writeClientConfig(d, cons.key)
  const send = async (login: string): Promise<void> => {
    assert.equal((await request(`${d.url}/command/report`, { body: report(login) })).status, 200)
  }

  // Line 6 of the new file calls a missing function at load time.
  await writeFile(d.configFile, listenerConfig() + cons.lines + 'local x = 1\nnosuchfunction()\n')
  d.child.kill('SIGHUP')
  await d.waitForOutput('reload failed')
  assert.match(d.output(), /reload failed.*trackalert\.conf:6:/)
  await send('still')
  await d.waitForOutput('one still')

  await writeFile(d.configFile, listenerConfig() + body('two'))
  const r = await consoleExec(client, 'reloadConfig()')
  assert.equal(r.stdout, 'reloadConfig() successful\n')
  await send('fixed')
  await d.waitForOutput('two fixed')
  assert.equal(d.child.exitCode, null)
})

test('bad flags exit 2 with the reason and the usage on stderr', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['-l', '9'], /--loglevel must be a number from 0 to 7, got '9'/],
    [['-f', 'nosuch'], /nosuch/],
    [['--log-format', 'xml'], /--log-format must be text or json, got 'xml'/],
    [['--pidfile', '/tmp/x.pid'], /--pidfile only applies with -d/],
    [['-s', '-d'], /mutually exclusive/],
    [['--no-such-option'], /no-such-option/]
  ]
  const results = await Promise.all(cases.map(([args]) => runCli([...args, '-C', '/nonexistent/trackalert.conf'])))
  results.forEach((r, i) => {
    const [args, message] = cases[i] as [string[], RegExp]
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, message, args.join(' '))
    assert.match(r.stderr, /Usage: trackalert/, args.join(' '))
    assert.equal(r.stdout, '', args.join(' '))
  })
})
