/** Matches "METHOD /fixed/{param}/..." patterns; fixed segments compare case-insensitively, like Graph. */
import { GraphError } from '../graphError.js';
import type { ApiRequest, Ctx, Handler, ApiResponse } from './common.js';

interface Route {
  method: string;
  segments: (string | null)[];
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const segments = pattern
      .split('/')
      .filter(Boolean)
      .map((s) => (s.startsWith('{') ? null : s.toLowerCase()));
    this.routes.push({ method, segments, handler });
    return this;
  }

  /** The most specific route wins (most fixed segments), so `/authentication/requirements` beats `/authentication/{collection}`. */
  async dispatch(req: ApiRequest, ctx: Ctx): Promise<ApiResponse> {
    const parts = req.path.split('/').filter(Boolean);
    const candidates: { route: Route; params: string[]; fixed: number }[] = [];
    for (const r of this.routes) {
      if (r.segments.length !== parts.length) continue;
      const params: string[] = [];
      let fixed = 0;
      let matched = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = r.segments[i];
        const part = parts[i]!;
        if (seg === null) params.push(safeDecode(part));
        else if (seg === part.toLowerCase()) fixed++;
        else {
          matched = false;
          break;
        }
      }
      if (matched) candidates.push({ route: r, params, fixed });
    }
    candidates.sort((a, b) => b.fixed - a.fixed);
    const best = candidates[0]?.fixed;
    const hit = candidates.find((c) => c.fixed === best && c.route.method === req.method) ?? candidates.find((c) => c.route.method === req.method);
    if (hit) return hit.route.handler(req, ctx, hit.params);
    if (candidates.length > 0) throw new GraphError(405, 'Request_BadRequest', `Specified HTTP method is not allowed for the request uri '${req.path}'.`);
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${parts[parts.length - 1] ?? ''}'.`);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
