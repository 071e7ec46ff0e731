/** Is an SMTP server answering? Used to wait for Postfix and for every fake-MX persona. */
import * as net from 'node:net';

/** Resolves true when something on host:port answers with an SMTP banner (any code). */
export function smtpBanner(host: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const done = (v: string | undefined) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (/^\d{3} [^\n]*\n/m.test(buf)) {
        sock.write('QUIT\r\n');
        done(buf.trim());
      }
    });
  });
}
