import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment, SourceRef } from './types.js';

/**
 * Finds where a value lives in the YAML source. For a path that does not exist (a missing
 * property) it returns the nearest existing ancestor, so a message still points somewhere useful.
 * With `atKey`, the position of the key is returned instead of the value (for "unknown property").
 */
export function locateInDocument(
  doc: Document,
  lineCounter: LineCounter,
  file: string,
  path: readonly PathSegment[],
  atKey?: string,
): SourceRef {
  let node: unknown = doc.contents;
  let best: Node | null = isNode(node) ? node : null;
  for (const segment of path) {
    const next = child(node, segment);
    if (next === undefined) break;
    node = next.value;
    // A scalar is anchored at its value; a collection (or a null) at its key, the line a person reads.
    const anchor = isScalar(next.value) && next.value.range ? next.value : (next.key ?? (isNode(next.value) ? next.value : null));
    if (anchor) best = anchor;
  }
  if (atKey !== undefined) {
    const keyNode = child(node, atKey)?.key;
    if (keyNode) best = keyNode;
  }
  const offset = best?.range?.[0] ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col };
}

function isNode(value: unknown): value is Node {
  return value !== null && typeof value === 'object' && 'range' in (value as object);
}

function child(node: unknown, segment: PathSegment): { key: Node | null; value: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(key) === String(segment)) return { key: isNode(pair.key) ? pair.key : null, value: pair.value };
    }
    return undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item === undefined ? undefined : { key: null, value: item };
  }
  return undefined;
}

/** `spec.waves[0].gates` from ['spec', 'waves', 0, 'gates']. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : out ? `.${segment}` : segment;
  }
  return out || '(document)';
}

/** Splits an ajv instancePath (`/spec/waves/0/name`) into segments; numeric parts become indexes. */
export function parseInstancePath(instancePath: string): PathSegment[] {
  if (!instancePath) return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
