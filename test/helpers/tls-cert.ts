import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const OPENSSL = '/usr/bin/openssl'

export interface TestCert {
  certFile: string
  keyFile: string
  cert: Buffer
}

/** A self-signed certificate for localhost and 127.0.0.1, written into `dir` by the openssl binary. */
export async function makeCert (dir: string): Promise<TestCert> {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  await run(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'])
  return { certFile, keyFile, cert: await readFile(certFile) }
}
