import { randomBytes } from 'node:crypto'
import { KEY_BYTES } from './cipher.ts'

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Decodes a `setKey()` argument. Returns null unless it is canonical base64 (surrounding
 * whitespace ignored) of exactly 32 bytes: a silently truncated key would make every console
 * connection fail with an unhelpful decryption error.
 */
export function parseKey (base64: string): Buffer | null {
  const text = base64.trim()
  if (text.length === 0 || text.length % 4 !== 0 || !base64Pattern.test(text)) return null
  const key = Buffer.from(text, 'base64')
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) return null
  return key
}

/** The console `makeKey()` reply: a ready-to-paste `setKey("...")` line with a fresh random key. */
export function makeKey (): string {
  return `setKey("${randomBytes(KEY_BYTES).toString('base64')}")`
}
