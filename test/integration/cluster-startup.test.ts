import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/cli-run.ts'
import { CLI, PASSWORD } from '../helpers/daemon.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../helpers/ports.ts'
import { LUA_READ_PID } from './helpers.ts'

/** Two workers with one report state each: a multi-process daemon that starts fast. */
const LIGHT_CLUSTER = 'setNumWorkerThreads(2)\nsetNumLuaStates(1)\n'
const AUTH = { authorization: 'Basic ' + Buffer.from(`u:${PASSWORD}`).toString('base64') }

async function writeConfig (file: string, port: number, lua = ''): Promise<void> {
  await writeFile(file, `addListener("127.0.0.1:${port}", false, "", "", {})\nsetWebserverPassword("${PASSWORD}")\n${LIGHT_CLUSTER}${lua}`)
}

interface Spawned { readonly child: ChildProcess, readonly exited: Promise<number | null>, output: () => string }

function spawnDaemon (args: readonly string[], cwd?: string): Spawned {
  const child = spawn(process.execPath, [CLI, '-s', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, exited, output: () => out }
}

/** SIGTERM, then SIGKILL if the daemon is still there after `killAfterMs` (a hung daemon must not hang the test). */
async function stop (d: Spawned, killAfterMs = 5000): Promise<number | null> {
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM')
  const timer = setTimeout(() => d.child.kill('SIGKILL'), killAfterMs)
  const code = await d.exited
  clearTimeout(timer)
  return code
}

/** Polls `url` until it answers 200; fails after `timeoutMs` or when the daemon exits. */
async function waitFor200 (url: string, d: Spawned, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (d.child.exitCode !== null) throw new Error(`daemon exited before ${url} answered 200:\n${d.output()}`)
    try {
      const res = await fetch(url, { headers: AUTH, signal: AbortSignal.timeout(1000) })
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch { /* not listening yet */ }
    await sleep(10)
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${d.output()}`)
}

/** The status and duration of one GET; a request still unanswered after `limitMs` counts as status 0. */
async function timedGet (url: string, limitMs: number): Promise<{ status: number, ms: number, body: string }> {
  const t0 = performance.now()
  try {
    const res = await fetch(url, { headers: AUTH, signal: AbortSignal.timeout(limitMs) })
    const body = await res.text()
    return { status: res.status, ms: performance.now() - t0, body }
  } catch (err) {
    return { status: 0, ms: performance.now() - t0, body: (err as Error).message }
  }
}

test('a relative -C given from another folder works in multi-process mode', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'trackalert-relc-'))
  await mkdir(join(root, 'conf'))
  const port = await freePort()
  await writeConfig(join(root, 'conf', 'trackalert.conf'), port)
  const d = spawnDaemon(['-C', 'conf/trackalert.conf'], root)
  t.after(() => stop(d))
  await waitFor200(`http://127.0.0.1:${port}/command/livez`, d)
  const stats = await timedGet(`http://127.0.0.1:${port}/command/stats`, 5000)
  assert.equal(stats.status, 200, stats.body)
  const deadline = Date.now() + 10_000
  while (!d.output().includes('trackalert ready') && Date.now() < deadline) await sleep(20)
  assert.match(d.output(), /trackalert ready luaStates="1" listeners="1" workers="2"/)
  assert.equal(await stop(d), 0)
})

test('a worker that fails before it is ready stops the daemon with exit 1 and its message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-wfail-'))
  const file = join(dir, 'trackalert.conf')
  // The primary loads the config first and notes its pid; the workers, other processes, refuse it.
  await writeConfig(file, await freePort(), `
    ${LUA_READ_PID}
    local noted = io.open("first-pid", "r")
    if noted == nil then
      noted = io.open("first-pid", "w") noted:write(pid) noted:close()
    else
      local first = noted:read("a") noted:close()
      if first ~= pid then error("process " .. pid .. " is not the first to load this config") end
    end
  `)
  const t0 = Date.now()
  const r = await runCli(['-s', '-C', file], { timeoutMs: 20_000 })
  const output = r.stdout + r.stderr
  assert.equal(r.code, 1, output)
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`)
  // The primary's own failure line carries the worker's error, with file and line: once.
  assert.match(output, /startup failed: worker process \d+: error loading configuration: \S*trackalert\.conf:\d+: process \d+ is not the first to load this config/)
  assert.equal(output.split('is not the first to load').length - 1, 1, output)
})

test('the first stats and /metrics right after livez answer 200 within 1 s, 30 starts in a row', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-first-'))
  const file = join(dir, 'trackalert.conf')
  for (let i = 0; i < 30; i++) {
    const port = await freePort()
    await writeConfig(file, port)
    const d = spawnDaemon(['-C', file])
    try {
      const base = `http://127.0.0.1:${port}`
      await waitFor200(`${base}/command/livez`, d)
      const [stats, metrics] = await Promise.all([timedGet(`${base}/?command=stats`, 1000), timedGet(`${base}/metrics`, 1000)])
      assert.equal(stats.status, 200, `start ${i}: stats after ${Math.round(stats.ms)} ms: ${stats.body}`)
      assert.equal(metrics.status, 200, `start ${i}: /metrics after ${Math.round(metrics.ms)} ms: ${metrics.body}`)
    } finally {
      await stop(d)
    }
  }
})
