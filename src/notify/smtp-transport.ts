/**
 * SMTP through nodemailer's SMTPConnection, one connection per notice: connect, STARTTLS,
 * log in, then record the hand-over, then MAIL/RCPT/DATA. Using the connection directly
 * (rather than nodemailer's transport) is what lets the hand-over be recorded after
 * everything that can fail without sending, and before anything that can send.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmtpTransportConfig } from './notify-config';
import { classifySmtpError } from './smtp-errors';
import type { Envelope, NoticeTransport, SendOutcome } from './transport';

export class SmtpNoticeTransport implements NoticeTransport {
  readonly description: string;

  constructor(
    private readonly config: SmtpTransportConfig,
    /** the SMTP password, read from its secret file by the caller */
    private readonly password: string | null = null,
  ) {
    this.description = `smtp ${config.host}:${config.port}${config.secure ? ' (TLS)' : ''}`;
  }

  async send(envelope: Envelope, raw: Buffer, handOver: () => boolean): Promise<SendOutcome> {
    const c = this.config;
    const ms = c.timeoutSeconds * 1000;
    const conn = new SMTPConnection({
      host: c.host,
      port: c.port,
      secure: c.secure,
      requireTLS: c.requireTls,
      ignoreTLS: false,
      tls: { rejectUnauthorized: c.tls.rejectUnauthorized, ...(c.tls.servername ? { servername: c.tls.servername } : {}) },
      ...(c.name ? { name: c.name } : {}),
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
    });
    // SMTPConnection reports a refused or dropped connection as an 'error' event (its
    // callbacks are then never called) and an early close as 'end': each step races them.
    let closed: (e: Error) => void = () => undefined;
    const failure = new Promise<never>((_resolve, reject) => {
      closed = reject;
    });
    failure.catch(() => undefined);
    conn.on('error', (e: Error) => closed(e));
    conn.on('end', () => closed(Object.assign(new Error('the mail server closed the connection'), { code: 'ECONNECTION' })));
    const step = <T>(run: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
      Promise.race([failure, new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))))]);
    try {
      await step<void>((done) => conn.connect((err) => done(err)));
      if (c.auth) {
        await step<void>((done) => conn.login({ credentials: { user: c.auth!.user, pass: this.password ?? '' } }, (err) => done(err)));
      }
      if (!handOver()) return { result: 'lease-lost' };
      const info = await step<SMTPConnection.SentMessageInfo>((done) => conn.send({ from: envelope.from, to: [envelope.to] }, raw, (err, res) => done(err, res)));
      if (info.rejected.length) {
        const e = info.rejectedErrors?.[0];
        return { result: 'failed', permanent: true, error: `recipient refused: ${e?.message ?? info.rejected.join(', ')}`, response: e?.response ?? null };
      }
      return { result: 'sent', response: info.response };
    } catch (e) {
      return { result: 'failed', ...classifySmtpError(e as Error) };
    } finally {
      try {
        conn.quit();
      } catch {
        conn.close();
      }
    }
  }
}
