/**
 * The service's routes as fastify registered them, and the upstream swagger's operations, in one
 * form (`GET /api/assisted-install/v2/infra-envs/:infra_env_id`), so a fuzzer can prove it covers
 * every route the service has: a route added without joining the fuzzer fails it.
 */
import yaml from 'js-yaml';
import { readSwagger, SWAGGER_PATH } from '../../test/support/swagger.js';

export type RouteKey = `${string} /${string}`;

export const routeKey = (method: string, url: string): RouteKey => `${method.toUpperCase()} ${url}` as RouteKey;

/**
 * Parses `app.printRoutes({ commonPrefix: false })`: a tree whose lines are `├── segment (GET, POST)`,
 * each segment appended to its parent's path. HEAD routes fastify adds for GETs are left out.
 */
export function parsePrintedRoutes(printed: string): RouteKey[] {
  const stack: string[] = [];
  const routes: RouteKey[] = [];
  for (const line of printed.split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = (at - 1) / 4;
    if (!Number.isInteger(depth)) throw new Error(`unexpected printRoutes line: ${JSON.stringify(line)}`);
    const text = line.slice(at + 3);
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(text);
    if (!match) throw new Error(`unexpected printRoutes line: ${JSON.stringify(line)}`);
    const path = (depth === 0 ? '' : (stack[depth - 1] ?? '')) + (match[1] ?? '');
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (match[2] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(routeKey(method, path.startsWith('/') ? path : `/${path}`));
    }
  }
  return routes.sort();
}

/** Every operation of upstream's swagger, under its basePath, path parameters as fastify writes them. */
export function swaggerOperations(): RouteKey[] {
  const doc = yaml.load(readSwagger(SWAGGER_PATH)) as { basePath: string; paths: Record<string, Record<string, unknown>> };
  const operations: RouteKey[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete', 'head'].includes(method)) continue;
      operations.push(routeKey(method, `${doc.basePath}${path.replace(/\{([^}]+)\}/g, ':$1')}`));
    }
  }
  return operations.sort();
}
