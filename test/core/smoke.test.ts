import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { startDaemon, request } from '../helpers/daemon.ts'

const fixtures = new URL('../../../test/core/wforce-report-webhooks.json', import.meta.url)

test('wforce report webhook bodies are accepted as they are and reach Lua', async (t) => {
  const d = await startDaemon({
    config: `
      function report(lt)
        infoLog("seen", { login = lt.login, remote = lt.remote:tostring(), t = lt.t, groups = table.concat(lt.attrs_mv.groups or {}, ","), browser = lt.device_attrs["browser.family"] })
      end
      setReport(report)
    `
  })
  t.after(() => d.stop())
  const bodies = JSON.parse(await readFile(fixtures, 'utf8')) as unknown[]
  for (const body of bodies) {
    const res = await request(`${d.url}/command/report`, { body })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  }
  await d.waitForOutput('login="carol"')
  assert.match(d.output(), /info seen browser="Other" groups="" login="alice" remote="192.0.2.7" t="1795537046.032435"/)
  assert.match(d.output(), /browser="curl" groups="admin,staff" login="carol" remote="2001:db8::5"/)
})
