// `eastern status --serve`: the read-only status page over node:http. Loopback by
// default; any other address needs credentials from the environment (a bearer
// token, or basic-auth user and password), and every response carries a CSP that
// allows only this origin's script and style, and forbids framing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError, ValidationError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { SCRIPT, STYLESHEET } from './assets.js';
import type { Selection } from './clusters.js';
import type { CollectOptions } from './collect.js';
import { StatusMonitor } from './monitor.js';
import { diffPage, fleetPage, messagePage, projectPage, type InstanceDetails, type PageInfo } from './pages.js';
import { diffRevisions } from './revision-diff.js';
import type { StatusReport } from './schema.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';
export const TOKEN_ENV = 'EASTERN_STATUS_TOKEN';
export const USER_ENV = 'EASTERN_STATUS_USER';
export const PASSWORD_ENV = 'EASTERN_STATUS_PASSWORD';
const MIN_SECRET = 16;

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface Listen {
  host: string;
  port: number;
}

export function parseListen(value: string): Listen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen takes host:port, got "${value}"`, { fix: `e.g. --listen ${DEFAULT_LISTEN}, or --listen 0.0.0.0:8080 with credentials` });
  return { host: (m[1] ?? m[2])!, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Who may read the page: anyone on loopback without credentials, else only with them. */
export interface Access {
  token?: string;
  user?: string;
  password?: string;
  /** For the page's footer. */
  describe: string;
}

export function accessFor(listen: Listen, env: NodeJS.ProcessEnv): Access {
  const token = env[TOKEN_ENV] || undefined;
  const user = env[USER_ENV] || undefined;
  const password = env[PASSWORD_ENV] || undefined;
  const problems: string[] = [];
  if ((user === undefined) !== (password === undefined)) problems.push(`${USER_ENV} and ${PASSWORD_ENV} go together: set both or neither`);
  if (token !== undefined && token.length < MIN_SECRET) problems.push(`${TOKEN_ENV} is shorter than ${MIN_SECRET} characters`);
  if (password !== undefined && password.length < MIN_SECRET) problems.push(`${PASSWORD_ENV} is shorter than ${MIN_SECRET} characters`);
  if (problems.length > 0) throw new ValidationError('the status page credentials are not usable', { problems, fix: `e.g. export ${TOKEN_ENV}=$(openssl rand -hex 24)` });
  const where = `${listen.host}:${listen.port}`;
  if (!token && !user) {
    if (!isLoopback(listen.host)) {
      throw new UsageError(`refusing to serve the status page on ${where} without credentials: only loopback addresses are open to anyone`, {
        fix: `set ${TOKEN_ENV} (a bearer token, also accepted as the basic-auth password) or ${USER_ENV} and ${PASSWORD_ENV}, or listen on 127.0.0.1`,
      });
    }
    return { describe: 'loopback only, no credentials needed' };
  }
  const ways = [token ? `a bearer token (${TOKEN_ENV})` : '', user ? `basic auth (${USER_ENV}/${PASSWORD_ENV})` : ''].filter(Boolean).join(' or ');
  return { ...(token && { token }), ...(user && { user }), ...(password && { password }), describe: `every request needs credentials: ${ways}` };
}

function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export function authorized(access: Access, header: string | undefined): boolean {
  if (!access.token && !access.user) return true;
  if (!header) return false;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return access.token !== undefined && same(bearer[1]!.trim(), access.token);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!basic) return false;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // Evaluate both, so the time taken does not tell which one matched.
  const byUser = access.user !== undefined && access.password !== undefined && same(user, access.user) && same(password, access.password);
  const byToken = access.token !== undefined && same(password, access.token);
  return byUser || byToken;
}

export interface ServeOptions extends CollectOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  listen?: string;
  refreshSeconds: number;
  until?: Promise<unknown>;
  onListening?: (url: string) => void;
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const HTML = 'text/html; charset=utf-8';
const EVENTS_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms); })]).finally(() => clearTimeout(timer));
}

/** The request handler (exported for tests that drive it without a socket). */
export function statusHandler(monitor: StatusMonitor, access: Access, info: PageInfo) {
  // The fleet page and the JSON change only when a cluster read does: rendered once per report.
  const rendered = new WeakMap<StatusReport, { fleet?: string; json?: string }>();
  const once = (report: StatusReport, key: 'fleet' | 'json', make: () => string): string => {
    const entry = rendered.get(report) ?? {};
    rendered.set(report, entry);
    return (entry[key] ??= make());
  };
  const routes = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    if (path === '/assets/status.css') return send(res, 200, 'text/css; charset=utf-8', STYLESHEET, { 'Cache-Control': 'max-age=300' });
    if (path === '/assets/status.js') return send(res, 200, 'text/javascript; charset=utf-8', SCRIPT, { 'Cache-Control': 'max-age=300' });
    const report = monitor.current();
    if (path === '/') return send(res, 200, HTML, once(report, 'fleet', () => fleetPage(report, info)));
    if (path === '/api/status.json') return send(res, 200, 'application/json; charset=utf-8', once(report, 'json', () => JSON.stringify(report, null, 2) + '\n'));
    const project = /^\/projects\/([^/]+)$/.exec(path);
    if (project) {
      const name = decodeURIComponent(project[1]!);
      const details: InstanceDetails[] = await Promise.all(report.releases.filter((r) => r.project === name).map(async (release) => {
        try {
          const events = await withTimeout(monitor.rolloutEvents(release.cluster, release.namespace, release.project, Date.parse(release.history[0]?.startedAt ?? release.deployedAt)), EVENTS_TIMEOUT_MS);
          return { release, events };
        } catch (error) {
          return { release, events: [], eventsError: (error as Error).message };
        }
      }));
      return send(res, details.length ? 200 : 404, HTML, projectPage(report, name, details, info));
    }
    const diff = /^\/projects\/([^/]+)\/diff$/.exec(path);
    if (diff) {
      const name = decodeURIComponent(diff[1]!);
      const q = url.searchParams;
      const cluster = q.get('cluster') ?? '';
      const namespace = q.get('namespace') ?? '';
      const from = Number(q.get('from'));
      const to = Number(q.get('to'));
      const heads = monitor.heads(cluster, namespace, name);
      const a = heads.find((h) => h.info.revision === from);
      const b = heads.find((h) => h.info.revision === to);
      if (!a || !b) return send(res, 404, HTML, messagePage('No such revisions', `${name} on ${cluster}/${namespace} has no revisions ${q.get('from')} and ${q.get('to')} (kept: ${heads.map((h) => h.info.revision).join(', ') || 'none'}).`, info));
      try {
        const [before, after] = await withTimeout(Promise.all([monitor.manifest(cluster, namespace, a), monitor.manifest(cluster, namespace, b)]), EVENTS_TIMEOUT_MS * 2);
        return send(res, 200, HTML, diffPage(report, { project: name, cluster, namespace, from, to }, diffRevisions(before, after), info));
      } catch (error) {
        return send(res, 502, HTML, messagePage('Revision unreadable', `the manifests of ${name} revisions ${from} and ${to} on ${cluster} could not be read: ${(error as Error).message}`, info));
      }
    }
    return send(res, 404, HTML, messagePage('Not found', `nothing at ${path}`, info));
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://status.invalid');
    if (url.pathname === '/healthz') return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    if (!authorized(access, req.headers.authorization)) {
      return send(res, 401, HTML, messagePage('Credentials needed', `This status page needs credentials: ${access.describe.replace(/^every request needs credentials: /, '')}. Ask whoever runs it.`, info), {
        'WWW-Authenticate': 'Basic realm="Eastern status", charset="UTF-8"',
      });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'read-only: GET only\n', { Allow: 'GET, HEAD' });
    routes(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, HTML, messagePage('Error', (error as Error).message, info));
      else res.destroy();
    });
  };
}

/** Serves until `until` resolves or SIGINT/SIGTERM; returns the exit code. */
export async function serveStatus(selection: Selection, options: ServeOptions): Promise<number> {
  const listen = parseListen(options.listen ?? DEFAULT_LISTEN);
  const access = accessFor(listen, options.env);
  const monitor = new StatusMonitor(selection, options);
  options.logger.info(`reading ${selection.clusters.length} clusters (${selection.clusters.map((c) => c.name).join(', ')})`);
  await monitor.start();
  const server = createServer();
  const info: PageInfo = { access: access.describe, listen: '', refreshSeconds: options.refreshSeconds };
  server.on('request', statusHandler(monitor, access, info));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new UsageError(`cannot listen on ${listen.host}:${listen.port}: ${error.message}`, { fix: 'choose another --listen address' })));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  info.listen = `${host}:${address.port}`;
  const url = `http://${host}:${address.port}/`;
  options.logger.info(`status page on ${url} (${access.describe}); Ctrl-C stops it`);
  options.onListening?.(url);
  let onSignal: (() => void) | undefined;
  const signalled = new Promise<void>((resolve) => {
    onSignal = () => resolve();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    await Promise.race([signalled, ...(options.until ? [options.until] : [])]);
  } finally {
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await monitor.stop();
  }
  return 0;
}
