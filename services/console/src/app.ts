import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findRecordsByKey, getEvent, latestCheckRuns, listActions, outcomeBuckets, parseDlqId, parseTrailRequest, queryTrail, type DlqStatus } from '@mlc/audit';
import { toMlcError } from '@mlc/errors';
import { ENTITY_TYPES } from '@mlc/events';
import { WRITERS, discard, listEntries, loadStatus, redrive, republish, showEntry, type MlcDeps } from '@mlc/mlc';
import type { ServiceServer } from '@mlc/service';
import { layout, type Html, type Section, type Viewer } from './html.js';
import { PendingSignIn, type OidcClient } from './oidc.js';
import { connectionsPage, dlqConfirmPage, dlqEntryPage, dlqListPage, eventPage, loginPage, replaysPage, resultPage, trailPage, type ReplayJob } from './pages.js';
import { safeEqual } from '@mlc/config';
import { newSession, parseCookies, readSession, serializeCookie, sign, unsign, type Session } from './session.js';

export interface ConsoleSettings {
  sessionSecret: string;
  sessionTtlSeconds: number;
  cookieSecure: boolean;
  adminToken?: string | undefined;
  pageSize: number;
}

export interface ConsoleAppParams {
  server: ServiceServer;
  /** The operations and their connections, as `mlc` has them. */
  deps: Pick<MlcDeps, 'db' | 'pollerDb' | 'checkAdmin' | 'kafka' | 'send' | 'codec' | 'namespace' | 'now' | 'logger'>;
  settings: ConsoleSettings;
  oidc?: OidcClient | undefined;
}

const SESSION_COOKIE = 'mlc_console';
const PENDING_COOKIE = 'mlc_console_oidc';
const PUBLIC = new Set(['/login', '/auth/login', '/auth/callback', '/static/console.css', '/static/console.js', '/healthz', '/readyz', '/metrics', '/favicon.ico']);
const MAX_JOBS = 50;
const MAX_SELECTED = 500;

const STATIC = {
  '/static/console.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('../public/console.css', import.meta.url)) },
  '/static/console.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('../public/console.js', import.meta.url)) },
};

// Only a path of this console: never another origin (`//evil`, `/\evil`), never a header break.
const safeReturn = (value: unknown) => (typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/');

type Body = Record<string, string | string[] | undefined>;
const one = (body: Body | Record<string, unknown> | undefined, name: string): string | undefined => {
  const v = body?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
};
const many = (body: Body | undefined, name: string): string[] => {
  const v = body?.[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((s) => s !== '');
};

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

/** The console's routes on the service's server: sign-in, the pages, and the operators' actions. */
export function registerConsole({ server, deps, settings, oidc }: ConsoleAppParams): { jobs: () => readonly ReplayJob[] } {
  const jobs: ReplayJob[] = [];
  const cookie = (name: string, value: string, maxAgeSeconds: number) => serializeCookie(name, value, { secure: settings.cookieSecure, maxAgeSeconds });

  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 262_144 }, (_request, body, done) => {
    const form: Body = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = form[k];
      form[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, form);
  });

  server.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    return payload;
  });

  // No anonymous access: every page needs a session; every POST its session's CSRF token.
  server.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (PUBLIC.has(path)) return;
    const session = readSession(settings.sessionSecret, parseCookies(request.headers.cookie).get(SESSION_COOKIE), deps.now());
    if (session === undefined) {
      if (request.method === 'GET') return reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 303);
      return reply.code(401).type('text/plain').send('sign in first');
    }
    request.session = session;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const token = one(request.body as Body | undefined, '_csrf') ?? (typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : undefined);
      if (token === undefined || !safeEqual(token, session.csrf)) return reply.code(403).type('text/plain').send('the form is stale or not from this console (CSRF token missing or wrong): reload the page and try again');
    }
  });

  const viewerOf = (request: FastifyRequest): Viewer => ({ name: request.session!.name, role: request.session!.role, csrf: request.session!.csrf });
  const page = (reply: FastifyReply, request: FastifyRequest | undefined, title: string, section: Section | undefined, body: Html, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(layout({ title, section, viewer: request && viewerOf(request), body }).value);
  const requireOperator = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.session?.role === 'operator') return true;
    void reply.code(403).type('text/plain').send('only operators redrive, discard or replay');
    return false;
  };
  const failed = (request: FastifyRequest, reply: FastifyReply, title: string, section: Section, error: unknown) => {
    const e = toMlcError(error);
    request.log.warn({ err: e }, `console: ${title} failed`);
    const status = e.code === 'MLC_CONFIG_INVALID' ? 400 : e.retriable ? 503 : 500;
    return page(reply, request, title, section, resultPage({ message: `${e.code}: ${e.message}`, links: [{ href: request.url, label: 'Try again' }] }), status);
  };

  for (const [path, file] of Object.entries(STATIC)) {
    server.get(path, async (_request, reply) => reply.type(file.type).header('cache-control', 'public, max-age=300').send(file.body));
  }

  // ------------------------------------------------------------ sign-in

  server.get('/login', async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    return page(reply, undefined, 'Sign in', undefined, loginPage({ token: settings.adminToken !== undefined, oidc: oidc !== undefined, error: typeof q.error === 'string' ? q.error : undefined, returnTo: safeReturn(q.returnTo) }));
  });

  const startSession = (reply: FastifyReply, user: { sub: string; name: string; role: 'reader' | 'operator' }, returnTo: string) => {
    const session = newSession(user, settings.sessionTtlSeconds, deps.now());
    return reply.header('set-cookie', cookie(SESSION_COOKIE, sign(settings.sessionSecret, session), settings.sessionTtlSeconds)).redirect(returnTo, 303);
  };

  server.post('/login', async (request, reply) => {
    const body = request.body as Body | undefined;
    const token = one(body, 'token');
    const returnTo = safeReturn(one(body, 'returnTo'));
    if (settings.adminToken === undefined || token === undefined || !safeEqual(token, settings.adminToken)) {
      request.log.warn('console: a sign-in with a wrong admin token');
      return page(reply, undefined, 'Sign in', undefined, loginPage({ token: settings.adminToken !== undefined, oidc: oidc !== undefined, error: 'That token is not the admin token.', returnTo }), 401);
    }
    return startSession(reply, { sub: 'admin-token', name: 'admin (token)', role: 'operator' }, returnTo);
  });

  server.get('/auth/login', async (request, reply) => {
    if (oidc === undefined) return reply.code(404).send('OIDC sign-in is not configured');
    const { url, pending } = await oidc.start(safeReturn((request.query as Record<string, unknown>).returnTo));
    return reply.header('set-cookie', cookie(PENDING_COOKIE, sign(settings.sessionSecret, pending), 600)).redirect(url, 302);
  });

  server.get('/auth/callback', async (request, reply) => {
    if (oidc === undefined) return reply.code(404).send('OIDC sign-in is not configured');
    const q = request.query as Record<string, string | undefined>;
    const parsed = PendingSignIn.safeParse(unsign(settings.sessionSecret, parseCookies(request.headers.cookie).get(PENDING_COOKIE)));
    try {
      const user = await oidc.finish({ code: q.code, state: q.state, error: q.error }, parsed.success ? parsed.data : undefined, safeEqual);
      reply.header('set-cookie', cookie(PENDING_COOKIE, '', 0));
      request.log.info({ sub: user.sub, role: user.role }, 'console: signed in through OIDC');
      return startSession(reply, user, parsed.success ? safeReturn(parsed.data.returnTo) : '/');
    } catch (error) {
      const e = toMlcError(error);
      request.log.warn({ err: e }, 'console: OIDC sign-in failed');
      return page(reply, undefined, 'Sign in', undefined, loginPage({ token: settings.adminToken !== undefined, oidc: true, error: `Sign-in failed: ${e.message}`, returnTo: '/' }), 401);
    }
  });

  server.post('/logout', async (_request, reply) => reply.header('set-cookie', cookie(SESSION_COOKIE, '', 0)).redirect('/login', 303));

  // ------------------------------------------------------------ pages

  server.get('/', async (request, reply) => {
    const now = deps.now();
    try {
      const [status, buckets, checks] = await Promise.all([
        loadStatus({ ...deps, admin: deps.checkAdmin }, {}),
        outcomeBuckets(deps.db, new Date(now.getTime() - 24 * 3_600_000)),
        latestCheckRuns(deps.db, 20),
      ]);
      return page(reply, request, 'Connections', 'connections', connectionsPage({ status, buckets, checks, now }));
    } catch (error) {
      return failed(request, reply, 'Connections', 'connections', error);
    }
  });

  server.get('/trail', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const form = { connection: q.connection || undefined, entity: q.entity || undefined, key: q.key || undefined, correlationId: q.correlationId || undefined, q: q.q?.trim() || undefined };
    const logical = deps.namespace.logical;
    try {
      if (form.q !== undefined) {
        const found = await findRecordsByKey(deps.db, form.q, settings.pageSize);
        return page(reply, request, 'Trail', 'trail', trailPage({ form, found, logical }));
      }
      if (form.connection === undefined && form.entity === undefined && form.key === undefined && form.correlationId === undefined) {
        return page(reply, request, 'Trail', 'trail', trailPage({ form, logical }));
      }
      const parsed = parseTrailRequest({ connection: form.connection, entity: form.entity, key: form.key, correlationId: form.correlationId, cursor: q.cursor || undefined, limit: String(settings.pageSize) });
      if ('issues' in parsed) return page(reply, request, 'Trail', 'trail', trailPage({ form, issues: parsed.issues.map((i) => `${i.field}: ${i.message}`), logical }), 400);
      const trail = await queryTrail(deps.db, parsed.query);
      return page(reply, request, 'Trail', 'trail', trailPage({ form, items: trail.items, nextCursor: trail.nextCursor, logical }));
    } catch (error) {
      return failed(request, reply, 'Trail', 'trail', error);
    }
  });

  server.get('/event', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    if (!q.topic || !/^\d{1,9}$/.test(q.partition ?? '') || !/^\d{1,19}$/.test(q.offset ?? '')) return reply.code(400).type('text/plain').send('give topic, partition and offset');
    try {
      const event = await getEvent(deps.db, { topic: q.topic, partition: Number(q.partition), offset: q.offset! });
      if (event === undefined) return reply.code(404).type('text/plain').send('no such event in the audit log');
      return page(reply, request, 'Event', 'trail', eventPage(event));
    } catch (error) {
      return failed(request, reply, 'Event', 'trail', error);
    }
  });

  server.get('/dlq', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const status = (['open', 'redriven', 'discarded'] as const).find((s) => s === q.status);
    const form = { writer: q.writer || undefined, code: q.code || undefined, connection: q.connection || undefined, status };
    try {
      // Keyset paging: `after` is the last entry of the previous page (`<id>@<time>`).
      let after;
      if (q.after) {
        const at = q.after.lastIndexOf('@');
        after = { id: parseDlqId(q.after.slice(0, at)), kafkaTs: q.after.slice(at + 1) };
        if (at <= 0 || Number.isNaN(Date.parse(after.kafkaTs))) return reply.code(400).type('text/plain').send('after: not a position this console gave out');
      }
      const rows = await listEntries(deps, { filter: { writer: form.writer, code: form.code, connection: form.connection }, status: status as DlqStatus | undefined, limit: settings.pageSize + 1, after });
      const entries = rows.slice(0, settings.pageSize);
      const last = entries.at(-1);
      const next = rows.length > settings.pageSize && last ? `${last.id}@${last.kafkaTs}` : undefined;
      return page(reply, request, 'DLQ', 'dlq', dlqListPage({ form, entries, next, viewer: viewerOf(request), writers: WRITERS }));
    } catch (error) {
      return failed(request, reply, 'DLQ', 'dlq', error);
    }
  });

  server.get('/dlq/:id', async (request, reply) => {
    try {
      const record = await showEntry(deps, parseDlqId((request.params as { id: string }).id));
      return page(reply, request, `DLQ entry ${record.id}`, 'dlq', dlqEntryPage({ record, viewer: viewerOf(request) }));
    } catch (error) {
      return failed(request, reply, 'DLQ entry', 'dlq', error);
    }
  });

  server.post('/dlq/confirm', async (request, reply) => {
    if (!requireOperator(request, reply)) return reply;
    const body = request.body as Body | undefined;
    const action = one(body, 'action') === 'discard' ? 'discard' : 'redrive';
    const ids = many(body, 'ids').slice(0, MAX_SELECTED);
    if (ids.length === 0) return page(reply, request, 'DLQ', 'dlq', resultPage({ message: 'Select at least one entry first.', links: [{ href: '/dlq', label: 'Back to the DLQ' }] }), 400);
    return page(reply, request, `Confirm ${action}`, 'dlq', dlqConfirmPage({ action, ids, viewer: viewerOf(request) }));
  });

  for (const action of ['redrive', 'discard'] as const) {
    server.post(`/dlq/${action}`, async (request, reply) => {
      if (!requireOperator(request, reply)) return reply;
      const body = request.body as Body | undefined;
      const reason = one(body, 'reason');
      const idTexts = many(body, 'ids').slice(0, MAX_SELECTED);
      const viewer = viewerOf(request);
      if (reason === undefined || idTexts.length === 0) {
        return page(reply, request, `Confirm ${action}`, 'dlq', dlqConfirmPage({ action, ids: idTexts, viewer, error: 'Give a reason: it is kept in the trail.' }), 400);
      }
      try {
        const ids = idTexts.map(parseDlqId);
        const actor = `${request.session!.name} (${request.session!.sub})`;
        const result = action === 'redrive' ? await redrive(deps, { ids, filter: undefined, dryRun: false, actor, reason }) : await discard(deps, { ids, reason, actor });
        request.log.info({ action, actionId: result.actionId, count: result.ids.length, sub: request.session!.sub }, 'console: DLQ entries resolved');
        return page(
          reply,
          request,
          action === 'redrive' ? 'Redriven' : 'Discarded',
          'dlq',
          resultPage({
            message: `${result.ids.length} entr${result.ids.length === 1 ? 'y' : 'ies'} ${action === 'redrive' ? 'redriven' : 'discarded'} (operator action #${result.actionId ?? '–'}).`,
            links: [{ href: '/dlq', label: 'Back to the DLQ' }, ...result.ids.map((id) => ({ href: `/dlq/${id}`, label: id }))],
          }),
        );
      } catch (error) {
        const e = toMlcError(error);
        if (e.code === 'MLC_CONFIG_INVALID') return page(reply, request, `Confirm ${action}`, 'dlq', dlqConfirmPage({ action, ids: idTexts, viewer, error: e.message }), 400);
        return failed(request, reply, action, 'dlq', e);
      }
    });
  }

  server.get('/replays', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const before = /^\d{1,19}$/.test(q.before ?? '') ? q.before : undefined;
    try {
      const rows = await listActions(deps.db, { before, limit: settings.pageSize + 1 });
      const actions = rows.slice(0, settings.pageSize);
      const nextBefore = rows.length > settings.pageSize ? actions.at(-1)?.id : undefined;
      return page(reply, request, 'Replays', 'replays', replaysPage({ jobs: [...jobs].reverse(), actions, nextBefore, viewer: viewerOf(request), error: q.error }));
    } catch (error) {
      return failed(request, reply, 'Replays', 'replays', error);
    }
  });

  server.post('/replays', async (request, reply) => {
    if (!requireOperator(request, reply)) return reply;
    const body = request.body as Body | undefined;
    const connection = one(body, 'connection');
    const reason = one(body, 'reason');
    const time = (name: string) => {
      const v = one(body, name);
      if (v === undefined) return undefined;
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) throw new Error(`${name}: "${v}" is not a time (ISO 8601, e.g. 2026-11-01T00:00:00Z)`);
      return d;
    };
    let since: Date | undefined;
    let until: Date | undefined;
    try {
      since = time('since');
      until = time('until');
    } catch (error) {
      return reply.redirect(`/replays?error=${encodeURIComponent((error as Error).message)}`, 303);
    }
    if (connection === undefined || reason === undefined) return reply.redirect(`/replays?error=${encodeURIComponent('give a connection and a reason')}`, 303);
    const entity = ENTITY_TYPES.find((t) => t === one(body, 'entity'));
    const keys = (one(body, 'keys') ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    const force = one(body, 'mode') === 'force';
    const job: ReplayJob = {
      id: randomUUID(),
      startedAt: deps.now().toISOString(),
      actor: request.session!.name,
      label: [connection, entity, keys.join(',')].filter(Boolean).join(' '),
      force,
      total: 0,
      done: 0,
      state: 'running',
    };
    jobs.push(job);
    if (jobs.length > MAX_JOBS) jobs.splice(0, jobs.length - MAX_JOBS);
    const actor = `${request.session!.name} (${request.session!.sub})`;
    // Runs on after the answer; the page shows its progress and, once recorded, its action.
    void republish(
      {
        ...deps,
        progress: (_label, total) => {
          job.total = total;
          return { advance: (by) => void (job.done += by), done: () => undefined };
        },
      },
      { connection, entityType: entity, keys, source: undefined, since, until, force, dryRun: false, actor, reason },
    ).then(
      (result) => {
        job.state = 'done';
        job.actionId = result.actionId;
        job.total = result.selected;
        job.done = result.published;
      },
      (error: unknown) => {
        const e = toMlcError(error);
        job.state = 'failed';
        job.error = `${e.code}: ${e.message}`;
        request.log.warn({ err: e }, 'console: replay failed');
      },
    );
    return reply.redirect('/replays', 303);
  });

  return { jobs: () => jobs };
}
