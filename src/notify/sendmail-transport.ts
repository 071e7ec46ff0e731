/**
 * The local sendmail (Postfix's /usr/sbin/sendmail): the message goes on stdin, the
 * envelope as arguments (no shell). Exit 0 means Postfix took it into its queue; 75
 * (EX_TEMPFAIL) is temporary; any other status or a signal is permanent with sendmail's
 * own words, except that a missing sendmail binary is a configuration problem (temporary).
 */
import { spawn } from 'node:child_process';
import type { Envelope, NoticeTransport, SendOutcome } from './transport';

const EX_TEMPFAIL = 75;

export class SendmailNoticeTransport implements NoticeTransport {
  readonly description: string;

  constructor(private readonly path: string, private readonly timeoutMs = 60_000) {
    this.description = `sendmail ${path}`;
  }

  send(envelope: Envelope, raw: Buffer, handOver: () => boolean): Promise<SendOutcome> {
    if (!handOver()) return Promise.resolve({ result: 'lease-lost' });
    return new Promise((resolve) => {
      // -i: a line with a single dot is text; -f: envelope sender; --: no address is an option.
      const child = spawn(this.path, ['-i', '-f', envelope.from, '--', envelope.to], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < 2000) stderr += d;
      });
      child.stdin.on('error', () => undefined);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ result: 'failed', permanent: false, error: `cannot run ${this.path}: ${e.message}`, response: null });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const words = stderr.replace(/\s+/g, ' ').trim().slice(0, 500) || null;
        if (code === 0) resolve({ result: 'sent', response: `${this.path}: accepted into the local queue` });
        else if (code === EX_TEMPFAIL || signal) resolve({ result: 'failed', permanent: false, error: `sendmail ${signal ? `killed by ${signal}` : `exit ${code}`}`, response: words });
        else resolve({ result: 'failed', permanent: true, error: `sendmail exit ${code}`, response: words });
      });
      child.stdin.end(raw);
    });
  }
}
