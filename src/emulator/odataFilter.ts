/**
 * A small OData $filter parser and evaluator for the subset Graph accepts on the emulated
 * endpoints. Each endpoint declares which clauses it supports; anything else is rejected with a
 * Graph-style 400 naming the clause, as Graph does.
 */
import { badRequest, GraphError } from './graphError.js';

export type Literal = string | number | boolean | null;
export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { kind: 'cmp'; op: CmpOp; path: string[]; value: Literal; isDate: boolean }
  | { kind: 'in'; path: string[]; values: Literal[] }
  | { kind: 'fn'; name: string; path: string[]; value: string }
  | { kind: 'any'; path: string[]; variable: string; body: FilterNode }
  | { kind: 'and'; items: FilterNode[] }
  | { kind: 'or'; items: FilterNode[] }
  | { kind: 'not'; item: FilterNode };

type Token =
  | { t: 'ident'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'date'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' | ':' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      out.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw badRequest(`Invalid filter clause: unterminated string literal in '${src}'.`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i];
        i++;
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    const dm = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/.exec(src.slice(i));
    if (dm) {
      out.push({ t: 'date', v: dm[0] });
      i += dm[0].length;
      continue;
    }
    const nm = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (nm) {
      out.push({ t: 'num', v: Number(nm[0]) });
      i += nm[0].length;
      continue;
    }
    const im = /^[A-Za-z_@$][A-Za-z0-9_.@$/]*/.exec(src.slice(i));
    if (im) {
      out.push({ t: 'ident', v: im[0] });
      i += im[0].length;
      continue;
    }
    throw badRequest(`Invalid filter clause: syntax error at position ${i} in '${src}'.`);
  }
  return out;
}

const CMP_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[], private readonly src: string) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw this.syntax('unexpected end of expression');
    return t;
  }
  private syntax(what: string): GraphError {
    return badRequest(`Invalid filter clause: ${what} in '${this.src}'.`);
  }
  private expectPunct(v: string): void {
    const t = this.next();
    if (t.t !== 'punct' || t.v !== v) throw this.syntax(`expected '${v}'`);
  }
  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t?.t === 'ident' && t.v.toLowerCase() === word;
  }

  parseAll(): FilterNode {
    const node = this.parseOr();
    if (this.pos < this.tokens.length) throw this.syntax('unexpected trailing tokens');
    return node;
  }
  private parseOr(): FilterNode {
    const items = [this.parseAnd()];
    while (this.isKeyword('or')) {
      this.pos++;
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }
  private parseAnd(): FilterNode {
    const items = [this.parseUnary()];
    while (this.isKeyword('and')) {
      this.pos++;
      items.push(this.parseUnary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }
  private parseUnary(): FilterNode {
    if (this.isKeyword('not')) {
      this.pos++;
      return { kind: 'not', item: this.parseUnary() };
    }
    const t = this.peek();
    if (t?.t === 'punct' && t.v === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    return this.parseTerm();
  }
  private parseLiteral(): { value: Literal; isDate: boolean } {
    const t = this.next();
    if (t.t === 'str') return { value: t.v, isDate: false };
    if (t.t === 'num') return { value: t.v, isDate: false };
    if (t.t === 'date') return { value: t.v, isDate: true };
    if (t.t === 'ident') {
      const w = t.v.toLowerCase();
      if (w === 'true') return { value: true, isDate: false };
      if (w === 'false') return { value: false, isDate: false };
      if (w === 'null') return { value: null, isDate: false };
    }
    throw this.syntax('expected a literal value');
  }
  private parseTerm(): FilterNode {
    const t = this.next();
    if (t.t !== 'ident') throw this.syntax('expected a property or function');
    const after = this.peek();
    if (after?.t === 'punct' && after.v === '(') {
      const lower = t.v.toLowerCase();
      const lambda = /^(.*)\/(any|all)$/i.exec(t.v);
      if (lambda) {
        this.pos++;
        if (lambda[2]!.toLowerCase() !== 'any') throw badRequest(`Invalid filter clause: the 'all' operator is not supported in '${this.src}'.`);
        const v = this.next();
        if (v.t !== 'ident') throw this.syntax('expected a lambda variable');
        this.expectPunct(':');
        const body = this.parseOr();
        this.expectPunct(')');
        return { kind: 'any', path: lambda[1]!.split('/'), variable: v.v, body };
      }
      if (lower === 'startswith' || lower === 'endswith' || lower === 'contains') {
        this.pos++;
        const p = this.next();
        if (p.t !== 'ident') throw this.syntax(`expected a property as the first argument of ${t.v}`);
        this.expectPunct(',');
        const lit = this.parseLiteral();
        if (typeof lit.value !== 'string') throw this.syntax(`expected a string as the second argument of ${t.v}`);
        this.expectPunct(')');
        return { kind: 'fn', name: lower, path: p.v.split('/'), value: lit.value };
      }
      throw badRequest(`Invalid filter clause: unsupported function '${t.v}' in '${this.src}'.`);
    }
    const op = this.next();
    if (op.t !== 'ident') throw this.syntax('expected an operator');
    const opName = op.v.toLowerCase();
    if (opName === 'in') {
      this.expectPunct('(');
      const values: Literal[] = [];
      for (;;) {
        values.push(this.parseLiteral().value);
        const sep = this.next();
        if (sep.t === 'punct' && sep.v === ')') break;
        if (!(sep.t === 'punct' && sep.v === ',')) throw this.syntax("expected ',' or ')'");
      }
      return { kind: 'in', path: t.v.split('/'), values };
    }
    if (!CMP_OPS.has(opName)) throw badRequest(`Invalid filter clause: unsupported operator '${op.v}' in '${this.src}'.`);
    const lit = this.parseLiteral();
    return { kind: 'cmp', op: opName as CmpOp, path: t.v.split('/'), value: lit.value, isDate: lit.isDate };
  }
}

export function parseFilter(src: string): FilterNode {
  return new Parser(tokenize(src), src).parseAll();
}

/** Renders a node back to text, for error messages. */
export function clauseText(node: FilterNode): string {
  const lit = (v: Literal): string => (typeof v === 'string' ? `'${v}'` : String(v));
  switch (node.kind) {
    case 'cmp':
      return `${node.path.join('/')} ${node.op} ${node.isDate ? String(node.value) : lit(node.value)}`;
    case 'in':
      return `${node.path.join('/')} in (${node.values.map(lit).join(',')})`;
    case 'fn':
      return `${node.name}(${node.path.join('/')},${lit(node.value)})`;
    case 'any':
      return `${node.path.join('/')}/any(${node.variable}: ${clauseText(node.body)})`;
    case 'and':
      return node.items.map(clauseText).join(' and ');
    case 'or':
      return node.items.map(clauseText).join(' or ');
    case 'not':
      return `not ${clauseText(node.item)}`;
  }
}

/** What an endpoint accepts. Property names are matched case-insensitively. */
export interface FilterSupport {
  /** property path ("status/errorCode") → allowed comparison operators */
  cmp?: Record<string, CmpOp[]>;
  startsWith?: string[];
  in?: string[];
  /** collection path → properties (relative to the lambda variable; '' = the element itself) → ops */
  any?: Record<string, Record<string, CmpOp[]>>;
  allowOr?: boolean;
  errorCode?: string;
}

/** Validates a parsed filter against what the endpoint supports; throws a 400 otherwise. */
export function checkFilter(node: FilterNode, support: FilterSupport): void {
  const code = support.errorCode ?? 'BadRequest';
  const reject = (n: FilterNode): never => {
    throw badRequest(`Unsupported or invalid query filter clause specified for property '${propertyOf(n)}' of resource: '${clauseText(n)}'.`, code);
  };
  const find = <T>(table: Record<string, T> | undefined, path: string[]): T | undefined => {
    if (!table) return undefined;
    const key = path.join('/').toLowerCase();
    for (const [k, v] of Object.entries(table)) if (k.toLowerCase() === key) return v;
    return undefined;
  };
  const visit = (n: FilterNode): void => {
    switch (n.kind) {
      case 'and':
        n.items.forEach(visit);
        return;
      case 'or':
        if (!support.allowOr) reject(n);
        n.items.forEach(visit);
        return;
      case 'not':
        reject(n);
        return;
      case 'cmp': {
        const ops = find(support.cmp, n.path);
        if (!ops || !ops.includes(n.op)) reject(n);
        return;
      }
      case 'in':
        if (!support.in?.some((p) => p.toLowerCase() === n.path.join('/').toLowerCase())) reject(n);
        return;
      case 'fn':
        if (n.name !== 'startswith' || !support.startsWith?.some((p) => p.toLowerCase() === n.path.join('/').toLowerCase())) reject(n);
        return;
      case 'any': {
        const inner = find(support.any, n.path);
        if (!inner) return reject(n);
        const checkInner = (b: FilterNode): void => {
          if (b.kind === 'and' || b.kind === 'or') return b.items.forEach(checkInner);
          if (b.kind !== 'cmp' || b.path[0] !== n.variable) return reject(n);
          const ops = find(inner, b.path.slice(1));
          if (!ops || !ops.includes(b.op)) reject(n);
        };
        checkInner(n.body);
        return;
      }
    }
  };
  visit(node);
}

function propertyOf(n: FilterNode): string {
  if (n.kind === 'cmp' || n.kind === 'in' || n.kind === 'fn' || n.kind === 'any') return n.path.join('/');
  if (n.kind === 'not') return propertyOf(n.item);
  return n.items[0] ? propertyOf(n.items[0]) : '';
}

function getPath(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const rec = cur as Record<string, unknown>;
    if (seg in rec) cur = rec[seg];
    else {
      const key = Object.keys(rec).find((k) => k.toLowerCase() === seg.toLowerCase());
      cur = key === undefined ? undefined : rec[key];
    }
  }
  return cur;
}

function compare(actual: unknown, op: CmpOp, expected: Literal, isDate: boolean): boolean {
  if (isDate || (typeof expected === 'string' && typeof actual === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(actual) && /^\d{4}-\d{2}-\d{2}T/.test(expected))) {
    const a = typeof actual === 'string' ? Date.parse(actual) : NaN;
    const e = typeof expected === 'string' ? Date.parse(expected) : NaN;
    if (Number.isNaN(a) || Number.isNaN(e)) return false;
    return cmpNumbers(a, op, e);
  }
  if (typeof actual === 'string' && typeof expected === 'string') {
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    if (op === 'eq') return a === e;
    if (op === 'ne') return a !== e;
    return cmpNumbers(a < e ? -1 : a > e ? 1 : 0, op, 0);
  }
  if (typeof actual === 'number' && typeof expected === 'number') return cmpNumbers(actual, op, expected);
  if (op === 'eq') return (actual ?? null) === expected;
  if (op === 'ne') return (actual ?? null) !== expected;
  return false;
}

function cmpNumbers(a: number, op: CmpOp, b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

export function evaluateFilter(node: FilterNode, obj: unknown, scope: Record<string, unknown> = {}): boolean {
  const resolve = (path: string[]): unknown => {
    const head = path[0];
    if (head !== undefined && head in scope) return getPath(scope[head], path.slice(1));
    return getPath(obj, path);
  };
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluateFilter(n, obj, scope));
    case 'or':
      return node.items.some((n) => evaluateFilter(n, obj, scope));
    case 'not':
      return !evaluateFilter(node.item, obj, scope);
    case 'cmp':
      return compare(resolve(node.path), node.op, node.value, node.isDate);
    case 'in': {
      const v = resolve(node.path);
      return node.values.some((x) => compare(v, 'eq', x, false));
    }
    case 'fn': {
      const v = resolve(node.path);
      if (typeof v !== 'string') return false;
      const a = v.toLowerCase();
      const e = node.value.toLowerCase();
      return node.name === 'startswith' ? a.startsWith(e) : node.name === 'endswith' ? a.endsWith(e) : a.includes(e);
    }
    case 'any': {
      const coll = resolve(node.path);
      if (!Array.isArray(coll)) return false;
      return coll.some((el) => evaluateFilter(node.body, obj, { ...scope, [node.variable]: el }));
    }
  }
}

/** Finds a top-level `path eq 'value'` / `path in (...)` conjunct, for index-friendly lookups. */
export function equalityValues(node: FilterNode, prop: string): Literal[] | undefined {
  const items = node.kind === 'and' ? node.items : [node];
  for (const n of items) {
    const p = n.kind === 'cmp' || n.kind === 'in' ? n.path.join('/').toLowerCase() : '';
    if (p !== prop.toLowerCase()) continue;
    if (n.kind === 'cmp' && n.op === 'eq') return [n.value];
    if (n.kind === 'in') return n.values;
  }
  return undefined;
}
