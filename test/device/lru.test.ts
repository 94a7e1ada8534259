import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LruCache } from '../../src/device/lru.ts'

test('evicts the least recently used entry first', () => {
  const lru = new LruCache<string, number>(3)
  lru.set('a', 1)
  lru.set('b', 2)
  lru.set('c', 3)
  assert.equal(lru.get('a'), 1) // a becomes most recent: order b, c, a
  lru.set('d', 4) // evicts b
  assert.deepEqual([...lru.keys()], ['c', 'a', 'd'])
  assert.equal(lru.has('b'), false)
  lru.set('c', 30) // overwrite refreshes c: order a, d, c
  lru.set('e', 5) // evicts a
  assert.deepEqual([...lru.keys()], ['d', 'c', 'e'])
  assert.equal(lru.peek('c'), 30)
})

test('never holds more than its capacity', () => {
  const lru = new LruCache<number, number>(100)
  for (let i = 0; i < 10_000; i++) {
    lru.set(i, i)
    assert.ok(lru.size <= 100)
  }
  assert.equal(lru.size, 100)
  assert.deepEqual([...lru.keys()].slice(0, 2), [9900, 9901])
})

test('peek does not change recency, get does', () => {
  const lru = new LruCache<string, number>(2)
  lru.set('a', 1)
  lru.set('b', 2)
  assert.equal(lru.peek('a'), 1)
  lru.set('c', 3)
  assert.equal(lru.has('a'), false)
  assert.equal(lru.get('missing'), undefined)
})

test('resize shrinks by dropping the oldest entries; capacity 0 stores nothing', () => {
  const lru = new LruCache<number, string>(5)
  for (let i = 0; i < 5; i++) lru.set(i, String(i))
  lru.resize(2)
  assert.equal(lru.capacity, 2)
  assert.deepEqual([...lru.keys()], [3, 4])
  lru.resize(0)
  assert.equal(lru.size, 0)
  lru.set(9, 'x')
  assert.equal(lru.get(9), undefined)
  lru.resize(3)
  lru.set(1, 'y')
  assert.equal(lru.get(1), 'y')
  assert.equal(lru.delete(1), true)
  lru.set(2, 'z')
  lru.clear()
  assert.equal(lru.size, 0)
})

test('rejects invalid capacities', () => {
  assert.throws(() => new LruCache(-1), RangeError)
  assert.throws(() => new LruCache(1.5), RangeError)
  assert.throws(() => new LruCache(Number.NaN), RangeError)
  assert.throws(() => new LruCache(1).resize(-2), RangeError)
})
