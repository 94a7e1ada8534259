import { spawn, type IPty } from 'node-pty'
import { CLI } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'

/** The trackalert CLI on a real pseudo-terminal, with everything it printed kept for matching. */
export class Terminal {
  readonly pty: IPty
  output = ''
  exitCode: number | undefined

  constructor (args: readonly string[], cwd: string) {
    this.pty = spawn(process.execPath, [CLI, ...args], {
      cols: 160,
      rows: 40,
      cwd,
      env: { ...process.env, NODE_OPTIONS: '' } as Record<string, string>
    })
    this.pty.onData((data) => { this.output += data })
    this.pty.onExit(({ exitCode }) => { this.exitCode = exitCode })
  }

  /** Waits until the output after offset `from` contains `text`; returns the offset just past it. */
  async expect (text: string | RegExp, from = 0, timeoutMs = 20_000): Promise<number> {
    const find = (): number => {
      const rest = this.output.slice(from)
      if (typeof text === 'string') { const i = rest.indexOf(text); return i < 0 ? -1 : from + i + text.length }
      const m = text.exec(rest)
      return m === null ? -1 : from + m.index + m[0].length
    }
    await eventually(() => find() >= 0, `${String(text)} in ${JSON.stringify(this.output.slice(from))}`, timeoutMs)
    return find()
  }

  type (keys: string): void { this.pty.write(keys) }

  async exited (timeoutMs = 20_000): Promise<number> {
    await eventually(() => this.exitCode !== undefined, 'the process on the pty to exit', timeoutMs)
    return this.exitCode as number
  }

  kill (): void {
    if (this.exitCode !== undefined) return
    try { this.pty.kill('SIGKILL') } catch { /* already gone */ }
  }
}
