// Seeded, reproducible randomness. Generated tenant data is a pure function of (seed, index) so that
// a 300k-user tenant needs no per-user objects: any field can be recomputed on demand.

/** 32-bit integer hash (a murmur3-style finaliser over a few mixed words). */
export function hash32(...words: number[]): number {
  let h = 0x811c9dc5;
  for (const w of words) {
    h = Math.imul(h ^ (w | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h = Math.imul(h, 0x297a2d39);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** A float in [0, 1) from a hash of the given words. */
export function unit(...words: number[]): number {
  return hash32(...words) / 0x1_0000_0000;
}

/** mulberry32: a tiny, fast, seedable generator. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  uuid(): string {
    return uuidFromWords(this.int(0x1_0000_0000), this.int(0x1_0000_0000), this.int(0x1_0000_0000), this.int(0x1_0000_0000));
  }
}

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(8, '0').slice(8 - width);
}

/** A version-4-looking UUID from four 32-bit words. */
export function uuidFromWords(a: number, b: number, c: number, d: number): string {
  return `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b, 3)}-${hex(0x8 | ((c >>> 28) & 0x3), 1)}${hex(c, 3)}-${hex(c >>> 12, 4)}${hex(d, 8)}`;
}

/** A deterministic UUID for (seed, kind, index). */
export function uuidFor(seed: number, kind: number, index: number): string {
  return uuidFromWords(hash32(seed, kind, index, 1), hash32(seed, kind, index, 2), hash32(seed, kind, index, 3), hash32(seed, kind, index, 4));
}

/**
 * A UUID whose last 8 hex digits encode `index` (xor a seed mask), so an id can be mapped back to
 * its generated user without an id→index table. The caller verifies by regenerating.
 */
export function indexedUuid(seed: number, index: number): string {
  const mask = hash32(seed, 0x5eed);
  return uuidFromWords(hash32(seed, 7, index, 1), hash32(seed, 7, index, 2), hash32(seed, 7, index, 3), (index ^ mask) >>> 0);
}

export function indexFromIndexedUuid(seed: number, id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const low = Number.parseInt(id.slice(-8), 16);
  const index = (low ^ hash32(seed, 0x5eed)) >>> 0;
  return indexedUuid(seed, index) === id.toLowerCase() ? index : undefined;
}
