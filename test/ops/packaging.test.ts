import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { parseCli } from '../../src/cli/options.ts'
import { repoRoot } from './helpers.ts'
import { parseUnit, parseDockerfile, isIgnored, type DockerStage } from './packaging-parse.ts'

const root = repoRoot()
const unit = parseUnit(readFileSync(join(root, 'packaging/trackalert.service'), 'utf8'))
const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'))
const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n')

function values (section: string, key: string): string[] {
  return unit.filter((d) => d.section === section && d.key === key).map((d) => d.value)
}

function only (section: string, key: string): string {
  const found = values(section, key)
  assert.equal(found.length, 1, `[${section}] ${key} set exactly once (found ${found.length})`)
  return found[0] as string
}

test('unit file: notify-type service running the foreground daemon, reloading with SIGHUP', () => {
  assert.deepEqual([...new Set(unit.map((d) => d.section))], ['Unit', 'Service', 'Install'])
  assert.equal(only('Service', 'Type'), 'notify')
  const exec = only('Service', 'ExecStart').split(/\s+/)
  assert.equal(exec[0], '/usr/bin/trackalert')
  const opts = parseCli(exec.slice(1))
  assert.equal(opts.supervised, true, '-s: foreground without console, as Type=notify needs')
  assert.equal(opts.daemon, false, 'no -d: systemd must see the real main process')
  assert.equal(opts.config, '/etc/trackalert/trackalert.conf')
  assert.equal(only('Service', 'ExecReload'), '/bin/kill -HUP $MAINPID')
  assert.equal(only('Service', 'Restart'), 'on-failure')
  assert.equal(only('Install', 'WantedBy'), 'multi-user.target')
})

test('unit file: dedicated user and the required sandboxing', () => {
  const required: Record<string, string> = {
    User: 'trackalert',
    Group: 'trackalert',
    NoNewPrivileges: 'yes',
    ProtectSystem: 'strict',
    ProtectHome: 'yes',
    PrivateTmp: 'yes',
    ReadWritePaths: '/var/lib/trackalert',
    ProtectKernelTunables: 'yes',
    ProtectKernelModules: 'yes',
    ProtectControlGroups: 'yes'
  }
  for (const [key, value] of Object.entries(required)) assert.equal(only('Service', key), value, key)
  assert.deepEqual(only('Service', 'RestrictAddressFamilies').split(/\s+/).sort(), ['AF_INET', 'AF_INET6', 'AF_UNIX'])
  // V8 and WebAssembly need writable+executable pages: this switch would crash node at start.
  assert.notEqual(values('Service', 'MemoryDenyWriteExecute')[0], 'yes')
  // A syscall filter without an errno kills the process with SIGSYS when libuv probes io_uring.
  if (values('Service', 'SystemCallFilter').length > 0) assert.equal(only('Service', 'SystemCallErrorNumber'), 'EPERM')
})

test('unit file: every directive has a comment saying why it is there, and none is repeated', () => {
  const uncommented = unit.filter((d) => !d.commented).map((d) => `line ${d.line}: ${d.key}`)
  assert.deepEqual(uncommented, [])
  const seen = new Set<string>()
  for (const d of unit) {
    const id = `${d.section}.${d.key}`
    assert.ok(!seen.has(id), `${id} repeated at line ${d.line}`)
    seen.add(id)
  }
})

function stage (name: string): DockerStage {
  const found = stages.find((s) => s.name === name)
  assert.ok(found, `stage ${name}`)
  return found
}

function runs (s: DockerStage): string[] {
  return s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args)
}

/** A stage's own instructions plus those of the stages it is built FROM. */
function lineage (s: DockerStage): DockerStage[] {
  const parent = stages.find((p) => p.name === s.base)
  return parent === undefined ? [s] : [...lineage(parent), s]
}

test('Dockerfile: multi-stage on node:20-bookworm-slim, native addon built where the compiler is', () => {
  const external = stages.map((s) => s.base).filter((b) => !stages.some((s) => s.name === b))
  assert.ok(external.length > 0)
  for (const base of external) assert.equal(base, 'node:20-bookworm-slim')
  assert.ok(stages.length >= 3, 'build, production deps and runtime stages')

  const runtime = stages.at(-1) as DockerStage
  assert.equal(runtime.base, 'node:20-bookworm-slim', 'runtime starts clean, without the toolchain')
  assert.ok(!runs(runtime).some((r) => /\b(g\+\+|gcc|make|python3)\b/.test(r)), 'no compiler in the runtime')

  // Production node_modules: npm ci --omit=dev plus the unix-dgram build, in a stage that has g++/make/python3.
  const copyDeps = runtime.instructions.find((i) => i.keyword === 'COPY' && /--from=\S+ \S*node_modules/.test(i.args))
  assert.ok(copyDeps, 'runtime copies node_modules from a build stage')
  const deps = stage((/--from=(\S+)/.exec(copyDeps.args) as RegExpExecArray)[1] as string)
  const depsRuns = lineage(deps).flatMap(runs)
  assert.ok(depsRuns.some((r) => /npm ci\b.*--omit=dev/.test(r)), 'npm ci --omit=dev')
  assert.ok(depsRuns.some((r) => /npm rebuild unix-dgram/.test(r)), 'unix-dgram compiled')
  for (const tool of ['python3', 'make', 'g++']) assert.ok(depsRuns.some((r) => r.includes('apt-get install') && r.includes(tool)), tool)

  // Compiled JavaScript comes from a stage that installed devDependencies (typescript) and ran tsc.
  const copyDist = runtime.instructions.find((i) => i.keyword === 'COPY' && /--from=\S+ \S*dist/.test(i.args))
  assert.ok(copyDist, 'runtime copies dist from a build stage')
  const build = stage((/--from=(\S+)/.exec(copyDist.args) as RegExpExecArray)[1] as string)
  const buildRuns = lineage(build).flatMap(runs)
  assert.ok(buildRuns.some((r) => /npm ci\b/.test(r) && !r.includes('--omit=dev')), 'build stage has devDependencies')
  assert.ok(buildRuns.some((r) => /\btsc\b/.test(r)), 'build stage compiles')
})

test('Dockerfile: non-root runtime running the CLI with -D and the mounted config', () => {
  const runtime = stages.at(-1) as DockerStage
  const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args)
  assert.equal(users.length, 1)
  assert.ok(!/^(root|0)(:|$)/.test(users[0] as string), `USER ${users[0]}`)
  const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD')
  assert.equal(cmd.length, 1)
  const argv = JSON.parse((cmd[0] as { args: string }).args) as string[]
  assert.deepEqual(argv, ['node', 'dist/src/cli/main.js', '-D', '-C', '/etc/trackalert/trackalert.conf'])
  const opts = parseCli(argv.slice(2))
  assert.equal(opts.docker, true)
  assert.ok(existsSync(join(root, 'src/cli/main.ts')), 'the CMD entry point is compiled from src/cli/main.ts')
})

test('.dockerignore keeps host artefacts out but lets every COPY source in', () => {
  for (const path of ['node_modules', 'node_modules/unix-dgram/build/Release/unix_dgram.node', 'dist', '.build', '.git', 'test', 'trackalert.conf']) {
    assert.equal(isIgnored(ignore, path), true, `${path} excluded`)
  }
  const sources = stages.flatMap((s) => s.instructions)
    .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
    .flatMap((i) => i.args.split(' ').slice(0, -1))
  assert.ok(sources.length > 0)
  for (const source of sources) {
    assert.equal(isIgnored(ignore, source), false, `${source} reaches the build context`)
    assert.ok(existsSync(join(root, source)), `${source} exists in the repository`)
  }
})

function healthcheckArgv (): string[] {
  const runtime = stages.at(-1) as DockerStage
  const hc = runtime.instructions.filter((i) => i.keyword === 'HEALTHCHECK')
  assert.equal(hc.length, 1)
  const json = /\bCMD (\[.*\])$/.exec((hc[0] as { args: string }).args)
  assert.ok(json, 'exec-form HEALTHCHECK CMD (slim images have no curl or shell tools to rely on)')
  return JSON.parse(json[1] as string) as string[]
}

function healthcheckUrl (): string {
  const env = (stages.at(-1) as DockerStage).instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ')
  const match = /TRACKALERT_HEALTHCHECK_URL=(\S+)/.exec(env)
  assert.ok(match, 'ENV TRACKALERT_HEALTHCHECK_URL')
  return match[1] as string
}

/** Runs the image's health check command with this node against `url`; returns its exit code. */
function probe (url: string): Promise<number | null> {
  const [cmd, ...args] = healthcheckArgv()
  assert.equal(cmd, 'node')
  const child = spawn(process.execPath, args, { env: { ...process.env, TRACKALERT_HEALTHCHECK_URL: url }, stdio: 'ignore' })
  return new Promise((resolve) => child.on('close', (code) => { resolve(code) }))
}

test('HEALTHCHECK: GETs /command/livez on 127.0.0.1:8084 with node and reflects the answer', async (t) => {
  assert.equal(healthcheckUrl(), 'http://127.0.0.1:8084/command/livez')
  let status = 200
  const paths: string[] = []
  const server: Server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`)
    res.statusCode = status
    res.end('{"status":"ok"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => { resolve() })))
  const port = (server.address() as { port: number }).port
  const url = healthcheckUrl().replace(':8084', `:${port}`)

  assert.equal(await probe(url), 0)
  assert.deepEqual(paths, ['GET /command/livez'])
  status = 503
  assert.equal(await probe(url), 1)
  assert.equal(await probe('http://127.0.0.1:1/command/livez'), 1, 'nothing listening')
})
