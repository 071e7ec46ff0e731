/**
 * The notice as an RFC 5322 message. Message-ID was fixed when the notice was queued, so
 * every attempt carries the same one (the admin can grep the mail log for it);
 * Date is the time of this attempt. Auto-Submitted keeps vacation responders and
 * ticket systems from answering a machine.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { NoticeRow } from '../store/notices';

export interface ComposeOptions {
  from: string;
  replyTo: string | null;
  date: Date;
}

export async function composeNotice(notice: NoticeRow, options: ComposeOptions): Promise<Buffer> {
  const composer = new MailComposer({
    from: options.from,
    to: notice.recipient,
    ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    subject: notice.subject,
    text: notice.text_body,
    html: notice.html_body,
    messageId: notice.message_id,
    date: options.date,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'Content-Language': notice.locale,
    },
    // The bodies are our own rendering, but never let a template reach the filesystem or the net.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
