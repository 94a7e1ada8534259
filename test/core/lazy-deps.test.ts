import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { createRequire, register } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { eventually } from '../helpers/poll.ts'

/**
 * Optional libraries stay out of a process that does not use them (several MB of RSS each, in every
 * worker). What this process loaded: URLs the ES module loader resolved (reported by a module hook
 * registered before the daemon's code is imported) and CommonJS files in require.cache. Each library
 * is then used once, which also proves the check sees it.
 */
const resolvedUrls = new Set<string>()
const channel = new MessageChannel()
channel.port1.on('message', (url: string) => resolvedUrls.add(url))
channel.port1.unref()
register('./fixtures/record-loads.js', { parentURL: import.meta.url, data: { port: channel.port2 }, transferList: [channel.port2] })
const { App } = await import('../../src/app.ts')

const loaded = (pkg: string): boolean => {
  const marker = `/node_modules/${pkg}/`
  if ([...resolvedUrls].some((url) => url.includes(marker))) return true
  return Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(marker))
}

const PASSWORD = 'lazy-pw'
const auth = 'Basic ' + Buffer.from(`x:${PASSWORD}`).toString('base64')

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

test('ioredis, nodemailer, undici and the device rules load on first use only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-lazy-'))
  const deadPort = await closedPort()
  const configFile = join(dir, 'trackalert.conf')
  await writeFile(configFile, `
addListener("127.0.0.1:0", false, "", "", {})
setWebserverPassword("${PASSWORD}")
setRedis{ host = "127.0.0.1", port = ${deadPort}, timeout = 0.5 }
setMailRelay{ host = "127.0.0.1", port = ${deadPort}, from = "ta@example.com", timeout = 0.5, attempts = 1 }
addCustomWebHook("hook", { url = "http://127.0.0.1:${deadPort}/hook" })
addCustomStat("hooked")
function report(lt)
  if lt.login == "hook" then runCustomWebHook("hook", "{}") incCustomStat("hooked") end
end
setReport(report)
function useRedis(args)
  pcall(redis.get, "k") -- refused: only the attempt matters here
  return true, {}
end
setCustomEndpoint("useRedis", useRedis)
function useMail(args)
  sendMail{ to = "a@example.com", subject = "s", text = "b" }
  return true, {}
end
setCustomEndpoint("useMail", useMail)
`)
  const app = await App.start({ configFile, configName: configFile })
  t.after(() => app.close(1000))
  const url = `http://127.0.0.1:${app.http.addresses()[0].port}/command/`
  const post = async (command: string, body: unknown): Promise<number> => {
    const res = await fetch(url + command, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    await res.arrayBuffer()
    return res.status
  }
  const report = { login: 'alice', remote: '192.0.2.1', pwhash: 'ab', success: true, protocol: 'http', device_id: 'curl/8.0', device_attrs: { 'browser.family': 'curl' } }

  assert.equal(await post('report', report), 200)
  for (const pkg of ['ioredis', 'nodemailer', 'undici', 'yaml']) assert.equal(loaded(pkg), false, `${pkg} loaded before use`)

  // A report without device_attrs is parsed: the bundled rules (YAML) are compiled now.
  assert.equal(await post('report', { ...report, device_attrs: undefined }), 200)
  assert.equal(loaded('yaml'), true)

  assert.equal(await post('useRedis', { attrs: {} }), 200)
  assert.equal(loaded('ioredis'), true)
  assert.equal(loaded('nodemailer'), false)

  assert.equal(await post('useMail', { attrs: {} }), 200)
  assert.equal(await post('report', { ...report, login: 'hook' }), 200)
  await eventually(() => loaded('nodemailer') && loaded('undici'), 'the mail and webhook libraries to load', 10_000)
  assert.equal(loaded('nodemailer'), true)
  assert.equal(loaded('undici'), true)
})

test('better-sqlite3 loads only when the configuration enables login history', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-lazy-history-'))
  const plain = join(dir, 'plain.conf')
  await writeFile(plain, `addListener("127.0.0.1:0", false, "", "", {})\nsetWebserverPassword("${PASSWORD}")\nsetNumLuaStates(1)\n`)
  const without = await App.start({ configFile: plain, configName: plain })
  await without.close(1000)
  assert.equal(loaded('better-sqlite3'), false, 'better-sqlite3 loaded without setHistory')

  const withHistory = join(dir, 'history.conf')
  await writeFile(withHistory, `addListener("127.0.0.1:0", false, "", "", {})\nsetWebserverPassword("${PASSWORD}")\nsetNumLuaStates(1)\nsetHistory{ backend = "sqlite", path = "history.db", geoip = false }\n`)
  const app = await App.start({ configFile: withHistory, configName: withHistory })
  t.after(() => app.close(1000))
  assert.equal(loaded('better-sqlite3'), true)
})
