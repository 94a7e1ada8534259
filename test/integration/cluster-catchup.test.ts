import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PASSWORD, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { consoleConfig, consoleExec, PID_ENDPOINT, postFresh, writeClientConfig } from './helpers.ts'
import { eventually } from '../helpers/poll.ts'

/** POST /command/pid on a connection of its own, with `password`. */
async function pidRequest (d: RunningDaemon, password: string): Promise<{ status: number, pid: string | null }> {
  const r = await postFresh(d, 'pid', { attrs: {} }, password)
  return { status: r.status, pid: r.status === 200 ? (r.body as { r_attrs: { pid: string } }).r_attrs.pid : null }
}

/** The pids answering `tries` fresh requests with `password`; every answer must be a 200. */
async function servingPids (d: RunningDaemon, password: string, tries = 8): Promise<Set<string>> {
  const pids = new Set<string>()
  for (let i = 0; i < tries; i++) {
    const r = await pidRequest(d, password)
    assert.equal(r.status, 200, `request ${i} with password "${password}"`)
    pids.add(r.pid as string)
  }
  return pids
}

/** Kills one serving worker and waits until its replacement serves (answers with `password`). */
async function replaceWorker (d: RunningDaemon, password: string): Promise<void> {
  const victim = [...await servingPids(d, password)][0] as string
  const deaths = d.output().split('worker process died').length
  process.kill(Number(victim), 'SIGKILL')
  await eventually(() => d.output().split('worker process died').length > deaths, 'the primary to see the worker die')
  await eventually(async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => pidRequest(d, password)))
    const pids = new Set(answers.map((a) => a.pid))
    return answers.every((a) => a.status === 200) && pids.size === 2 && !pids.has(victim)
  }, `two workers serving with password "${password}", without the killed one`)
}

test('a worker started after a console change serves with it; after a reload, with the file again', async (t) => {
  const cons = consoleConfig()
  const d = await startDaemon({ config: `${cons.lines}setNumWorkerThreads(2)\nsetNumLuaStates(1)\n${PID_ENDPOINT}` })
  t.after(() => d.stop())
  const client = await writeClientConfig(d, cons.key)

  const r = await consoleExec(client, 'setWebserverPassword("changed-at-the-console")')
  assert.equal(r.code, 0, r.stderr)
  assert.equal(await servingPids(d, 'changed-at-the-console').then((p) => p.size), 2)
  // The replacement loads the file, whose password the console replaced: the primary hands it the change.
  await replaceWorker(d, 'changed-at-the-console')

  const reloaded = await consoleExec(client, 'reloadConfig()')
  assert.match(reloaded.stdout, /reloadConfig\(\) successful/)
  assert.equal((await pidRequest(d, 'changed-at-the-console')).status, 401)
  // A reload went back to the file: a worker started after it must not get the older console change.
  await replaceWorker(d, PASSWORD)
  assert.equal(await d.stop(), 0)
})
