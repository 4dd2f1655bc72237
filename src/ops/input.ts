/**
 * Streaming inputs: user lists (`--user`, `--file`) and CSV records with their line numbers.
 * Files are never read whole into memory; their hash (for the journal) is taken in a separate pass.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { UserError } from '../errors.js';

export interface InputItem {
  value: string;
  line?: number;
}

/** sha256 of a file, streamed; the journal records it so a resume cannot run against another input. */
export async function fileHash(path: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return `sha256:${h.digest('hex')}`;
}

export function listHash(values: readonly string[]): string {
  return `sha256:${createHash('sha256').update(values.join('\n')).digest('hex')}`;
}

const HEADER_WORDS = new Set(['user', 'upn', 'userprincipalname', 'id', 'userid']);

/**
 * One user per line (blank lines and `#` comments skipped). A CSV line contributes its first field,
 * so a report or export can be fed back; a header line naming the column is skipped.
 */
export async function* readUserFile(path: string): AsyncGenerator<InputItem> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => undefined);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of lines) {
      n++;
      const value = raw.replace(/^\uFEFF/, '').split(',')[0]!.trim().replace(/^"(.*)"$/, '$1');
      if (value === '' || value.startsWith('#')) continue;
      if (n === 1 && HEADER_WORDS.has(value.toLowerCase())) continue;
      yield { value, line: n };
    }
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function* userItems(users: readonly string[]): AsyncGenerator<InputItem> {
  for (const value of users) yield { value };
}

export interface CsvRecord {
  fields: string[];
  line: number;
  /** Set when the CSV itself is broken on that line (an unclosed quote). */
  error?: string;
}

/**
 * CSV records with the line each starts on. Blank lines and `#` comments are skipped; a header row
 * whose first field is `user` is skipped (unless `skipUserHeader: false`: the caller reads its own
 * header); a record the parser cannot read is returned with its error.
 */
export async function* readCsv(path: string, options: { skipUserHeader?: boolean } = {}): AsyncGenerator<CsvRecord> {
  const skipUserHeader = options.skipUserHeader ?? true;
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, comment: '#', comment_no_infix: true, info: true, skip_records_with_error: true });
  const broken: CsvRecord[] = [];
  parser.on('skip', (err: Error & { lines?: number }) => {
    broken.push({ fields: [], line: err.lines ?? 0, error: err.message.replace(/^Invalid Record Length:.*/, 'wrong number of fields') });
  });
  const input = createReadStream(path);
  input.on('error', (err) => parser.destroy(new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
  input.pipe(parser);
  let first = true;
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (broken.length > 0) yield broken.shift()!;
    const fields = item.record;
    if (first) {
      first = false;
      if (skipUserHeader && (fields[0] ?? '').trim().toLowerCase() === 'user') continue;
    }
    yield { fields, line: item.info.lines };
  }
  while (broken.length > 0) yield broken.shift()!;
}
