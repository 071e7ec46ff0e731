/** The Plesk adapter: inventory (REST API → plesk CLI → filesystem) and panel actions. */
export { PleskInventory, type PleskInventoryOptions } from './plesk-inventory';
export { PleskActions, type PleskActionsOptions, type PleskTarget, type ActionOutcome, type OutgoingLimit } from './actions';
export { PleskRestClient, type PleskApiOptions, type CliCommand } from './rest-client';
export { PleskCliRunner, DEFAULT_PLESK_PATH } from './cli-runner';
export { getentUidLookup, passwdFileUidLookup, type UidLookup } from './uid-lookup';
export { parseDomainInfo, parseNameList, parseCustomerInfo, type DomainInfo } from './cli-output';
export { mapSubscriptions } from './map-subscriptions';
export { PleskError, isPleskError, type PleskErrorCode, type PleskFailure } from './errors';
export { normalizeFingerprint, type PleskTlsOptions } from './tls';
