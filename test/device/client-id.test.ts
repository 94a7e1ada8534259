import { test } from 'node:test'
import assert from 'node:assert/strict'
import { imapDeviceAttrs, parseImapId, tokenizeImapId } from '../../src/device/imap-id.ts'
import { mobileApiDeviceAttrs } from '../../src/device/mobileapi.ts'

function imap (family: string, major: string, minor: string, os: string, osMajor: string, osMinor: string): Record<string, string> {
  return {
    'imapc.family': family,
    'imapc.major': major,
    'imapc.minor': minor,
    'os.family': os,
    'os.major': osMajor,
    'os.minor': osMinor
  }
}

test('IMAP ID strings of common mail clients', () => {
  const cases: Array<[string, Record<string, string>]> = [
    // Apple Mail on macOS (the example upstream documents)
    ['"name" "Mac OS X Mail" "version" "10.0 (3226)" "os" "Mac OS X" "os-version" "10.12 (16A323)" "vendor" "Apple Inc."',
      imap('Mac OS X Mail', '10', '0', 'Mac OS X', '10', '12')],
    ['"name" "Mac OS X Mail" "version" "16.0 (3731.500.231)" "os" "Mac OS X" "os-version" "13.1 (22C65)" "vendor" "Apple Inc."',
      imap('Mac OS X Mail', '16', '0', 'Mac OS X', '13', '1')],
    // iOS Mail sends a build number as its version: no major.minor to take from it
    ['("name" "iPhone Mail" "version" "20B110" "os" "iOS" "os-version" "16.1.2 (20B110)")',
      imap('iPhone Mail', '', '', 'iOS', '16', '1')],
    // Thunderbird: the full command form, no OS fields
    ['ID ("name" "Thunderbird" "version" "115.3.1")', imap('Thunderbird', '115', '3', '', '', '')],
    ['("name" "Microsoft Outlook" "version" "16.0.17328.20162" "os" "Windows" "os-version" "10.0")',
      imap('Microsoft Outlook', '16', '0', 'Windows', '10', '0')],
    ['("name" "K-9 Mail" "version" "6.802")', imap('K-9 Mail', '6', '802', '', '', '')],
    ['("name" "com.google.android.gm" "os" "android" "os-version" "14; UP1A.231005.007" "vendor" "Google" "guid" "1")',
      imap('com.google.android.gm', '', '', 'android', '14', '')],
    ['("name" "Evolution" "version" "3.48.4" "os" "Linux" "os-version" "6.5.6-300.fc39.x86_64")',
      imap('Evolution', '3', '48', 'Linux', '6', '5')]
  ]
  for (const [id, expected] of cases) assert.deepEqual(imapDeviceAttrs(id), expected, id)
})

test('IMAP ID: NIL, escapes, literals, case-insensitive field names, first occurrence wins', () => {
  assert.deepEqual(imapDeviceAttrs('("name" NIL "version" "2.1" "os" nil)'), imap('', '2', '1', '', '', ''))
  assert.deepEqual(imapDeviceAttrs('"name" "My \\"Quoted\\" Mail\\\\Client" "version" "3.0"'),
    imap('My "Quoted" Mail\\Client', '3', '0', '', '', ''))
  assert.deepEqual(imapDeviceAttrs('("NAME" "Caps" "Version" "7.5" "OS" "Plan 9" "OS-Version" "4")'),
    imap('Caps', '7', '5', 'Plan 9', '4', ''))
  assert.deepEqual(imapDeviceAttrs('("name" "first" "name" "second")'), imap('first', '', '', '', '', ''))
  assert.deepEqual(imapDeviceAttrs('("name" {5}\r\nAlpha "version" {3+}\r\n1.2)'), imap('Alpha', '1', '2', '', '', ''))
  // bare atoms are accepted as values; quoted "(" inside a value is text, not a list
  assert.deepEqual(imapDeviceAttrs('(name Sylpheed version 3.7.0 "os" "a (b)")'), imap('Sylpheed', '3', '7', 'a (b)', '', ''))
})

test('IMAP ID: missing, empty and garbage input give the six keys with ""', () => {
  const empty = imap('', '', '', '', '', '')
  for (const id of ['', 'ID NIL', 'NIL', '()', 'hello world', '"name"', '"unterminated', '((((', ')))"', '\u0000\u0001',
    '{99999999999999999999}\r\nx', '{3}', '"version" "x.y"']) {
    assert.deepEqual(imapDeviceAttrs(id), empty, JSON.stringify(id))
  }
  // an unterminated string still yields what it holds
  assert.deepEqual(imapDeviceAttrs('"name" "Half open'), imap('Half open', '', '', '', '', ''))
})

test('IMAP ID tokenizer and field map', () => {
  assert.deepEqual(tokenizeImapId('ID ("a" NIL)'), [
    { kind: 'string', value: 'ID' }, { kind: 'open' }, { kind: 'string', value: 'a' }, { kind: 'nil' }, { kind: 'close' }
  ])
  assert.deepEqual([...parseImapId('ID "name" "x" "vendor" "y"')], [['name', 'x'], ['vendor', 'y']])
  assert.deepEqual([...parseImapId('("support-url" "mailto:a@b" "date" NIL)')], [['support-url', 'mailto:a@b'], ['date', null]])
})

function mobile (brand: string, major: string, minor: string, name: string, device: string, os: string,
  osMajor: string, osMinor: string): Record<string, string> {
  return {
    'app.brand': brand,
    'app.major': major,
    'app.minor': minor,
    'app.name': name,
    'device.family': device,
    'os.family': os,
    'os.major': osMajor,
    'os.minor': osMinor
  }
}

test('mobileapi device ids', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['OpenXchange.iOS.Mail/1.0.3 (OS: 10.0.3; device: iPhone 7 Plus)',
      mobile('OpenXchange', '1', '0', 'Mail', 'iPhone 7 Plus', 'iOS', '10', '0')],
    ['OpenXchange.Android.Mail/1.0+1234 (OS: 7.0; device: Samsung/GT9700)',
      mobile('OpenXchange', '1', '0', 'Mail', 'Samsung/GT9700', 'Android', '7', '0')],
    ['OpenXchange.Android.Drive/4.12.1 (OS: 13; device: Google Pixel_7-Pro)',
      mobile('OpenXchange', '4', '12', 'Drive', 'Google Pixel_7-Pro', 'Android', '13', '')],
    // the app name runs to the first "/<digits>.<digits>" after the second dot
    ['Acme.iOS.Mail.Beta/2.5 (OS: 17.1.1; device: iPad13,4)',
      mobile('Acme', '2', '5', 'Mail.Beta', 'iPad13', 'iOS', '17', '1')],
    ['OX.Android.Mail/3.1 (device:   Fairphone 4 ; OS:14.0)',
      mobile('OX', '3', '1', 'Mail', 'Fairphone 4', 'Android', '14', '0')]
  ]
  for (const [id, expected] of cases) assert.deepEqual(mobileApiDeviceAttrs(id), expected, id)
})

test('mobileapi: partial and garbage ids give every key, "" where unknown', () => {
  assert.deepEqual(mobileApiDeviceAttrs(''), mobile('', '', '', '', '', '', '', ''))
  assert.deepEqual(mobileApiDeviceAttrs('Mail/1.0 (OS: 9.3)'), mobile('', '', '', '', '', '', '9', '3'))
  assert.deepEqual(mobileApiDeviceAttrs('a.b.c/x.y (device: ;)'), mobile('', '', '', '', '', '', '', ''))
  assert.deepEqual(mobileApiDeviceAttrs('curl/8.0'), mobile('', '', '', '', '', '', '', ''))
  assert.deepEqual(mobileApiDeviceAttrs('Brand.OS.App/1.2'), mobile('Brand', '1', '2', 'App', '', 'OS', '', ''))
})
