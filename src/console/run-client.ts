import { formatAddress } from './address.ts'
import { type CipherVariant } from './cipher.ts'
import { ConsoleClient, ConsoleClientError, type ConsoleClientOptions } from './client.ts'
import { consoleCompletions } from './commands.ts'
import { runRepl } from './repl.ts'
import { formatReplyForDisplay, isErrorReply } from './reply.ts'

export interface RunConsoleClientOptions {
  host: string
  port: number
  key: Buffer
  /** Must match the server's build; default `libsodium`. */
  variant?: CipherVariant
  /** `-e CMD`: run just this command. Without it, an interactive console. */
  command?: string
  historyFile?: string
  completions?: readonly string[]
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
  errorOutput?: NodeJS.WritableStream
  clientOptions?: ConsoleClientOptions
}

function describe (err: unknown): string {
  if (err instanceof ConsoleClientError && err.kind === 'rejected') {
    return `${err.message}\nCheck that setKey() matches the server's key and that the cipher variant matches its build (libsodium or openssl).`
  }
  return err instanceof Error ? err.message : String(err)
}

/**
 * `trackalert -c` / `trackalert -e CMD`. Resolves with the process exit code: 0 on success, 1 when
 * the server cannot be reached, rejects the key, or drops the connection, or when the `-e` command
 * failed (its reply, printed as usual, reports an error). The socket is always
 * closed before returning, so nothing keeps the process alive.
 */
export async function runConsoleClient (options: RunConsoleClientOptions): Promise<number> {
  const output = options.output ?? process.stdout
  const errorOutput = options.errorOutput ?? process.stderr
  const variant = options.variant ?? 'libsodium'
  const client = new ConsoleClient()
  try {
    await client.connect(options.host, options.port, options.key, variant, options.clientOptions)
    if (options.command !== undefined) {
      const reply = await client.run(options.command)
      output.write(formatReplyForDisplay(reply))
      // Scripts need to know: a Lua error or a failed reloadConfig() is exit status 1.
      return isErrorReply(reply) ? 1 : 0
    }
    output.write(`Connected to ${formatAddress(options.host, options.port)} (${variant})\n`)
    const lost = new AbortController()
    let failure: unknown
    await runRepl({
      execute: async (line) => {
        try {
          return await client.run(line)
        } catch (err) {
          // A broken connection ends the session; anything else is reported and the session goes on.
          if (client.connected) throw err
          failure = err
          lost.abort()
          return ''
        }
      },
      historyFile: options.historyFile,
      completions: options.completions ?? consoleCompletions,
      input: options.input,
      output,
      signal: lost.signal
    })
    if (failure !== undefined) {
      errorOutput.write(`trackalert: ${describe(failure)}\n`)
      return 1
    }
    return 0
  } catch (err) {
    errorOutput.write(`trackalert: ${describe(err)}\n`)
    return 1
  } finally {
    client.close()
  }
}
