/** The configured transport; the SMTP password is read from its secret file here, once. */
import { readSecretFile } from '../config/secret-file';
import type { NotifyConfig } from './notify-config';
import { SendmailNoticeTransport } from './sendmail-transport';
import { SmtpNoticeTransport } from './smtp-transport';
import type { NoticeTransport } from './transport';

export function createTransport(config: NotifyConfig, ownUid: number = process.getuid?.() ?? 0): NoticeTransport {
  const t = config.transport;
  if (t.kind === 'sendmail') return new SendmailNoticeTransport(t.path);
  const password = t.auth ? readSecretFile(t.auth.passwordFile, 'SMTP password', [...new Set([0, ownUid])]).toString('utf8') : null;
  return new SmtpNoticeTransport(t, password);
}
