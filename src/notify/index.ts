/** Customer notices: render, enqueue by policy, deliver through SMTP or sendmail. */
export * from './notify-config';
export { loadNotifyConfig, resolveNotifyConfigPath, validateNotifyConfig } from './load-notify-config';
export { isValidAddress, parseMailbox } from './address';
export { buildNoticeModel, pickLocale, type HosterAction, type NoticeModel, type NoticeLocale } from './notice-model';
export { renderNotice, notifyViewsDir, NOTICE_LOCALES, type RenderedNotice } from './render-notice';
export { decide, type Decision } from './policy';
export { contactsFromReport, contactsFromInventory, type Contacts, type ContactLookup } from './contacts';
export { enqueueReport, type EnqueueOptions, type SourceOutcome, type EnqueuedNotice } from './enqueue-notices';
export { deliverDue, backoffMs, type DeliverOptions, type DeliverySummary, type DeliveryResult } from './deliver-notices';
export { composeNotice } from './compose-message';
export type { NoticeTransport, SendOutcome, Envelope } from './transport';
export { SmtpNoticeTransport } from './smtp-transport';
export { SendmailNoticeTransport } from './sendmail-transport';
export { classifySmtpError } from './smtp-errors';
export { createTransport } from './create-transport';
export { approveNotice, rejectNotice, retryNotice } from './review-notices';
