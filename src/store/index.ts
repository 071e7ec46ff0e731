/** The SQLite store: open it, then use the tables' modules. */
export { openStore, immediateTransaction, type Store, type StoreOptions, type Db } from './open-store';
export { migrate, schemaVersion, MIGRATIONS, type Migration } from './migrations';
export { findingFingerprint, windowStart, recordFinding, getFinding, type FingerprintInput, type FindingRow } from './findings';
export { recordAudit, auditFor, recentAudit, auditById, hasAuditWithHandle, type AuditEntry, type AuditRow } from './audit';
export * from './notices';
export { E_STORE, storeError } from './store-error';
export * from './scans';
export * from './sessions';
