import { dirname, join } from 'node:path'
import { consoleCompletions, isCipherVariant, makeKey, parseControlSocketAddress, parseKey, runConsoleClient } from '../console/index.ts'
import { isTrackalertError, TrackalertError } from '../errors.ts'
import { readClientConfig } from './client-config.ts'
import { resolveConfigPath } from './config-path.ts'
import { type CliOptions } from './options.ts'

/** `trackalert -c [FILE]` and `trackalert -e CMD`: a console client; resolves with the exit code. */
export async function runClient (opts: CliOptions): Promise<number> {
  // The daemon's makeKey() only draws random bytes: answer here, so the first key needs neither a
  // running daemon nor a config that already has a key (the console cannot connect without one).
  if (opts.execute?.trim() === 'makeKey()') { process.stdout.write(`${makeKey()}\n`); return 0 }
  const config = resolveConfigPath(opts.clientConfig ?? opts.config)
  let host: string
  let port: number
  let key: Buffer
  try {
    const cc = readClientConfig(config.absolute)
    ;({ host, port } = parseControlSocketAddress(cc.controlSocket))
    const parsed = parseKey(cc.key)
    if (parsed === null) throw new TrackalertError('TA_ERR_CONFIG_INVALID', `${config.name}: setKey() needs the base64 encoding of 32 bytes (make one with trackalert --make-key)`)
    key = parsed
  } catch (err) {
    process.stderr.write(`trackalert: ${isTrackalertError(err) ? err.message : (err as Error).message}\n`)
    return 1
  }
  const variant = opts.consoleCipher
  if (!isCipherVariant(variant)) {
    process.stderr.write(`trackalert: unknown --console-cipher '${variant}' (libsodium or openssl)\n`)
    return 2
  }
  return runConsoleClient({
    host,
    port,
    key,
    variant,
    // Upstream treats `-e ''` as interactive.
    command: opts.execute === undefined || opts.execute === '' ? undefined : opts.execute,
    historyFile: join(dirname(config.absolute), '.history'),
    completions: consoleCompletions
  })
}
