import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/cli-run.ts'
import { startDaemon } from '../helpers/daemon.ts'

const LISTEN = 'addListener("127.0.0.1:0", false, "", "", {})\n'
const NO_PASSWORD = /^warning no webserver password \(setWebserverPassword, webserver\): every REST request except livez and readyz is refused with 401 config="(.*)"$/gm
const NO_LISTENER = /^warning no listeners configured \(addListener, webserver\): the REST API is not reachable config="(.*)"$/gm

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

for (const workers of [1, 2]) {
  test(`no webserver password: one warning naming the config file (${workers} worker process${workers > 1 ? 'es' : ''})`, async (t) => {
    const d = await startDaemon({ bare: true, config: LISTEN + `setNumWorkerThreads(${workers})\nsetNumLuaStates(2)\n` })
    t.after(() => d.stop('SIGKILL'))
    // A refused request proves the workers are past their config load, so any warning of theirs is in.
    assert.equal((await fetch(`${d.url}/command/stats`)).status, 401)
    assert.equal(await d.stop(), 0)
    const found = [...d.output().matchAll(NO_PASSWORD)]
    assert.equal(found.length, 1, d.output())
    assert.equal(found[0]?.[1], d.configFile)
  })
}

test('a password set with setWebserverPassword or webserver() gives no such warning', async (t) => {
  const [withSet, withWebserver] = await Promise.all([
    startDaemon({ config: 'setNumWorkerThreads(1)\n' }),
    startDaemon({ bare: true, config: 'webserver("127.0.0.1:0", "pw")\nsetNumWorkerThreads(1)\n' })
  ])
  t.after(() => Promise.all([withSet.stop('SIGKILL'), withWebserver.stop('SIGKILL')]))
  assert.equal(await withSet.stop(), 0)
  assert.equal(await withWebserver.stop(), 0)
  assert.doesNotMatch(withSet.output(), /no webserver password/)
  assert.doesNotMatch(withWebserver.output(), /no webserver password/)
})

test('a console but no listener starts under -s, with one warning naming the config file', async (t) => {
  const key = randomBytes(32).toString('base64')
  const d = await startDaemon({ bare: true, config: `controlSocket("127.0.0.1:0")\nsetKey("${key}")\nsetNumWorkerThreads(2)\nsetNumLuaStates(2)\n` })
  t.after(() => d.stop('SIGKILL'))
  assert.match(d.output(), /trackalert ready .*listeners="0"/)
  assert.equal(await d.stop(), 0)
  const found = [...d.output().matchAll(NO_LISTENER)]
  assert.equal(found.length, 1, d.output())
  assert.equal(found[0]?.[1], d.configFile)
  // Without a listener the password does not matter: no second warning about it.
  assert.doesNotMatch(d.output(), /no webserver password/)
})

test('neither listener nor console: -s, -D and -d refuse to start with exit 1 naming the config file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-deaf-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const conf = join(dir, 'deaf.conf')
  await writeFile(conf, 'setNumWorkerThreads(2)\nsetNumLuaStates(1)\nfunction report(lt) end\nsetReport(report)\n')
  const results = await Promise.all(['-s', '-D', '-d'].map((flag) => runCli([flag, '-C', conf], { timeoutMs: 30_000 })))
  const want = new RegExp(`${escape(conf)}: no listener \\(addListener, webserver\\) and no console \\(controlSocket\\): ` +
    'started with -s, -D or -d the daemon could receive nothing')
  for (const [i, r] of results.entries()) {
    const flag = ['-s', '-D', '-d'][i] as string
    assert.equal(r.code, 1, `${flag}: ${r.stdout}${r.stderr}`)
    assert.match(r.stdout + r.stderr, want, flag)
    assert.doesNotMatch(r.stdout, /trackalert ready/, flag)
  }
})
