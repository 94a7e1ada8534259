export {
  SyslogSink, parseFacility, facilityNames, SYSLOG_SOCKET_ENV, DEFAULT_SYSLOG_SOCKET, type SyslogSinkOptions
} from './syslog.ts'
export {
  notify, notifyReady, notifyStopping, notifyReloading, notifyStatus, monotonicUsec, NOTIFY_SOCKET_ENV, type NotifyOptions
} from './sd-notify.ts'
export {
  daemonize, spawnDaemon, isDaemonChild, signalDaemonReady, signalDaemonFailure, stripDaemonFlag,
  trackalertOptionSyntax, DAEMON_CHILD_ENV, type DaemonSpawnOptions, type DaemonOutcome, type OptionSyntax
} from './daemonize.ts'
export { acquirePidFile, readPidFile, isProcessAlive, type PidFile } from './pid-file.ts'
export { installSignalHandlers, type SignalHandlerOptions, type ShutdownSignal } from './signals.ts'
