/**
 * A separate process that claims notices until none is left and prints the ids it got,
 * one per line. store.test.ts starts several at once on one file to show that no row is
 * ever owned twice. Usage: node claim-worker.js STORE_FILE OWNER
 */
import { openStore } from '../../../src/store/open-store';
import { claimNext, markSent } from '../../../src/store/notices';

const [path, owner] = process.argv.slice(2);
const store = openStore(path!);
const got: number[] = [];
for (;;) {
  const row = claimNext(store, owner!, 60_000);
  if (!row) break;
  got.push(row.id);
  markSent(store, row.id, owner!, '250 ok');
}
store.close();
process.stdout.write(got.map((id) => `${id}\n`).join(''));
