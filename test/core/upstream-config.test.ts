import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { request, startDaemon } from '../helpers/daemon.ts'
import { freePort } from '../helpers/ports.ts'
import { consoleExec, consolePort } from '../integration/helpers.ts'

/**
 * A config in the shape of the one upstream packages (written here): the deprecated webserver(),
 * setKey, controlSocket, addACL, a report function logging lt fields, and setBackground(func)
 * without a name. It must load and serve unchanged.
 */
test('a config shaped like upstream\'s packaged trackalert.conf loads and serves unchanged', async (t) => {
  const key = randomBytes(32).toString('base64')
  const port = await freePort()
  const d = await startDaemon({
    bare: true,
    config: `webserver("127.0.0.1:${port}", "the-password")
setKey("${key}")
controlSocket("127.0.0.1:0")

addACL("127.0.0.0/8")
addACL("192.168.0.0/16")

function report(lt)
   infoLog("Received report", { login=lt.login, remote=lt.remote:tostring(), timestamp=lt.t })
end

setReport(report)

function background()

end

setBackground(background)
`
  })
  t.after(() => d.stop())
  assert.match(d.output(), /webserver\(\) is deprecated/)
  assert.match(d.output(), /setBackground\(func\) without a name/)
  const res = await request(`http://127.0.0.1:${port}/command/report`, {
    auth: 'the-password',
    body: { login: 'alice', remote: '192.0.2.7', pwhash: 'aa11', success: true, t: 1700000000 }
  })
  assert.equal(res.status, 200)
  await d.waitForOutput(/Received report login="alice" remote="192\.0\.2\.7" timestamp="1700000000"/)

  const client = join(d.dir, 'client.conf')
  await writeFile(client, `controlSocket("127.0.0.1:${consolePort(d)}")\nsetKey("${key}")\n`)
  assert.equal((await consoleExec(client, 'stats()')).stdout, '1 reports\n')
})
