import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, request, type RunningDaemon } from '../helpers/daemon.ts'
import { rawRequest } from '../helpers/http-client.ts'

const CONFIG = `
setCustomEndpoint("stop", function(args)
  shutdown()
  return true, { bye = "now" }
end)
`

let byLua: RunningDaemon
let byTerm: RunningDaemon
let inConfig: RunningDaemon

before(async () => {
  [byLua, byTerm, inConfig] = await Promise.all([
    startDaemon({ config: CONFIG }),
    startDaemon({ config: CONFIG }),
    startDaemon({ config: 'shutdown()\n', waitFor: null })
  ])
})
after(() => Promise.all([byLua, byTerm, inConfig].map((d) => d?.stop('SIGKILL'))))

test('shutdown() from a custom endpoint answers the request, then the daemon exits 0', async () => {
  const res = await rawRequest(`${byLua.url}/command/stop`, { body: { attrs: {} } })
  assert.equal(res.status, 200)
  assert.deepEqual(res.body, { success: true, r_attrs: { bye: 'now' } })
  assert.equal(await byLua.exited, 0)
  assert.match(byLua.output(), /shutdown requested from Lua/)
  await assert.rejects(request(`${byLua.url}/command/livez`, { auth: false }))
})

test('SIGTERM exits 0 after stopping the listener', async () => {
  assert.equal((await request(`${byTerm.url}/command/livez`, { auth: false })).status, 200)
  assert.equal(await byTerm.stop('SIGTERM'), 0)
  assert.match(byTerm.output(), /shutting down/)
})

test('shutdown() called while the config loads stops the daemon before it serves', async () => {
  const outcome = await Promise.race([
    inConfig.exited.then((code) => `exit ${String(code)}`),
    inConfig.waitForOutput('trackalert ready', 15_000).then(() => 'served')
  ])
  assert.equal(outcome, 'exit 0')
})
