#!/usr/bin/env node
import { isTrackalertError } from '../errors.ts'
import { logger, LogLevel, StreamSink, type LogLevelValue } from '../log/index.ts'
import { VERSION } from '../version.ts'
import { parseCli, USAGE, type CliOptions } from './options.ts'
import { runServer } from './server-main.ts'

function configureLogging (opts: CliOptions): void {
  logger.setSinks([new StreamSink(process.stdout, opts.logFormat === 'json' ? 'json' : opts.docker ? 'timestamped' : 'plain')])
  if (opts.loglevel !== undefined) logger.setLevel(opts.loglevel as LogLevelValue)
  else logger.setLevel(LogLevel.info)
  if (opts.verbose) logger.setVerbose(true)
}

async function main (argv: readonly string[]): Promise<number> {
  let opts: CliOptions
  try {
    opts = parseCli(argv)
  } catch (err) {
    process.stderr.write(`trackalert: ${isTrackalertError(err) ? err.message : String(err)}\n\n${USAGE}`)
    return 2
  }
  if (opts.help) { process.stdout.write(USAGE); return 0 }
  if (opts.version) { process.stdout.write(`trackalert ${VERSION}\n`); return 0 }
  configureLogging(opts)
  return runServer(opts)
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`trackalert: fatal: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
