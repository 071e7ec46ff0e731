/**
 * A thin client for Plesk's REST API v2 (node-fetch v2). It knows the transport and the
 * error rules, nothing about subscriptions: every non-2xx answer becomes a PleskError
 * with Plesk's own message and a `failure` kind the inventory uses to decide on a
 * fallback. The API key travels only in the `X-API-Key` header and is never logged or
 * put into an error.
 */
import type { Agent } from 'node:https';
import { errorText, toCliResult, type CliResult } from './api-shapes';
import { PleskError, oneLine, type PleskFailure } from './errors';
import { buildAgent, type PleskTlsOptions } from './tls';

export interface PleskApiOptions {
  /** e.g. "https://panel.example.com:8443/api/v2"; http:// only for tests or a local proxy */
  baseUrl: string;
  apiKey: string;
  tls?: PleskTlsOptions;
  /** per request; default 30 s */
  timeoutMs?: number;
  /** cap on a response body; default 64 MiB (a /domains listing of 20,000 domains is ~5 MiB) */
  maxResponseBytes?: number;
}

/** Plesk CLI utility names we call through /cli/{id}/call: a fixed list, never user text. */
export type CliCommand = 'domain' | 'subscription' | 'mail' | 'customer' | 'mailserver';

function failureFor(status: number): PleskFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status >= 500) return 'server';
  return 'rejected';
}

export class PleskRestClient {
  private readonly base: URL;
  private readonly agent: Agent | undefined;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly options: PleskApiOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : options.baseUrl + '/');
    } catch {
      throw new PleskError('E_PLESK_CONFIG', 'rejected', `the Plesk API URL is not a URL: ${oneLine(options.baseUrl, 200)}`, '');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new PleskError('E_PLESK_CONFIG', 'rejected', `the Plesk API URL must be https:// (got ${base.protocol})`, '');
    }
    if (base.username || base.password) {
      throw new PleskError('E_PLESK_CONFIG', 'rejected', 'the Plesk API URL must not carry credentials; use the API key', '');
    }
    this.base = base;
    this.agent = buildAgent(base, options.tls);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  }

  /** Where the API lives, for messages (no key in it). */
  get url(): string {
    return this.base.href;
  }

  /** One request; resolves to the parsed JSON body of a 2xx answer, throws PleskError otherwise. */
  async request(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const what = `${method} /${path.replace(/^\//, '')}`;
    // loaded at the first request, not at start: only a Plesk server's scan makes one
    const fetch = (await import('node-fetch')).default;
    let res;
    try {
      res = await fetch(url.href, {
        method,
        headers: {
          'X-API-Key': this.options.apiKey,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        agent: this.agent,
        timeout: this.timeoutMs,
        size: this.maxBytes,
        redirect: 'error', // a redirect would carry the key somewhere we did not choose
      });
    } catch (e) {
      const reason = oneLine((e as Error).message ?? String(e), 300);
      throw new PleskError('E_PLESK_API', 'unreachable', `Plesk API ${what} failed: ${reason}`, reason);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      const reason = oneLine((e as Error).message, 300);
      throw new PleskError('E_PLESK_API', 'unreachable', `Plesk API ${what}: reading the answer failed: ${reason}`, reason, res.status);
    }
    if (res.status < 200 || res.status > 299) {
      const said = oneLine(errorText(text)) || res.statusText;
      throw new PleskError('E_PLESK_API', failureFor(res.status), `Plesk API ${what} answered ${res.status}: ${said}`, said, res.status);
    }
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new PleskError('E_PLESK_API', 'bad-response', `Plesk API ${what} answered ${res.status} with a body that is not JSON`, oneLine(text, 200), res.status);
    }
  }

  /** `POST /cli/{command}/call`; a non-zero `code` is returned, not thrown (the caller decides). */
  async cli(command: CliCommand, params: readonly string[]): Promise<CliResult> {
    const answer = await this.request('POST', `cli/${command}/call`, { params: [...params] });
    const r = toCliResult(answer);
    if (!r) {
      throw new PleskError('E_PLESK_API', 'bad-response', `Plesk API POST /cli/${command}/call did not answer {code, stdout, stderr}`, '');
    }
    return r;
  }

  /** Drops idle keep-alive sockets (tests, short-lived CLI runs). */
  close(): void {
    this.agent?.destroy();
  }
}
