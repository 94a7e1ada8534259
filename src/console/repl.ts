import { appendFileSync, readFileSync } from 'node:fs'
import { createInterface, type Completer } from 'node:readline'
import { formatReplyForDisplay } from './reply.ts'

export interface ReplOptions {
  /** Runs one line; the resolved text is printed. A rejection is printed as `Error: <message>`. */
  execute: (line: string) => Promise<string>
  /** Lines are loaded from here at start and appended as they are entered (created mode 0600: lines may hold keys). */
  historyFile?: string
  /** Candidates for tab completion of the first word. */
  completions?: readonly string[]
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
  prompt?: string
  /** Aborting ends the REPL (e.g. when the remote console connection is lost). */
  signal?: AbortSignal
  historySize?: number
}

function loadHistory (file: string | undefined, size: number): string[] {
  if (file === undefined) return []
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  // The file is oldest-first (upstream's `.history` format); readline wants newest-first.
  return text.split('\n').filter((line) => line.trim() !== '').slice(-size).reverse()
}

/** Completes only the first word, as upstream does: arguments are Lua expressions, not command names. */
function makeCompleter (words: readonly string[]): Completer {
  return (line: string): [string[], string] => {
    if (/[\s(]/.test(line)) return [[], line]
    return [words.filter((word) => word.startsWith(line)), line]
  }
}

/**
 * The interactive console shared by `trackalert -c` and the daemon's foreground console: prompt
 * `> `, history, completion; `quit`, Ctrl-D, or Ctrl-C on an empty line leave. Ctrl-C on a
 * non-empty line only clears it, so a slip of the finger does not end the session.
 */
export async function runRepl (options: ReplOptions): Promise<void> {
  const output = options.output ?? process.stdout
  const historySize = options.historySize ?? 1000
  const rl = createInterface({
    input: options.input ?? process.stdin,
    output,
    prompt: options.prompt ?? '> ',
    completer: makeCompleter(options.completions ?? []),
    history: loadHistory(options.historyFile, historySize),
    historySize,
    removeHistoryDuplicates: true,
    tabSize: 4
  })
  rl.on('SIGINT', () => {
    if (rl.line === '') {
      output.write('\n')
      rl.close()
    } else {
      rl.write(null, { ctrl: true, name: 'e' })
      rl.write(null, { ctrl: true, name: 'u' })
    }
  })
  const onAbort = (): void => { rl.close() }
  // A function, not a property read: TypeScript would otherwise keep the narrowing from the first check.
  const aborted = (): boolean => options.signal?.aborted === true
  if (aborted()) {
    rl.close()
    return
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })

  let historyFile = options.historyFile
  let lastLine = ''
  try {
    rl.prompt()
    for await (const line of rl) {
      if (historyFile !== undefined && line.trim() !== '' && line !== lastLine) {
        try {
          appendFileSync(historyFile, line + '\n', { mode: 0o600 })
        } catch (err) {
          output.write(`(not saving history: ${(err as Error).message})\n`)
          historyFile = undefined
        }
      }
      lastLine = line
      if (line.trim() === 'quit') break
      let reply: string
      try {
        reply = await options.execute(line)
      } catch (err) {
        reply = `Error: ${err instanceof Error ? err.message : String(err)}`
      }
      output.write(formatReplyForDisplay(reply))
      if (aborted()) break
      rl.prompt()
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    rl.close()
  }
}
