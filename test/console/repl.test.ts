import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawn, type IPty } from 'node-pty'
import { ConsoleServer } from '../../src/console/index.ts'
import { eventually } from '../helpers/poll.ts'
import { captureLogs } from './helpers.ts'

const helper = fileURLToPath(new URL('./fixtures/repl-helper.js', import.meta.url))
const dir = await mkdtemp(join(tmpdir(), 'ta-console-repl-'))
const capture = captureLogs()
const children: IPty[] = []

after(async () => {
  for (const child of children) {
    try { child.kill() } catch { /* already gone */ }
  }
  capture.restore()
  await rm(dir, { recursive: true, force: true })
})

/** A helper process on a real pty, with its screen output collected for matching. */
class Terminal {
  readonly pty: IPty
  output = ''
  exitCode: number | undefined

  constructor (mode: string, args: string[]) {
    this.pty = spawn(process.execPath, [helper, ...args], {
      cols: 120,
      rows: 30,
      cwd: dir,
      env: { ...process.env, TA_REPL_HELPER: mode, NODE_OPTIONS: '' }
    })
    children.push(this.pty)
    this.pty.onData((data) => { this.output += data })
    this.pty.onExit(({ exitCode }) => { this.exitCode = exitCode })
  }

  /** Waits until the output since `from` contains `text`; returns the offset just past it. */
  async expect (text: string, from = 0): Promise<number> {
    await eventually(() => this.output.indexOf(text, from) >= 0, `${JSON.stringify(text)} in ${JSON.stringify(this.output.slice(from))}`)
    return this.output.indexOf(text, from) + text.length
  }

  type (keys: string): void {
    this.pty.write(keys)
  }

  async exited (): Promise<number> {
    await eventually(() => this.exitCode !== undefined, 'the console process to exit')
    return this.exitCode!
  }
}

test('local REPL on a pty: prompt, reply, completion, errors, Ctrl-D, history file', async () => {
  const history = join(dir, 'local.history')
  const term = new Terminal('local', [history])
  let at = await term.expect('> ')
  term.type('ping()\r')
  at = await term.expect('pong\r\n', at)
  at = await term.expect('> ', at)

  term.type('showVer\t')
  at = await term.expect('showVersion()', at)
  term.type('\r')
  at = await term.expect('echo:showVersion()\r\n', at)

  term.type('empty()\r')
  at = await term.expect('> ', at)
  term.type('fail()\r')
  at = await term.expect('Error: it failed\r\n', at)

  term.type('\x04') // Ctrl-D
  await term.expect('[repl ended]', at)
  assert.equal(await term.exited(), 0)

  assert.equal(await readFile(history, 'utf8'), 'ping()\nshowVersion()\nempty()\nfail()\n')
  assert.equal((await stat(history)).mode & 0o777, 0o600)
})

test('local REPL: history is loaded, Ctrl-C clears a line, quit leaves', async () => {
  const history = join(dir, 'loaded.history')
  await writeFile(history, 'first()\nlast()\n')
  const term = new Terminal('local', [history])
  let at = await term.expect('> ')
  term.type('\x1b[A') // up arrow: most recent entry
  at = await term.expect('last()', at)
  term.type('\r')
  at = await term.expect('echo:last()\r\n', at)

  term.type('half typed')
  at = await term.expect('half typed', at)
  term.type('\x03') // Ctrl-C on a non-empty line only clears it
  term.type('ping()\r')
  at = await term.expect('pong\r\n', at)
  assert.ok(!term.output.includes('echo:half typed'))

  term.type('quit\r')
  await term.expect('[repl ended]', at)
  assert.equal(await term.exited(), 0)
})

test('remote console on a pty against a real server; the session ends cleanly when the server goes away', async () => {
  const key = Buffer.alloc(32, 0x33)
  const server = new ConsoleServer({ key, execute: async (line) => (line === 'stats()' ? '40 reports\n' : `remote:${line}`) })
  const { port } = await server.listen('127.0.0.1', 0)
  try {
    const history = join(dir, 'remote.history')
    const term = new Terminal('client', [history, String(port), key.toString('hex')])
    let at = await term.expect('Connected to 127.0.0.1:')
    at = await term.expect('> ', at)
    term.type('sta\t')
    at = await term.expect('stats()', at)
    term.type('\r')
    at = await term.expect('40 reports\r\n', at)
    term.type('\x04')
    await term.expect('[client ended]', at)
    assert.equal(await term.exited(), 0)
    assert.equal(await readFile(history, 'utf8'), 'stats()\n')

    const second = new Terminal('client', [history, String(port), key.toString('hex')])
    at = await second.expect('> ')
    second.type('showVersion()\r')
    at = await second.expect('remote:showVersion()\r\n', at)
    await server.close()
    second.type('stats()\r')
    await second.expect('[client ended]', at)
    assert.equal(await second.exited(), 1)
    assert.match(second.output, /closed the console connection/)
  } finally {
    await server.close()
  }
})
