export {
  DeviceParser,
  DEFAULT_DEVICE_CACHE_SIZE,
  MAX_USER_AGENT_LENGTH,
  MAX_CLIENT_ID_LENGTH,
  deviceProtocolKind,
  type DeviceAttrs,
  type DeviceCacheStats,
  type DeviceParserOptions,
  type DeviceProtocolKind
} from './parser.ts'
export { UserAgentParser, type UserAgentInfo, type OsInfo, type DeviceInfo, type ParsedUserAgent } from './ua-parser.ts'
export { loadRegexes, defaultRegexesFile, compileRegexesText, type CompiledRegexes } from './regexes.ts'
export { parseImapId, imapDeviceAttrs, type ImapIdFields } from './imap-id.ts'
export { mobileApiDeviceAttrs } from './mobileapi.ts'
export { LruCache } from './lru.ts'
