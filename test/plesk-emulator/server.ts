/**
 * A stand-in for a Plesk panel's REST API v2, for tests: node:http on 127.0.0.1 with an
 * ephemeral port (plain HTTP; the adapter's base URL is configurable). It implements the
 * requests the adapter makes, with the documented shapes (api-objects.ts) and the
 * documented CLI behaviour (cli.ts), and keeps state, so actions are observable:
 *
 *   GET  /api/v2/clients                 → [Client]
 *   GET  /api/v2/domains                 → [Domain]
 *   GET  /api/v2/domains/{id}            → Domain | 404
 *   GET  /api/v2/domains/{id}/client     → Client | 404
 *   GET  /api/v2/domains/{id}/status     → {status} | 404
 *   PUT  /api/v2/domains/{id}/status     {status} → {status} | 400 | 404
 *   POST /api/v2/cli/{id}/call           {params} → {code, stdout, stderr} | 404
 *   anything without the right X-API-Key → 401 {code, message}
 *
 * `fault` lets a test break chosen requests (a 500 in the middle of a listing); `stats`
 * counts requests and the most seen in flight at once (to check bounded concurrency).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientObject, domainObject, errorObject } from './api-objects';
import { CliEmulator } from './cli';
import type { PleskData } from './data';

export interface SeenRequest {
  method: string;
  /** path below /api/v2, e.g. "/domains/12/client" */
  path: string;
  body: unknown;
}

export interface FaultAnswer {
  status: number;
  body?: unknown;
}

export interface EmulatorOptions {
  data: PleskData;
  apiKey: string;
  /** delay before each answer, so concurrent requests overlap as on a real panel */
  latencyMs?: number;
}

export interface EmulatorStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
  cliCalls: Map<string, number>;
}

const MAX_BODY = 1024 * 1024;

export class PleskEmulator {
  readonly stats: EmulatorStats = { requests: 0, inFlight: 0, maxInFlight: 0, cliCalls: new Map() };
  /** return an answer to replace the normal one, or null to answer normally */
  fault: ((req: SeenRequest) => FaultAnswer | null) | null = null;
  /** every request, in arrival order (bodies of /cli/mail/call included: tests only) */
  readonly log: SeenRequest[] = [];
  readonly cli: CliEmulator;
  url = '';

  private constructor(
    private readonly server: http.Server,
    readonly data: PleskData,
    readonly apiKey: string,
    private readonly latencyMs: number,
  ) {
    this.cli = new CliEmulator(data);
  }

  static async start(options: EmulatorOptions): Promise<PleskEmulator> {
    const server = http.createServer();
    const emu = new PleskEmulator(server, options.data, options.apiKey, options.latencyMs ?? 0);
    server.on('request', (req, res) => void emu.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    emu.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
    return emu;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async readBody(req: http.IncomingMessage): Promise<string> {
    let size = 0;
    const parts: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new Error('body too large');
      parts.push(chunk as Buffer);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.requests++;
    this.stats.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const raw = await this.readBody(req);
      let body: unknown = null;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          return send(400, errorObject('Request body is not valid JSON'));
        }
      }
      const url = new URL(req.url ?? '/', 'http://emulator');
      const path = url.pathname.replace(/^\/api\/v2/, '');
      const seen: SeenRequest = { method: req.method ?? 'GET', path, body };
      this.log.push(seen);
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      if (!url.pathname.startsWith('/api/v2/')) return send(404, errorObject('Not found'));
      if (req.headers['x-api-key'] !== this.apiKey) return send(401, errorObject('Authorization is required', 401));
      const fault = this.fault?.(seen) ?? null;
      if (fault) return send(fault.status, fault.body ?? errorObject('Internal server error', fault.status));
      const [status, answer] = this.route(seen);
      return send(status, answer);
    } catch (e) {
      return send(500, errorObject(String((e as Error).message)));
    } finally {
      this.stats.inFlight--;
    }
  }

  private route(r: SeenRequest): [number, unknown] {
    const { method, path, body } = r;
    if (method === 'GET' && path === '/clients') return [200, this.data.clients.map(clientObject)];
    if (method === 'GET' && path === '/domains') return [200, this.data.domains.map(domainObject)];
    let m = /^\/domains\/(\d+)(\/client|\/status)?$/.exec(path);
    if (m) {
      const d = this.data.domains.find((x) => x.id === Number(m![1]));
      if (!d) return [404, errorObject(`Domain with id ${m[1]} does not exist`, 1013)];
      if (method === 'GET' && !m[2]) return [200, domainObject(d)];
      if (method === 'GET' && m[2] === '/client') {
        const owner = this.data.clients.find((c) => c.id === this.cli.rootOf(d).ownerId)!;
        return [200, clientObject(owner)];
      }
      if (m[2] === '/status' && method === 'GET') return [200, { status: this.cli.statusOf(d) }];
      if (m[2] === '/status' && method === 'PUT') {
        const status = (body as { status?: unknown } | null)?.status;
        if (status !== 'active' && status !== 'suspended') return [400, errorObject(`Invalid status value: ${JSON.stringify(status)}`)];
        d.status = status;
        return [200, { status }];
      }
      return [405, errorObject('Method not allowed')];
    }
    m = /^\/cli\/([a-z_]+)\/call$/.exec(path);
    if (m && method === 'POST') {
      const params = (body as { params?: unknown } | null)?.params;
      if (!Array.isArray(params) || !params.every((p) => typeof p === 'string')) return [400, errorObject('params must be an array of strings')];
      const answer = this.cli.call(m[1]!, params as string[]);
      if (!answer) return [404, errorObject(`Command ${m[1]} is not found`)];
      const key = `${m[1]} ${String(params[0] ?? '')}`;
      this.stats.cliCalls.set(key, (this.stats.cliCalls.get(key) ?? 0) + 1);
      return [200, answer];
    }
    return [404, errorObject('Not found')];
  }
}
