import { isIPv4, isIPv6 } from 'node:net'
import { TrackalertError } from '../errors.ts'

/**
 * Port used when `controlSocket()` gets no port. Upstream's documentation says 5199; its code
 * actually falls back to 4004 (wforce's port). We follow the documentation.
 */
export const DEFAULT_CONSOLE_PORT = 5199

export interface ConsoleAddress {
  host: string
  port: number
}

function invalid (input: string, why: string): TrackalertError {
  return new TrackalertError('TA_ERR_CONFIG_INVALID', `controlSocket("${input}"): ${why}`)
}

function parsePort (input: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw invalid(input, `"${text}" is not a port number`)
  const port = Number(text)
  if (port > 65535) throw invalid(input, `port ${port} is out of range`)
  return port
}

/**
 * Parses `IP[:port]` as accepted by `controlSocket()`: `1.2.3.4`, `1.2.3.4:5199`, `::1`,
 * `[::1]` or `[::1]:5199`. Hostnames are rejected (upstream does not resolve them either), so a
 * typo cannot silently bind somewhere unexpected.
 */
export function parseControlSocketAddress (input: string, defaultPort: number = DEFAULT_CONSOLE_PORT): ConsoleAddress {
  const text = input.trim()
  if (text === '') throw invalid(input, 'empty address')
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) throw invalid(input, 'missing "]" after the IPv6 address')
    const host = text.slice(1, close)
    if (!isIPv6(host)) throw invalid(input, `"${host}" is not an IPv6 address`)
    const rest = text.slice(close + 1)
    if (rest === '') return { host, port: defaultPort }
    if (!rest.startsWith(':')) throw invalid(input, `unexpected "${rest}" after "]"`)
    return { host, port: parsePort(input, rest.slice(1)) }
  }
  if (isIPv6(text)) return { host: text, port: defaultPort }
  const colon = text.lastIndexOf(':')
  const host = colon < 0 ? text : text.slice(0, colon)
  if (!isIPv4(host)) {
    throw invalid(input, `"${host}" is not an IP address (use an IPv4 address, or [IPv6]:port; hostnames are not resolved)`)
  }
  return { host, port: colon < 0 ? defaultPort : parsePort(input, text.slice(colon + 1)) }
}

/** `1.2.3.4:5199` or `[::1]:5199`, for logs and messages. */
export function formatAddress (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
