import { parseArgs } from 'node:util'
import { TrackalertError } from '../errors.ts'

export type LogFormat = 'text' | 'json'

export interface CliOptions {
  readonly config: string | undefined
  readonly client: boolean
  readonly clientConfig: string | undefined
  readonly execute: string | undefined
  readonly supervised: boolean
  readonly daemon: boolean
  readonly docker: boolean
  readonly facility: string | undefined
  readonly loglevel: number | undefined
  readonly verbose: boolean
  readonly regexes: string | undefined
  readonly pidfile: string | undefined
  readonly logFormat: LogFormat
  readonly consoleCipher: string
  readonly help: boolean
  readonly version: boolean
  readonly makeKey: boolean
}

export const USAGE = `Usage: trackalert [OPTION]...
Track and alert on long-term login abuse (drop-in for PowerDNS weakforced's trackalert).

Server:
  -C, --config FILE      load configuration from FILE (default /etc/wforce/trackalert.conf,
                         else /etc/trackalert.conf); trackalert chdirs to FILE's folder
  -s                     run in the foreground without a console (for supervisors)
  -d, --daemon           fork into the background; the parent exits once the daemon is ready
      --pidfile FILE     with -d: write the daemon's pid to FILE
  -D, --docker           foreground, no console, timestamped logs on stdout
  -R, --regexes FILE     device parsing regexes (ua-parser regexes.yaml)
  -f, --facility NAME    log to the local syslog with facility NAME (e.g. local0)
  -l, --loglevel 0-7     log only messages at this syslog level or more severe (default 6)
  -v, --verbose          verbose: debug messages, vinfoLog() and debugLog()
      --log-format FMT   stdout log format: text (default) or json

Console client:
  -c [FILE]              connect to the controlSocket/setKey of FILE (default config) interactively
  -e, --execute CMD      connect, run CMD, print the reply and exit
      --console-cipher C libsodium (default; upstream's Debian/RPM builds) or openssl
                         (upstream's Docker images)
      --make-key         print a new console key as a setKey("...") line for the config
                         and exit (needs no config and no daemon)

  -h, --help             show this help and exit
      --version          print the version and exit
`

function usageError (message: string): TrackalertError {
  return new TrackalertError('TA_ERR_CLI_USAGE', message)
}

/**
 * Parses argv strictly: an unknown option or a bad value is an error (upstream silently ignores them).
 * `daemonChild`: the process forked by -d, which gets the arguments without -d but keeps --pidfile.
 */
export function parseCli (argv: readonly string[], { daemonChild = false }: { daemonChild?: boolean } = {}): CliOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'C' },
        client: { type: 'boolean', short: 'c' },
        execute: { type: 'string', short: 'e' },
        supervised: { type: 'boolean', short: 's' },
        daemon: { type: 'boolean', short: 'd' },
        docker: { type: 'boolean', short: 'D' },
        facility: { type: 'string', short: 'f' },
        loglevel: { type: 'string', short: 'l' },
        verbose: { type: 'boolean', short: 'v' },
        regexes: { type: 'string', short: 'R' },
        pidfile: { type: 'string' },
        'log-format': { type: 'string' },
        'console-cipher': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        'make-key': { type: 'boolean' }
      }
    })
  } catch (err) {
    throw usageError((err as Error).message)
  }
  const v = parsed.values
  const client = v.client === true
  if (parsed.positionals.length > 0 && !client) throw usageError(`unexpected argument '${parsed.positionals[0]}'`)
  if (parsed.positionals.length > 1) throw usageError('-c takes at most one configuration file')
  let loglevel: number | undefined
  if (v.loglevel !== undefined) {
    if (!/^[0-7]$/.test(v.loglevel)) throw usageError(`--loglevel must be a number from 0 to 7, got '${v.loglevel}'`)
    loglevel = Number(v.loglevel)
  }
  const logFormat = v['log-format'] ?? 'text'
  if (logFormat !== 'text' && logFormat !== 'json') throw usageError(`--log-format must be text or json, got '${logFormat}'`)
  if (v.pidfile !== undefined && v.daemon !== true && !daemonChild) throw usageError('--pidfile only applies with -d/--daemon')
  const modes = [v.daemon, v.supervised, v.docker].filter((x) => x === true).length
  if (modes > 1) throw usageError('-d, -s and -D are mutually exclusive')
  const cipher = v['console-cipher']
  if (cipher !== undefined && cipher !== 'libsodium' && cipher !== 'openssl') throw usageError(`--console-cipher must be libsodium or openssl, got '${cipher}'`)
  if ((client || v.execute !== undefined) && modes > 0) throw usageError('-c/-e run the console client: they cannot be combined with -d, -s or -D')
  return {
    config: v.config,
    client,
    clientConfig: parsed.positionals[0],
    execute: v.execute,
    supervised: v.supervised === true,
    daemon: v.daemon === true,
    docker: v.docker === true,
    facility: v.facility,
    loglevel,
    verbose: v.verbose === true,
    regexes: v.regexes,
    pidfile: v.pidfile,
    logFormat,
    consoleCipher: v['console-cipher'] ?? 'libsodium',
    help: v.help === true,
    version: v.version === true,
    makeKey: v['make-key'] === true
  }
}
