import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PASSWORD, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { freePort } from '../helpers/ports.ts'
import { consoleConfig, consoleExec, consolePort, getFrom, runCli, writeClientConfig } from './helpers.ts'
import { Terminal } from './pty.ts'

const DEFAULT_ACL = '127.0.0.0/8\n10.0.0.0/8\n100.64.0.0/10\n169.254.0.0/16\n192.168.0.0/16\n172.16.0.0/12\n::1/128\nfc00::/7\nfe80::/10\n'

const CONFIG = `
  addCustomStat("c")
  setCustomEndpoint("ep", function (args) return true, {} end)
  addCustomWebHook("hook", { url = "http://127.0.0.1:9/never" })
  setBackground("bg", function () end)
  intervalScheduleBackgroundFunc("24", "bg")
`

/** `text` as a regular expression that matches it literally. */
const lit = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

let version: Promise<string> | undefined
/** What `trackalert --version` prints (with the build's own package.json lookup), asked once. */
function versionLine (): Promise<string> {
  version ??= runCli(['--version']).then((r) => {
    assert.equal(r.code, 0)
    return r.stdout
  })
  return version
}

async function openRaw (port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  socket.on('error', () => {})
  return socket
}

/** Resolves when the peer has closed the connection (reading on, so the end of the stream is seen). */
const closed = (socket: Socket): Promise<void> => new Promise((resolve) => {
  if (socket.destroyed) { resolve(); return }
  socket.once('close', () => resolve())
  socket.resume()
})

interface Shared { d: RunningDaemon, key: string, client: string }
let shared: Promise<Shared> | undefined
/** One daemon for the tests below that neither change nor stop it. */
function sharedDaemon (): Promise<Shared> {
  shared ??= (async () => {
    const cons = consoleConfig()
    const d = await startDaemon({ config: cons.lines + CONFIG })
    return { d, key: cons.key, client: await writeClientConfig(d, cons.key) }
  })()
  return shared
}
after(async () => { if (shared !== undefined) await (await shared).d.stop() })

for (const cipher of ['libsodium', 'openssl'] as const) {
  test(`every console command over -e (${cipher})`, async (t) => {
    const cons = consoleConfig()
    const d = await startDaemon({ config: cons.lines + CONFIG })
    t.after(() => d.stop())
    const client = await writeClientConfig(d, cons.key)
    const run = async (cmd: string): Promise<string> => {
      const r = await consoleExec(client, cmd, cipher)
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`)
      assert.equal(r.stderr, '')
      return r.stdout
    }
    const version = lit(await versionLine())
    // Each command with the pattern of its reply.
    const commands: Array<[string, string]> = [
      ['makeKey()', 'setKey\\("[A-Za-z0-9+/]{43}="\\)\\n'],
      ['stats()', '0 reports\\n'],
      ['showACL()', lit(DEFAULT_ACL)],
      ['showCustomWebHooks()', 'ID\\s+Name\\s+Successes\\s+Failures\\s+URL\\n1\\s+hook\\s+0\\s+0\\s+http://127\\.0\\.0\\.1:9/never\\n'],
      ['showPerfStats()', 'WTW_0_1=0\\nWTW_1_10=0\\nWTW_10_100=0\\nWTW_100_1000=0\\nWTW_Slow=0\\nWTR_0_1=0\\nWTR_1_10=0\\nWTR_10_100=0\\nWTR_100_1000=0\\nWTR_Slow=0\\n'],
      ['showCommandStats()', 'ep=0\\nlivez=0\\nreadyz=0\\nreport=0\\nstats=0\\n'],
      ['showCustomStats()', 'c=0\\n'],
      ['showCustomEndpoints()', '(?:Custom Endpoint *\\n)?ep *\\n'],
      ['reloadGeoIPDBs()', 'reloadGeoIPDBs\\(\\) successful\\n'],
      ['showVersion()', version],
      ['testCrypto("hello")', 'Everything is ok!\\n'],
      ['showBackgroundFuncs()', 'Name\\s+Schedule\\s+OK\\s+Errors\\s+Skipped\\s+Last run\\s+Last result\\nbg\\s+every 24:00:00\\s+0\\s+0\\s+0\\s+-\\s+-\\n']
    ]
    if (cipher === 'libsodium') {
      // One client per command, all at once: the daemon serialises console lines.
      const replies = await Promise.all(commands.map(([cmd]) => run(cmd)))
      replies.forEach((reply, i) => assert.match(reply, new RegExp(`^${commands[i]?.[1] as string}$`), commands[i]?.[0]))
    } else {
      // A console line is Lua: one line running every command gets all the replies, in order.
      const reply = await run(commands.map(([cmd]) => cmd).join(' '))
      assert.match(reply, new RegExp(`^${commands.map(([, re]) => re).join('')}$`))
    }
    assert.equal(await run('1+2'), '3\n')
    // A failed command prints its error and exits 1 (see console-setup.test.ts).
    const failed = await consoleExec(client, 'error("broken")', cipher)
    assert.equal(failed.code, 1)
    assert.match(failed.stdout, /^Error: .*broken\n$/)

    // A console line runs once, in the config state: one increment, not one per Lua state.
    assert.equal(await run('incCustomStat("c") showCustomStats()'), 'c=1\n')

    // setACL from the console changes the live ACL of the REST API.
    assert.equal((await getFrom(`${d.url}/command/stats`, '127.0.0.2')).status, 200)
    assert.equal(await run('setACL({"127.0.0.1/32"}) showACL()'), '127.0.0.1/32\n')
    const denied = await getFrom(`${d.url}/command/stats`, '127.0.0.2')
    assert.equal(denied.status, 401)
    assert.match(denied.text, /Source IP Address not in ACL/)
    assert.equal((await getFrom(`${d.url}/command/stats`, '127.0.0.1')).status, 200)

    // shutdown() stops the daemon gracefully.
    await run('shutdown()')
    assert.equal(await d.exited, 0)
  })
}

test('showCustomEndpoints() prints the "Custom Endpoint" header as docs/console.md and upstream do', async () => {
  const { client } = await sharedDaemon()
  const r = await consoleExec(client, 'showCustomEndpoints()')
  assert.equal(r.stdout.split('\n').map((l) => l.trimEnd()).join('\n'), 'Custom Endpoint\nep\n')
})

test('-e with a wrong key or an unreachable daemon fails with a clear message', async () => {
  const { d, key, client } = await sharedDaemon()
  const wrong = join(d.dir, 'wrong.conf')
  await writeFile(wrong, `controlSocket("127.0.0.1:${consolePort(d)}")\nsetKey("${randomBytes(32).toString('base64')}")\n`)
  for (const cipher of ['libsodium', 'openssl'] as const) {
    const r = await consoleExec(wrong, 'stats()', cipher)
    assert.equal(r.code, 1, cipher)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /wrong key or protocol variant/, cipher)
  }
  await eventually(() => /Dropping console connection/.test(d.output()), 'the daemon to log the rejected console')

  const nobody = join(d.dir, 'nobody.conf')
  await writeFile(nobody, `controlSocket("127.0.0.1:${await freePort()}")\nsetKey("${key}")\n`)
  const r = await consoleExec(nobody, 'stats()')
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^trackalert: .+/)

  // The daemon is still fine.
  const ok = await consoleExec(client, 'stats()')
  assert.equal(ok.stdout, '0 reports\n')
})

test('garbage and a truncated frame on the console socket do not hurt the daemon; 20 clients at once', async () => {
  const { d, client } = await sharedDaemon()
  const port = consolePort(d)

  // Random bytes: read as a nonce and then a frame of random length, which cannot decrypt.
  const garbage = await openRaw(port)
  garbage.end(randomBytes(300))
  await closed(garbage)
  // A frame that is complete but does not decrypt closes the connection at once.
  const forged = await openRaw(port)
  forged.write(Buffer.concat([randomBytes(24), Buffer.from([0x00, 0x20]), randomBytes(32)]))
  await closed(forged)

  // A libsodium nonce, then a frame header announcing 256 bytes followed by only 10 of them.
  const truncated = await openRaw(port)
  truncated.write(randomBytes(24))
  await new Promise<void>((resolve) => truncated.once('data', () => resolve()))
  truncated.end(Buffer.concat([Buffer.from([0x01, 0x00]), randomBytes(10)]))
  await closed(truncated)
  await eventually(() => /truncated frame/.test(d.output()), 'the truncated frame to be logged')

  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    consoleExec(client, `${i} * 1000 + 7`, i % 2 === 0 ? 'libsodium' : 'openssl')))
  results.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, `${i * 1000 + 7}\n`)
  })
  assert.equal(d.child.exitCode, null)
})

test('interactive trackalert -c on a pty: prompt, reply, completion, quit, .history', async (t) => {
  const { d, client } = await sharedDaemon()
  const term = new Terminal(['-c', client], d.dir)
  t.after(() => term.kill())
  let at = await term.expect('> ')
  term.type('stats()\r')
  at = await term.expect('0 reports\r\n', at)
  at = await term.expect('> ', at)
  term.type('showVer\t')
  at = await term.expect('showVersion()', at)
  term.type('\r')
  await term.expect(/trackalert \S+\r\n/, at)
  term.type('quit\r')
  assert.equal(await term.exited(), 0)
  const history = join(d.dir, '.history')
  // As upstream, every line goes to the history, quit included.
  assert.equal(await readFile(history, 'utf8'), 'stats()\nshowVersion()\nquit\n')
  assert.equal((await stat(history)).mode & 0o777, 0o600)
})

test('the daemon\'s own foreground console: prompt, showVersion(), Ctrl-D stops the daemon', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-int-console-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'trackalert.conf'), `addListener("127.0.0.1:0", false, "", "", {})\nsetWebserverPassword("${PASSWORD}")\n`)
  const term = new Terminal(['-C', join(dir, 'trackalert.conf')], dir)
  t.after(() => term.kill())
  let at = await term.expect('trackalert ready')
  const port = /listening for HTTP commands address="[^"]*:(\d+)"/.exec(term.output)?.[1]
  assert.ok(port !== undefined)
  at = await term.expect('> ', at)
  term.type('showVersion()\r')
  await term.expect((await versionLine()).trim() + '\r\n', at)
  term.type('\x04')
  assert.equal(await term.exited(), 0)
  // The HTTP listener went with it.
  await assert.rejects(fetch(`http://127.0.0.1:${port}/command/livez`))
  assert.match(await readFile(join(dir, '.history'), 'utf8'), /^showVersion\(\)\n$/)
})
