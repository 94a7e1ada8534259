/**
 * Profiles the daemon under wrk load: `npm run build && node dist/bench/profile.js [SCENARIO] [--bare]`
 * (default: report; --bare profiles the bare node:http baseline under the same load instead). Starts trackalert with `node --cpu-prof`, loads it for BENCH_DURATION seconds
 * (after BENCH_WARMUP), stops it with SIGTERM so V8 writes the profile, and prints the top 10
 * self-time frames and the time per layer. The .cpuprofile is kept for Chrome DevTools.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatProfile, summariseProfile, type CpuProfile } from './cpuprofile.ts'
import { BARE_SERVER, killChildren, startDaemon, startReceiver, startServer, type Server } from './processes.ts'
import { startPostgres, type PostgresServer } from './postgres-server.ts'
import { probeScenario, SCENARIOS, writeScenarioConfig } from './scenarios.ts'
import { readSettings, WRK_INSTALL_HINT } from './settings.ts'
import { runWrk, wrkVersion } from './wrk.ts'

async function main (): Promise<number> {
  if (wrkVersion() === null) { process.stderr.write(WRK_INSTALL_HINT); return 1 }
  const args = process.argv.slice(2)
  const bareTarget = args.includes('--bare')
  const name = args.find((a) => !a.startsWith('--')) ?? 'report'
  const scenario = SCENARIOS.find((s) => s.name === name)
  if (scenario === undefined) {
    process.stderr.write(`unknown scenario ${name}; choose from: ${SCENARIOS.map((s) => s.name).join(', ')}\n`)
    return 2
  }
  const s = readSettings()
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-profile-'))
  const profDir = join(dir, 'profile')
  const cpuProf = ['--cpu-prof', '--cpu-prof-dir', profDir]
  const stack: Server[] = []
  let postgres: PostgresServer | null = null
  try {
    const receiver = scenario.needsReceiver ? await startReceiver() : null
    if (receiver !== null) stack.push(receiver)
    if (scenario.needsPostgres === true) postgres = await startPostgres()
    const ctx = { dir, password: s.password, receiverPort: receiver?.port ?? 0, postgresUrl: postgres?.url() ?? '' }
    const daemon = await startDaemon(await writeScenarioConfig(scenario, ctx), bareTarget ? [] : cpuProf)
    stack.push(daemon)
    const probe = await probeScenario(scenario, daemon, ctx, receiver)
    if (probe.skip !== undefined) { process.stderr.write(`scenario ${name} cannot run: ${probe.skip}\n`); return 1 }
    const target = bareTarget ? await startServer('bare node:http', BARE_SERVER, [], { nodeArgs: cpuProf }) : daemon
    if (bareTarget) stack.push(target)
    const script = join(dir, `${name}.lua`)
    await writeFile(script, scenario.wrkScript(ctx))
    const url = `http://127.0.0.1:${target.port}${scenario.path}`
    const load = { url, script, connections: s.connections, threads: s.threads }
    const warm = s.warmup > 0 ? (await runWrk({ ...load, seconds: s.warmup, scriptArgs: ['1'] })).requests : 0
    const r = await runWrk({ ...load, seconds: s.duration, scriptArgs: ['2'] })
    process.stdout.write(`${name} (${target.name}): ${r.rps.toFixed(0)} req/s under --cpu-prof (p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms)\n`)
    await target.stop()
    // One profile per process (the primary and each worker); the processes that served requests are summed.
    const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).sort()
    if (files.length === 0) throw new Error(`the daemon wrote no .cpuprofile into ${profDir}`)
    const profiles = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(profDir, f), 'utf8')) as CpuProfile))
    const summary = summariseProfile(profiles, 10, /\/(src\/http\/server|bench\/bare-server)\.js$/)
    process.stdout.write(`${formatProfile(summary, warm + r.requests + (bareTarget ? 0 : 1))}\n\n` +
      `profiles (${files.length} processes, open in Chrome DevTools → Performance):\n${files.map((f) => `  ${join(profDir, f)}`).join('\n')}\n`)
    return 0
  } finally {
    for (const server of stack.reverse()) await server.stop()
    await postgres?.destroy()
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { killChildren(); process.exit(130) })
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`profile: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
