/** The SQLite store: open it, then use the tables' modules. */
export { openStore, type Store, type StoreOptions, type Db } from './open-store';
export { migrate, schemaVersion, MIGRATIONS, type Migration } from './migrations';
export { findingFingerprint, windowStart, recordFinding, getFinding, type FingerprintInput, type FindingRow } from './findings';
export { recordAudit, auditFor, type AuditEntry, type AuditRow } from './audit';
export * from './notices';
export { E_STORE, storeError } from './store-error';
