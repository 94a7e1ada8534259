/**
 * `npm run bench [-- SCENARIO...]`: drives the real daemon with wrk and compares it with a bare
 * node:http server under the same load, alternating the two so drift hits both alike.
 * Prints a table and writes bench/results/<timestamp>.json. See docs/performance.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, release, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { metricValues } from './http-client.ts'
import { cpuSeconds, killChildren, machineBusySeconds, peakRssMiB, reapedChildrenCpuSeconds, startBare, startDaemon, startReceiver, waitIdle, type Server } from './processes.ts'
import { probeScenario, SCENARIOS, writeScenarioConfig, type Scenario, type ScenarioContext } from './scenarios.ts'
import { readSettings, WRK_INSTALL_HINT, type BenchSettings } from './settings.ts'
import { formatTable, summarise, type MeasuredRun, type ScenarioResult } from './summary.ts'
import { latencyDistribution, runWrk, wrkVersion } from './wrk.ts'
import { MICRO_BENCHES } from './history-micro.ts'
import { startPostgres, type PostgresServer } from './postgres-server.ts'

/** bench/results in the source tree: the nearest folder above this compiled file holding bench/run.ts. */
function resultsDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'bench', 'run.ts')) && dirname(dir) !== dir) dir = dirname(dir)
  return join(dir, 'bench', 'results')
}

/** Why the daemon refused the config: a Lua function the build does not have yet, or the error line. */
function startFailure (err: Error): string {
  const nil = /attempt to call a nil value \((?:global|field) '(\w+)'\)/.exec(err.message)
  if (nil !== null) return `${nil[1]}() is not available in this build (not wired yet)`
  const line = err.message.split('\n').find((l) => /error/i.test(l))
  return `daemon did not start: ${(line ?? err.message.split('\n')[0] ?? '').trim().slice(0, 240)}`
}

let nonce = Date.now() % 1_000_000
const runNonce = (): string => String(++nonce)

/**
 * One measured run, with CPU accounting: the server, wrk, the scenario's other processes
 * (`helpers`) and whatever else kept the machine busy.
 */
async function measure (server: Server, helpers: ReadonlyArray<Pick<Server, 'pid'>>, url: string, script: string, s: BenchSettings, connections: number, threads: number): Promise<MeasuredRun> {
  const helperCpu = (): number => helpers.reduce((n, h) => n + cpuSeconds(h.pid), 0)
  const before = { server: cpuSeconds(server.pid), helpers: helperCpu(), wrk: reapedChildrenCpuSeconds(), self: cpuSeconds('self'), machine: machineBusySeconds() }
  const r = await runWrk({ url, script, seconds: s.duration, connections, threads, scriptArgs: [runNonce()] })
  const serverCpu = cpuSeconds(server.pid) - before.server
  const helpersCpu = helperCpu() - before.helpers
  const wrkCpu = reapedChildrenCpuSeconds() - before.wrk
  const other = machineBusySeconds() - before.machine - serverCpu - helpersCpu - wrkCpu - (cpuSeconds('self') - before.self)
  return { ...r, cpuSeconds: serverCpu, wrkCpuSeconds: wrkCpu, helperCores: helpersCpu / r.seconds, otherCores: Math.max(0, other / r.seconds) }
}

async function runScenario (scenario: Scenario, s: BenchSettings, dir: string): Promise<ScenarioResult> {
  const base = { name: scenario.name, description: scenario.description }
  const stack: Server[] = []
  let postgres: PostgresServer | null = null
  try {
    const receiver = scenario.needsReceiver ? await startReceiver() : null
    if (receiver !== null) stack.push(receiver)
    if (scenario.needsPostgres === true) postgres = await startPostgres()
    // The server's processes are not the bench's children: its CPU is counted with the scenario's helpers by pid.
    const postgresPid = await postgres?.pid() ?? null
    const services = postgresPid === null ? [] : [{ pid: postgresPid }]
    const ctx: ScenarioContext = { dir, password: s.password, receiverPort: receiver?.port ?? 0, postgresUrl: postgres?.url() ?? '' }
    const config = await writeScenarioConfig(scenario, ctx)
    let daemon: Server
    try {
      daemon = await startDaemon(config)
    } catch (err) {
      return { ...base, status: 'skipped', skipReason: startFailure(err as Error), notes: [] }
    }
    stack.push(daemon)
    const probe = await probeScenario(scenario, daemon, ctx, receiver)
    if (probe.skip !== undefined) return { ...base, status: 'skipped', skipReason: probe.skip, notes: probe.notes }
    const bare = scenario.baselineConfig === undefined
      ? await startBare(s.bareProcesses)
      : await startDaemon(await writeScenarioConfig(scenario, ctx, true), [], 'trackalert baseline')
    stack.push(bare)
    const script = join(dir, `${scenario.name}.lua`)
    await writeFile(script, scenario.wrkScript(ctx))
    const targets = [
      { server: daemon, url: `http://127.0.0.1:${daemon.port}${scenario.path}`, runs: [] as MeasuredRun[] },
      { server: bare, url: `http://127.0.0.1:${bare.port}${scenario.path}`, runs: [] as MeasuredRun[] }
    ]
    if (s.warmup > 0) {
      for (const t of targets) {
        process.stdout.write(`  warm-up ${t.server.name} ${s.warmup}s\n`)
        await runWrk({ url: t.url, script, seconds: s.warmup, connections: scenario.connections ?? s.connections, threads: scenario.threads ?? s.threads, scriptArgs: [runNonce()] })
      }
    }
    const notes = [...probe.notes]
    if (scenario.connections !== undefined) notes.push(`wrk used ${scenario.connections} connections in this scenario`)
    if (scenario.threads !== undefined) notes.push(`wrk used ${scenario.threads} threads in this scenario`)
    if (scenario.baselineConfig !== undefined) notes.push('the baseline ("bare" columns) is the same daemon without the feature: ratio = with / without')
    for (let round = 1; round <= s.rounds; round++) {
      for (const t of targets) {
        // Leftover work (a webhook queue still draining) would otherwise load the next run.
        if (!await waitIdle([...stack, ...services])) notes.push(`round ${round}: processes still busy 30 s after the previous run`)
        const helpers = [...stack.filter((sv) => sv !== t.server), ...services]
        const r = await measure(t.server, helpers, t.url, script, s, scenario.connections ?? s.connections, scenario.threads ?? s.threads)
        t.runs.push(r)
        process.stdout.write(`  round ${round} ${t.server.name.padEnd(14)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  cpu ${(r.cpuSeconds / r.seconds).toFixed(2)} wrk ${(r.wrkCpuSeconds / r.seconds).toFixed(2)} helpers ${r.helperCores.toFixed(2)} other ${r.otherCores.toFixed(2)} cores${r.errors > 0 ? `  ERRORS ${r.errors} (non-2xx ${r.non2xx})` : ''}\n`)
        if (scenario.distribution === true) process.stdout.write(`    ${latencyDistribution(r)}\n`)
      }
    }
    const facts = {
      ...await metricValues(daemon.port, s.password, /^trackalert_(reports_total|commands_total|custom_stats_total|lua_errors_total|report_rejected_total)/),
      ...(scenario.after === undefined ? {} : await scenario.after(daemon, ctx, receiver))
    }
    const [ta, bb] = targets.map((t) => summarise(t.runs, peakRssMiB(t.server.pid)))
    if (ta === undefined || bb === undefined) throw new Error('unreachable: two targets')
    const errors = targets[0]?.runs.reduce((n, r) => n + r.errors, 0) ?? 0
    const luaErrors = Object.entries(facts).filter(([k, v]) => k.startsWith('trackalert_lua_errors_total') && v > 0)
    if (luaErrors.length > 0) notes.push(`Lua errors during the run: ${luaErrors.map(([k, v]) => `${k} ${v}`).join(', ')}`)
    const other = Math.max(ta.median.otherCores, bb.median.otherCores)
    if (other > 0.15) notes.push(`other processes kept ${other.toFixed(2)} cores busy during measured runs: figures are disturbed`)
    const wrkCores = Math.max(ta.median.wrkCores, bb.median.wrkCores)
    if (wrkCores > 0.9 * s.threads) notes.push(`wrk used ${wrkCores.toFixed(2)} cores with ${s.threads} thread(s): the load generator may be the limit (BENCH_THREADS)`)
    if (errors > 0) notes.push(`trackalert answered ${errors} requests with errors or non-2xx statuses during measured runs`)
    return { ...base, status: 'ok', notes, trackalert: ta, bare: bb, ratio: { rps: ta.median.rps / bb.median.rps, p99: ta.median.p99 / bb.median.p99 }, facts }
  } catch (err) {
    // A server that died mid-run (crash, or killed from outside) fails this scenario, not the bench.
    const dead = stack.filter((sv) => sv.exitStatus() !== null)
      .map((sv) => `${sv.name} ended (${sv.exitStatus() ?? ''}); last output: ${sv.output().trim().split('\n').slice(-3).join(' | ')}`)
    return { ...base, status: 'failed', skipReason: [(err as Error).message.split('\n')[0] ?? '', ...dead].join('; '), notes: [] }
  } finally {
    for (const server of stack.reverse()) await server.stop()
    await postgres?.destroy()
  }
}

/** The commit measured, with "+dirty" when the working tree has changes. */
function gitRevision (): string {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' })
  if (rev.status !== 0) return 'unknown'
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { encoding: 'utf8' })
  return rev.stdout.trim() + (dirty.stdout.trim() !== '' ? '+dirty' : '')
}

async function main (): Promise<number> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((n) => !SCENARIOS.some((s) => s.name === n) && !(n in MICRO_BENCHES))
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario ${unknown.join(', ')}; choose from: ${[...SCENARIOS.map((s) => s.name), ...Object.keys(MICRO_BENCHES)].join(', ')}\n`)
    return 2
  }
  const chosen = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.name))
  const micro = Object.entries(MICRO_BENCHES).filter(([name]) => wanted.length === 0 || wanted.includes(name))
  // In-process measurements (history store reads and writes) need no wrk.
  const wrk = chosen.length === 0 ? 'not used' : wrkVersion()
  if (wrk === null) { process.stderr.write(WRK_INSTALL_HINT); return 1 }
  const s = readSettings()
  const started = new Date()
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', kernel: release(), node: process.version, wrk, revision: gitRevision() }
  process.stdout.write(`trackalert bench at ${machine.revision}: ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, ${wrk}\n`)
  process.stdout.write(`load: wrk -t${s.threads} -c${s.connections} keep-alive, warm-up ${s.warmup}s, ${s.rounds} x ${s.duration}s per server, alternating\n`)
  if (s.bareProcesses > 1) process.stdout.write(`baseline: node:cluster of ${s.bareProcesses} bare servers (BENCH_BARE_PROCESSES)\n`)
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-bench-'))
  const results: ScenarioResult[] = []
  const microResults: Record<string, unknown> = {}
  try {
    for (const [name, run] of micro) {
      process.stdout.write(`\n[${name}]\n`)
      microResults[name] = await run((line) => process.stdout.write(`${line}\n`))
    }
    for (const scenario of chosen) {
      process.stdout.write(`\n[${scenario.name}] ${scenario.description}\n`)
      const r = await runScenario(scenario, s, dir)
      if (r.status !== 'ok') process.stdout.write(`  ${r.status.toUpperCase()}: ${r.skipReason ?? ''}\n`)
      for (const note of r.notes) process.stdout.write(`  note: ${note}\n`)
      results.push(r)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  if (results.length > 0) {
    process.stdout.write(`\n${formatTable(results)}\n`)
    process.stdout.write('ratio = trackalert/bare req/s (1.00 = as fast as bare node:http); p99 ratio = trackalert/bare p99 latency; CPU = daemon cores busy; µs/req = CPU time per request\n')
  }
  const outDir = resultsDir()
  await mkdir(outDir, { recursive: true })
  // Colons are legal on Linux but not on every file system the repo may be checked out on.
  const file = join(outDir, `${started.toISOString().replace(/:/g, '-')}.json`)
  await writeFile(file, JSON.stringify({ started: started.toISOString(), machine, settings: { ...s, password: undefined }, scenarios: results, micro: microResults }, null, 2) + '\n')
  process.stdout.write(`results: ${file}\n`)
  return results.some((r) => r.status === 'ok') || (chosen.length === 0 && micro.length > 0) ? 0 : 1
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { killChildren(); process.exit(130) })
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
