export { logger, Logger, StreamSink, type LogSink, type TextStyle } from './logger.ts'
export { LogLevel, levelNames, type LogLevelValue } from './levels.ts'
export { formatText, formatJson, type LogFields } from './format.ts'
