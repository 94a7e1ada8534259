import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { startSmtp } from '../lualib/smtp.ts'
import { waitFor } from '../webhooks/helpers.ts'

const MAILS = 20

async function reloaded (d: RunningDaemon, n: number): Promise<void> {
  await d.waitForOutput(new RegExp(`(configuration reloaded[^\\n]*\\n[^]*){${n}}`), 30_000)
}

test('mail refused for now by the relay survives two reloads and each mail arrives exactly once', async (t) => {
  const smtp = await startSmtp()
  t.after(() => smtp.close())
  // The relay answers 451 (try again later) to everything until it "comes back".
  smtp.rejectNext(1_000_000, 451)
  const d = await startDaemon({
    config: `
      setMailRelay{ host = "127.0.0.1", port = ${smtp.port}, from = "ta@example.com", attempts = 30, retry_delay = 0.05 }
      setCustomEndpoint("mail", function (args)
        return sendMail{ to = "sec@example.com", subject = "alert " .. args.attrs.id, text = "x" }, {}
      end)
    `
  })
  t.after(() => d.stop('SIGTERM', 5000))
  for (let i = 0; i < MAILS; i++) {
    const res = await request(`${d.url}/command/mail`, { body: { attrs: { id: `m-${i}` } } })
    assert.deepEqual(res.body, { success: true, r_attrs: {} })
  }
  d.child.kill('SIGHUP')
  await reloaded(d, 1)
  await sleep(2000)
  d.child.kill('SIGHUP')
  await reloaded(d, 2)
  smtp.rejectNext(0, 451)
  // Backoff doubles from 50 ms; after a few seconds of refusals the next retry is seconds away.
  await waitFor(() => smtp.mails.length >= MAILS, 'every mail', 40_000).catch(() => assert.fail(`${smtp.mails.length} of ${MAILS} mails arrived`))
  await sleep(500)
  const subjects = smtp.mails.map((m) => /^Subject: alert (\S+)$/m.exec(m.raw)?.[1])
  assert.deepEqual(subjects.sort(), Array.from({ length: MAILS }, (_v, i) => `m-${i}`).sort(), 'every mail arrives exactly once')
})
