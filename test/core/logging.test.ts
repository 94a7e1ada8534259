import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, request, PASSWORD, type RunningDaemon } from '../helpers/daemon.ts'
import { freePort, waitUntilServing } from '../helpers/ports.ts'

/** A custom endpoint that logs at every level once, then an errorLog sentinel that every level setting shows. */
const CONFIG = `
setCustomEndpoint("log", function(args)
  local tag = args.attrs.tag
  infoLog("an info line", { tag = tag, login = "alice", count = 3, ok = true })
  warnLog("a warning line", { tag = tag, quoted = 'say "hi" \\\\ bye' })
  errorLog("an error line", { tag = tag })
  infoLog("bare info " .. tag)
  vinfoLog("verbose info", { tag = tag })
  debugLog("debug line", { tag = tag })
  errorLog("sentinel", { tag = tag })
  return true
end)
`

let plain: RunningDaemon
let verbose: RunningDaemon
let quiet: RunningDaemon
let quietUrl: string

/** With -l 3 neither the listening line nor the ready notice is printed: use a known port and poll. */
async function startQuiet (): Promise<RunningDaemon> {
  const port = await freePort()
  quietUrl = `http://127.0.0.1:${port}`
  const d = await startDaemon({
    bare: true,
    config: `addListener("127.0.0.1:${port}", false, "", "", {})\nsetWebserverPassword("${PASSWORD}")\n` + CONFIG,
    args: ['-l', '3'],
    waitFor: null
  })
  try {
    await waitUntilServing(`${quietUrl}/command/livez`, d.exited)
  } catch (err) {
    await d.stop('SIGKILL')
    throw err
  }
  return d
}

before(async () => {
  [plain, verbose, quiet] = await Promise.all([
    startDaemon({ config: CONFIG }),
    startDaemon({ config: CONFIG, args: ['-v'] }),
    startQuiet()
  ])
})
after(() => Promise.all([plain?.stop(), verbose?.stop(), quiet?.stop()]))

/** Runs the endpoint and returns the log lines it produced (those carrying its tag). */
async function logLines (d: RunningDaemon, tag: string): Promise<string[]> {
  const res = await request(`${d === quiet ? quietUrl : d.url}/command/log`, { body: { attrs: { tag } } })
  assert.equal(res.status, 200)
  await d.waitForOutput(`err sentinel tag="${tag}"`, 5000)
  return d.output().split('\n').filter((l) => l.includes(`tag="${tag}"`) || l.endsWith(` ${tag}`))
}

test('infoLog, warnLog and errorLog print `message key="value"` with sorted keys', async () => {
  const lines = await logLines(plain, 't1')
  assert.deepEqual(lines, [
    'info an info line count="3" login="alice" ok="true" tag="t1"',
    'warning a warning line quoted="say \\"hi\\" \\\\ bye" tag="t1"',
    'err an error line tag="t1"',
    'info bare info t1',
    'err sentinel tag="t1"'
  ])
})

test('vinfoLog and debugLog appear only with -v', async () => {
  const lines = await logLines(verbose, 't2')
  assert.deepEqual(lines, [
    'info an info line count="3" login="alice" ok="true" tag="t2"',
    'warning a warning line quoted="say \\"hi\\" \\\\ bye" tag="t2"',
    'err an error line tag="t2"',
    'info bare info t2',
    'info verbose info tag="t2"',
    'debug debug line tag="t2"',
    'err sentinel tag="t2"'
  ])
})

test('-l 3 keeps errors only', async () => {
  const lines = await logLines(quiet, 't3')
  assert.deepEqual(lines, ['err an error line tag="t3"', 'err sentinel tag="t3"'])
  // The start-up notices are below level 3 too.
  assert.doesNotMatch(quiet.output(), /^(info|notice) /m)
})
