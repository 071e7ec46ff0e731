/**
 * Sorts what went wrong into the outbox's two words. A 4xx reply, a refused or dropped
 * connection, a timeout: temporary, try again later. A 5xx reply to the envelope or the
 * message (unknown user, policy rejection): permanent, an admin must look. Login and TLS
 * problems are the hoster's configuration, not the notice's fault: temporary, so the
 * notices go out once the configuration is fixed (and the error is visible meanwhile).
 */
export interface Classified {
  permanent: boolean;
  error: string;
  response: string | null;
}

interface SmtpishError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

const CONFIG_CODES = new Set(['EAUTH', 'ENOAUTH', 'ETLS', 'EREQUIRETLS', 'ECONFIG']);

export function classifySmtpError(err: Error | null): Classified {
  const e = (err ?? new Error('unknown SMTP failure')) as SmtpishError;
  const response = typeof e.response === 'string' ? oneLine(e.response) : null;
  const code = e.code ?? '';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const what = `${code ? `${code}: ` : ''}${oneLine(e.message)}`;
  if (CONFIG_CODES.has(code)) return { permanent: false, error: `mail server configuration: ${what}`, response };
  if (reply !== null && reply >= 500 && reply < 600) return { permanent: true, error: what, response };
  return { permanent: false, error: what, response };
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 500);
}
