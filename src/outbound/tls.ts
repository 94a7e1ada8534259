import { readFileSync } from 'node:fs'
import { type ConnectionOptions } from 'node:tls'
import { TrackalertError } from '../errors.ts'

/**
 * Outbound TLS settings shared by every HTTPS client the daemon opens (webhooks, the Lua HTTP client).
 * Mirrors upstream's curl knobs: disableCurlPeerVerification(), disableCurlHostVerification(),
 * setCurlCABundleFile(path), setCurlClientCertAndKey(cert, key).
 */
export interface OutboundTlsSettings {
  /** Verify the server's certificate chain (curl VERIFYPEER). */
  verifyPeer: boolean
  /** Check that the certificate names the host we connected to (curl VERIFYHOST). */
  verifyHost: boolean
  /** PEM file with 1..N CA certificates; replaces the built-in root store, as CURLOPT_CAINFO does. */
  caBundleFile?: string
  /** PEM client certificate and key for mutual TLS; both or neither. */
  clientCertFile?: string
  clientKeyFile?: string
}

export function defaultTlsSettings (): OutboundTlsSettings {
  return { verifyPeer: true, verifyHost: true }
}

/** TLS connect options for undici's `connect` (Agent/Pool/Client), built once at startup. */
export type TlsConnectOptions = Pick<ConnectionOptions, 'rejectUnauthorized' | 'ca' | 'cert' | 'key' | 'checkServerIdentity'>

function readPem (path: string, what: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new TrackalertError('TA_ERR_CONFIG_INVALID', `cannot read ${what} file ${path}: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Reads the files named in the settings (synchronously: this runs at startup, and a missing file
 * must stop the daemon there rather than fail every delivery later).
 */
export function buildTlsConnectOptions (settings: OutboundTlsSettings): TlsConnectOptions {
  const options: TlsConnectOptions = { rejectUnauthorized: settings.verifyPeer }
  // Skipping only the name check keeps chain verification, like curl's VERIFYHOST=0 with VERIFYPEER=1.
  if (!settings.verifyHost) options.checkServerIdentity = () => undefined
  if (settings.caBundleFile !== undefined && settings.caBundleFile !== '') {
    options.ca = readPem(settings.caBundleFile, 'CA bundle')
  }
  const hasCert = settings.clientCertFile !== undefined && settings.clientCertFile !== ''
  const hasKey = settings.clientKeyFile !== undefined && settings.clientKeyFile !== ''
  if (hasCert !== hasKey) {
    throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'a client certificate and its key must be given together')
  }
  if (hasCert && hasKey) {
    options.cert = readPem(settings.clientCertFile as string, 'client certificate')
    options.key = readPem(settings.clientKeyFile as string, 'client key')
  }
  return options
}
