import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createCipheriv, createDecipheriv } from 'node:crypto'
import nacl from 'tweetnacl'
import {
  cipherFor, incrementNonce, mergeNonce, SecureChannel, testCrypto, TEST_CRYPTO_OK, variantForNonceLength
} from '../../src/console/index.ts'

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex')

test('RFC 8439 section 2.8.2 ChaCha20-Poly1305 AEAD vector', () => {
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i))
  const nonce = hex('07000000 40414243 44454647')
  const aad = hex('50515253 c0c1c2c3 c4c5c6c7')
  const plain = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
  const expected = hex(`
    d31a8d34648e60db7b86afbc53ef7ec2 a4aded51296e08fea9e2b5a736ee62d6
    3dbea45e8ca9671282fafb69da92728b 1a71de0a9e060b2905d6a5b67ecd3b36
    92ddbd7f2d778b8c9803aee328091b58 fab324e4fad675945585808b4831d7bc
    3ff4def08e4b7a9de576d26586cec64b 6116`)
  const tag = hex('1ae10b594f09e26a7e902ecbd0600691')

  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  cipher.setAAD(aad, { plaintextLength: plain.length })
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()])
  assert.deepEqual(sealed, expected)
  assert.deepEqual(cipher.getAuthTag(), tag)

  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  decipher.setAAD(aad, { plaintextLength: sealed.length })
  decipher.setAuthTag(tag)
  assert.deepEqual(Buffer.concat([decipher.update(sealed), decipher.final()]), plain)
})

test('openssl variant box is the 16-byte tag followed by the ciphertext, no AAD', () => {
  const key = Buffer.alloc(32, 7)
  const nonce = Buffer.alloc(12, 9)
  const plain = Buffer.from('showVersion()')
  const reference = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  const body = Buffer.concat([reference.update(plain), reference.final()])
  const box = cipherFor('openssl').seal(plain, nonce, key)
  assert.deepEqual(box, Buffer.concat([reference.getAuthTag(), body]))
  assert.deepEqual(cipherFor('openssl').open(box, nonce, key), plain)
})

test('NaCl secretbox vector (firstkey / nonce / 131-byte message)', () => {
  const firstkey = hex('1b27556473e985d462cd51197a9a46c7 6009549eac6474f206c4ee0844f68389')
  const nonce = hex('69696ee955b62b73cd62bda875fc73d6 8219e0036b7a0b37')
  const message = hex(`
    be075fc53c81f2d5cf141316ebeb0c7b 5228c52a4c62cbd44b66849b64244ffc
    e5ecbaaf33bd751a1ac728d45e6c6129 6cdc3c01233561f41db66cce314adb31
    0e3be8250c46f06dceea3a7fa1348057 e2f6556ad6b1318a024a838f21af1fde
    048977eb48f59ffd4924ca1c60902e52 f0a089bc76897040e082f93776384864
    5e0705`)
  const box = hex(`
    f3ffc7703f9400e52a7dfb4b3d3305d9
    8e993b9f48681273c29650ba32fc76ce 48332ea7164d96a4476fb8c531a1186a
    c0dfc17c98dce87b4da7f011ec48c972 71d2c20f9b928fe2270d6fb863d51738
    b48eeee314a7cc8ab932164548e526ae 90224368517acfeabd6bb3732bc0e9da
    99832b61ca01b6de56244a9e88d5f9b3 7973f622a43d14a6599b1f654cb45a74
    e355a5`)
  assert.equal(message.length, 131)
  assert.deepEqual(cipherFor('libsodium').seal(message, nonce, firstkey), box)
  assert.deepEqual(cipherFor('libsodium').open(box, nonce, firstkey), message)
  const tampered = Buffer.from(box)
  tampered[40] = tampered[40]! ^ 1
  assert.equal(cipherFor('libsodium').open(tampered, nonce, firstkey), null)
})

test('an empty message is a MAC-only box that opens to the empty string, in both variants', () => {
  const key = Buffer.alloc(32, 1)
  for (const variant of ['libsodium', 'openssl'] as const) {
    const cipher = cipherFor(variant)
    const nonce = Buffer.alloc(cipher.nonceBytes, 3)
    const box = cipher.seal(Buffer.alloc(0), nonce, key)
    assert.equal(box.length, 16, variant)
    assert.deepEqual(cipher.open(box, nonce, key), Buffer.alloc(0), variant)
    assert.equal(cipher.open(box.subarray(0, 15), nonce, key), null, `${variant} short box`)
    assert.equal(cipher.open(box, nonce, Buffer.alloc(32, 2)), null, `${variant} wrong key`)
  }
  // tweetnacl agrees with libsodium's convention for the empty box.
  assert.equal(nacl.secretbox(new Uint8Array(0), new Uint8Array(24), new Uint8Array(32)).length, 16)
})

test('nonce merge takes the first half from the first nonce and the second half from the other', () => {
  const ours = hex('000102030405 060708090a0b')
  const theirs = hex('a0a1a2a3a4a5 a6a7a8a9aaab')
  assert.deepEqual(mergeNonce(ours, theirs), hex('000102030405 a6a7a8a9aaab'))
  assert.deepEqual(mergeNonce(theirs, ours), hex('a0a1a2a3a4a5 060708090a0b'))
  const long = mergeNonce(Buffer.alloc(24, 0x11), Buffer.alloc(24, 0x22))
  assert.deepEqual(long, Buffer.concat([Buffer.alloc(12, 0x11), Buffer.alloc(12, 0x22)]))
  assert.throws(() => mergeNonce(Buffer.alloc(12), Buffer.alloc(24)), RangeError)
})

test('nonce increment treats the first 4 bytes as a big-endian counter and wraps', () => {
  const cases: Array<[string, string]> = [
    ['000000ff aabbccdd', '00000100 aabbccdd'],
    ['ffffffff 01020304', '00000000 01020304'],
    ['0000ffff 00000000', '00010000 00000000'],
    ['12345678 ffffffff', '12345679 ffffffff']
  ]
  for (const [before, after] of cases) {
    const nonce = hex(before)
    incrementNonce(nonce)
    assert.deepEqual(nonce, hex(after), before)
  }
})

test('client and server channels built from the same nonces talk to each other across many messages', () => {
  const key = Buffer.alloc(32, 5)
  for (const variant of ['libsodium', 'openssl'] as const) {
    const cipher = cipherFor(variant)
    const clientNonce = Buffer.alloc(cipher.nonceBytes, 0x01)
    const serverNonce = Buffer.alloc(cipher.nonceBytes, 0x02)
    clientNonce.writeUInt32BE(0xfffffffe, 0) // crosses the counter wrap during the loop
    const client = new SecureChannel(cipher, () => key, clientNonce, serverNonce)
    const server = new SecureChannel(cipher, () => key, serverNonce, clientNonce)
    for (let i = 0; i < 5; i++) {
      assert.equal(server.open(client.seal(Buffer.from(`cmd ${i}`)))?.toString(), `cmd ${i}`)
      assert.equal(client.open(server.seal(Buffer.from(`reply ${i}`)))?.toString(), `reply ${i}`)
    }
    // A replayed message fails: the reading nonce has moved on.
    const box = client.seal(Buffer.from('once'))
    assert.equal(server.open(box)?.toString(), 'once')
    assert.equal(server.open(box), null)
  }
})

test('variant from nonce length', () => {
  assert.equal(variantForNonceLength(24), 'libsodium')
  assert.equal(variantForNonceLength(12), 'openssl')
  assert.equal(variantForNonceLength(16), undefined)
})

test('testCrypto reports success with a good key and a clear failure otherwise', () => {
  assert.equal(testCrypto('hello world', Buffer.alloc(32, 9)), TEST_CRYPTO_OK)
  assert.equal(testCrypto('', Buffer.alloc(32, 9)), TEST_CRYPTO_OK)
  assert.match(testCrypto('x', undefined), /no key configured/)
  assert.match(testCrypto('x', Buffer.alloc(16)), /16 bytes, expected 32/)
})
