import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { locateInDocument } from './positions.js';
import { schemaFindings } from './schemaErrors.js';
import { schemaValidator } from './schemas.js';
import { KINDS, type Kind, type PathSegment, type PolicyDocument } from './types.js';

export const API_VERSION = 'entra-rollout/v1';

// Keys that look like credentials have no place in a policy repository that is reviewed in public PRs.
const SECRET_KEY = /secret|passw(or)?d|^pwd$|token|api[-_]?key|private[-_]?key|client[-_]?certificate/i;

export interface LoadResult {
  documents: PolicyDocument[];
  /** `Kind/name` of documents that failed validation, so rules do not call them missing. */
  invalid: Set<string>;
  /** Every non-empty YAML document read, valid or not. */
  documentCount: number;
  diagnostics: Diagnostic[];
  files: string[];
}

const POLICY_FILE = /\.ya?ml$/i;

/**
 * Lists the policy files of a folder (recursively, sorted, hidden folders skipped). A symbolic link
 * is followed only to a file inside the folder; one that leads out of it, dangles, loops or names a
 * folder is reported in `problems` (never skipped silently: a policy the reviewer cannot see in the
 * repository, or one that quietly disappears, must not change what `apply` does).
 */
export function listPolicyFiles(dir: string, problems: Array<{ file: string; message: string }> = []): string[] {
  const entries = (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .map((e) => ({ e, file: path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name) }))
    .filter(({ file }) => !path.relative(dir, file).split(path.sep).some((part) => part.startsWith('.')));
  const files: string[] = [];
  let root: string | undefined;
  for (const { e, file } of entries) {
    if (e.isFile()) {
      if (POLICY_FILE.test(e.name)) files.push(file);
      continue;
    }
    if (!e.isSymbolicLink()) continue;
    root ??= realpathSync(dir);
    const problem = symlinkProblem(file, root, POLICY_FILE.test(e.name));
    if (problem === undefined) files.push(file);
    else if (problem !== 'ignore') problems.push({ file, message: problem });
  }
  return files.sort();
}

/** undefined: a link to a policy file inside the folder (read it); 'ignore': a link to some other file inside it. */
function symlinkProblem(file: string, root: string, policyName: boolean): string | 'ignore' | undefined {
  const shown = displayPath(file);
  let target: string;
  try {
    target = realpathSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return `the symbolic link ${shown} loops`;
    if (code === 'ENOENT') return `the symbolic link ${shown} points to nothing (it dangles)`;
    return `the symbolic link ${shown} cannot be followed: ${code ?? (err as Error).message}`;
  }
  const rel = path.relative(root, target);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return `the symbolic link ${shown} leads outside the policy folder (to ${target}); link only to files inside it`;
  let isFile: boolean;
  try {
    isFile = lstatSync(target).isFile();
  } catch (err) {
    return `the symbolic link ${shown} cannot be followed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  if (!isFile) return `the symbolic link ${shown} points to a folder; link policy files one by one`;
  return policyName ? undefined : 'ignore';
}

/** Reads and checks every document of a policy folder; never throws for bad input. */
export function loadPolicyFolder(dir: string): LoadResult {
  const shown = displayPath(dir);
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    return fail(shown, `policy folder ${shown} does not exist`);
  }
  if (!stat.isDirectory()) return fail(shown, `${shown} is not a folder`);
  const problems: Array<{ file: string; message: string }> = [];
  const files = listPolicyFiles(dir, problems);
  if (files.length === 0 && problems.length === 0) return fail(shown, `no *.yaml or *.yml files in ${shown}`);

  const result: LoadResult = { documents: [], invalid: new Set(), documentCount: 0, diagnostics: [], files: files.map(displayPath) };
  for (const p of problems) result.diagnostics.push({ severity: 'error', code: 'ER002', file: displayPath(p.file), message: p.message });
  for (const file of files) loadFile(file, result);
  return result;
}

function fail(file: string, message: string): LoadResult {
  return { documents: [], invalid: new Set(), documentCount: 0, files: [], diagnostics: [{ severity: 'error', code: 'ER023', message, file }] };
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file);
}

function loadFile(absolute: string, result: LoadResult): void {
  const file = displayPath(absolute);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    result.diagnostics.push({ severity: 'error', code: 'ER002', file, message: `cannot read file: ${(err as Error).message}` });
    return;
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const nonEmpty = docs.filter((d) => d.errors.length > 0 || !(isScalar(d.contents) && d.contents.value === null) && d.contents !== null);
  if (nonEmpty.length === 0) {
    result.diagnostics.push({ severity: 'error', code: 'ER002', file, line: 1, column: 1, message: 'file contains no policy document' });
    return;
  }
  result.documentCount += nonEmpty.length;
  for (const doc of nonEmpty) {
    const loaded = loadDocument(doc, lineCounter, file, result.diagnostics);
    if (loaded) result.documents.push(loaded);
    else if (isMap(doc.contents)) {
      const { kind, metadata } = (toJSBounded(doc) ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
      if (typeof kind === 'string' && typeof metadata?.name === 'string') result.invalid.add(`${kind}/${metadata.name}`);
    }
  }
}

function loadDocument(doc: Document, lineCounter: LineCounter, file: string, diagnostics: Diagnostic[]): PolicyDocument | undefined {
  const at = (p: readonly PathSegment[], atKey?: string) => locateInDocument(doc, lineCounter, file, p, atKey);
  const report = (code: string, message: string, p: readonly PathSegment[] = [], atKey?: string, severity: Diagnostic['severity'] = 'error') => {
    const { line, column } = at(p, atKey);
    diagnostics.push({ severity, code, message, file, line, column, ...(p.length || atKey ? { path: [...p, ...(atKey ? [atKey] : [])].join('/') } : {}) });
  };

  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      diagnostics.push({ severity: 'error', code: 'ER001', file, line, column: col, message: `YAML syntax: ${yamlMessage(error.code, error.message)}` });
    }
    return undefined;
  }
  for (const warning of doc.warnings) {
    const { line, col } = lineCounter.linePos(warning.pos[0]);
    diagnostics.push({ severity: 'warning', code: 'WR100', file, line, column: col, message: `YAML: ${warning.message}` });
  }
  if (!isMap(doc.contents)) {
    report('ER003', 'a policy document must be a mapping with apiVersion, kind, metadata and spec');
    return undefined;
  }
  const secretKeys = reportSecretKeys(doc, lineCounter, file, diagnostics);

  let value: Record<string, unknown>;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
  } catch (err) {
    // The yaml package throws on an alias bomb ("billion laughs"); it must be this file's error, not a crash.
    report('ER001', `YAML: ${aliasMessage(err)}`);
    return undefined;
  }
  if (value.apiVersion !== API_VERSION) {
    const got = value.apiVersion === undefined ? 'it is missing' : `got ${JSON.stringify(value.apiVersion)}`;
    report('ER004', `apiVersion must be "${API_VERSION}"; ${got}`, value.apiVersion === undefined ? [] : ['apiVersion']);
    return undefined;
  }
  if (!KINDS.includes(value.kind as Kind)) {
    const got = value.kind === undefined ? 'it is missing' : `got ${JSON.stringify(value.kind)}`;
    report('ER005', `kind must be one of ${KINDS.join(', ')}; ${got}`, value.kind === undefined ? [] : ['kind']);
    return undefined;
  }
  const kind = value.kind as Kind;
  const validate = schemaValidator(kind);
  if (!validate(value)) {
    for (const finding of schemaFindings(validate.errors ?? [])) {
      if (finding.atKey !== undefined && secretKeys.has(finding.atKey)) continue; // already reported as ER018
      report(finding.code, `${kind}: ${finding.message}`, finding.path, finding.atKey);
    }
    return undefined;
  }
  if (secretKeys.size > 0) return undefined;
  const metadata = value.metadata as { name: string };
  return {
    kind,
    name: metadata.name,
    spec: value.spec as PolicyDocument['spec'],
    source: at([]),
    locate: (p) => at(p),
  } as PolicyDocument;
}

/** Aliases a document may expand; a handful of anchors reused across waves is far below it. */
const MAX_ALIAS_COUNT = 100;

function aliasMessage(err: unknown): string {
  const text = String((err as Error)?.message ?? err);
  return /alias/i.test(text) ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}); a policy file never needs this many` : text.split('\n')[0]!;
}

function toJSBounded(doc: Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return undefined; // already reported by loadDocument
  }
}

function reportSecretKeys(doc: Document, lineCounter: LineCounter, file: string, diagnostics: Diagnostic[]): Set<string> {
  const found = new Set<string>();
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'string' || !SECRET_KEY.test(pair.key.value)) return;
      const key = pair.key.value;
      found.add(key);
      const { line, col } = lineCounter.linePos(pair.key.range?.[0] ?? 0);
      diagnostics.push({
        severity: 'error',
        code: 'ER018',
        file,
        line,
        column: col,
        message: `"${key}" looks like a secret; credentials never belong in policy files (use the environment or a federated credential)`,
      });
    },
  });
  return found;
}

function yamlMessage(code: string, message: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed for indentation; use spaces';
    case 'DUPLICATE_KEY':
      return 'the same key appears twice in one mapping';
    default:
      return message.split('\n')[0] ?? message;
  }
}
