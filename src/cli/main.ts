#!/usr/bin/env node
import { makeKey } from '../console/index.ts'
import { isTrackalertError } from '../errors.ts'
import { logger, LogLevel, StreamSink, type LogLevelValue } from '../log/index.ts'
import { daemonize, isDaemonChild, parseFacility, SyslogSink, trackalertOptionSyntax } from '../ops/index.ts'
import { VERSION } from '../version.ts'
import { runClient } from './client-main.ts'
import { parseCli, USAGE, type CliOptions } from './options.ts'
import { runServer } from './server-main.ts'

function configureLogging (opts: CliOptions): void {
  if (opts.facility !== undefined) {
    logger.setSinks([new SyslogSink({ facility: opts.facility })])
  } else {
    logger.setSinks([new StreamSink(process.stdout, opts.logFormat === 'json' ? 'json' : opts.docker ? 'timestamped' : 'plain')])
  }
  logger.setLevel((opts.loglevel ?? LogLevel.info) as LogLevelValue)
  if (opts.verbose) logger.setVerbose(true)
}

function usageError (message: string): number {
  process.stderr.write(`trackalert: ${message}\n\n${USAGE}`)
  return 2
}

async function main (argv: readonly string[]): Promise<number> {
  let opts: CliOptions
  try {
    opts = parseCli(argv, { daemonChild: isDaemonChild() })
    if (opts.facility !== undefined) parseFacility(opts.facility)
  } catch (err) {
    return usageError(isTrackalertError(err) ? err.message : String(err))
  }
  if (opts.help) { process.stdout.write(USAGE); return 0 }
  if (opts.version) { process.stdout.write(`trackalert ${VERSION}\n`); return 0 }
  if (opts.makeKey) { process.stdout.write(`${makeKey()}\n`); return 0 }
  if (opts.client || opts.execute !== undefined) return runClient(opts)
  if (opts.daemon && !isDaemonChild()) {
    // -c takes no value in our parser, so it is not an option with an optional value here.
    return daemonize({ args: argv, syntax: { ...trackalertOptionSyntax, shortWithOptionalValue: '' } })
  }
  configureLogging(opts)
  return runServer(opts)
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`trackalert: fatal: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
