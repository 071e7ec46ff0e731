/** The panel signing key, read once at service start with the secret-file rules. */
import type { SpamtraceConfig } from '../config/config-types';
import { ownersAllowed, readSecretFile } from '../config/secret-file';
import { MIN_KEY_BYTES } from './panel-token';

/** Throws E_SECRET_FILE when the key is missing, short, or others could read or replace it. */
export function readPanelSecret(config: SpamtraceConfig, lookupUid?: (name: string) => number | null): Buffer {
  return readSecretFile(
    config.service.panelSecretFile,
    'panel signing key',
    ownersAllowed(config.service.panelUser, lookupUid),
    MIN_KEY_BYTES,
  );
}
