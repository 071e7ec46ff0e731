/**
 * Every structured log event has a stable `code` field, so an admin's log search or alert
 * ("SERVE_SCAN_FAILED in the last hour") keeps working when a message's words change.
 * The README's "Log codes" table lists the same codes; test/unit/log-codes.test.ts fails
 * when a logger call in src/ has no code, uses one missing here, or this list and the
 * README differ. Error codes (what a command exits with) are src/errors.ts.
 */
export const LOG_CODES = {
  SCAN_DONE: 'info: a scan finished (messages, examined, sources, ms)',
  INVENTORY_DONE: 'info: the subscription inventory was read (source, subscriptions, warnings)',
  INVENTORY_FALLBACK: 'warn: the panel inventory failed; the filesystem layout is used instead',
  SCAN_SMTP_OWNERS: 'info: the policy service\'s record of loopback SMTP senders was read (files, entries)',
  DNSBL_FAILED: 'warn: the blocklist state of the outbound addresses could not be taken; the report says "not checked"',
  INVENTORY_FAILED: 'warn: no inventory could be read; sources stay unassigned',
  WEBLOG_FAILED: 'warn: a subscription\'s access logs could not be read',
  FLEET_HOST_FAILED: 'info: one host of a fleet scan failed (its state in the report says why)',
  PLESK_API_LISTING: 'info: listing subscriptions through the Plesk REST API',
  PLESK_CLI_LISTING: 'info: listing subscriptions through `plesk bin`',
  PLESK_API_READ: 'info: the Plesk inventory was read through the REST API',
  PLESK_NO_CLI: 'info: no local `plesk` program, so no CLI fallback',
  PLESK_FALLING_BACK: 'warn: the Plesk inventory falls back (API to CLI, CLI to the filesystem) and why',
  PLESK_FALLBACK_INVENTORY: 'warn: Plesk is not usable (no API configured, no CLI, or both failed); the filesystem layout is used',
  PLESK_UID_LOOKUP_FAILED: 'warn: the system users of the Plesk subscriptions could not be resolved to uids',
  PLESK_MAILBOX_LIMIT: 'info: an action sets a mailbox\'s outgoing limit',
  PLESK_MAILBOX_PASSWORD: 'info: an action changes a mailbox password (never logged)',
  PLESK_SUBSCRIPTION_STATUS: 'info: an action suspends or reactivates a subscription',
  PLESK_COMMAND_FAILED: 'warn: a `plesk bin` call of an action failed (command, exit code, stderr)',
  SERVE_SCANS_ABANDONED: 'warn: scans a previous service left running were marked failed at start',
  SERVE_SCAN_FAILED: 'warn: a UI scan (button or timer) failed; the scans page shows why',
  SERVE_FORWARD_REFUSED: 'warn: a request without a valid panel-forwarded identity was refused (--forwarded-only)',
  SERVE_REQUEST_FAILED: 'error: a UI request failed with an unexpected error',
} as const;

export type LogCode = keyof typeof LOG_CODES;
