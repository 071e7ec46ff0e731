import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as winston from 'winston';
import { PleskActions } from '../../../src/inventory/plesk/actions';
import { PleskRestClient } from '../../../src/inventory/plesk/rest-client';
import { PleskCliRunner } from '../../../src/inventory/plesk/cli-runner';
import { PleskInventory } from '../../../src/inventory/plesk/plesk-inventory';
import { isPleskError, type PleskError } from '../../../src/inventory/plesk/errors';
import type { RunOptions, RunResult } from '../../../src/host/host';
import { FakeHost } from '../collect/fake-host';
import { PleskEmulator } from '../../plesk-emulator/server';
import { generatePleskData, type PleskData } from '../../plesk-emulator/data';

const KEY = 'actions-key';

/** A winston logger that keeps every line, to prove what is (not) logged. */
function capturingLogger(): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines };
}

async function withEmulator(fn: (emu: PleskEmulator, data: PleskData, actions: PleskActions, api: PleskRestClient) => Promise<void>, logger?: winston.Logger): Promise<void> {
  const data = generatePleskData({ subscriptions: 12, seed: 21 });
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const api = new PleskRestClient({ baseUrl: emu.url, apiKey: KEY });
  try {
    await fn(emu, data, new PleskActions({ api, ...(logger ? { logger } : {}) }), api);
  } finally {
    api.close();
    await emu.close();
  }
}

const cliText = async (api: PleskRestClient, utility: 'domain' | 'mail', params: string[]): Promise<string> => (await api.cli(utility, params)).stdout;

test('suspend and reactivate a subscription: the panel shows it in the status and in domain --info', async () => {
  await withEmulator(async (_emu, data, actions, api) => {
    const main = data.domains[0]!;
    const target = { id: String(main.id), name: main.name };
    const out = await actions.suspendSubscription(target);
    assert.equal(out.via, 'api-cli');
    assert.equal(await actions.subscriptionStatus(target), 'suspended');
    assert.match(await cliText(api, 'domain', ['--info', main.name]), /Domain status:\s+Suspended/);

    const inv = new PleskInventory({ host: new FakeHost(() => ({ code: 2 })), api: { baseUrl: api.url, apiKey: KEY }, pleskCli: false, uidLookup: async () => new Map() });
    assert.equal((await inv.list()).subscriptions.find((s) => s.id === target.id)!.suspended, true);
    inv.close();

    await actions.reactivateSubscription(target);
    assert.equal(await actions.subscriptionStatus(target), 'active');
    assert.match(await cliText(api, 'domain', ['--info', main.name]), /Domain status:\s+OK/);
  });
});

test('a subscription is suspended with the documented subscription --webspace-off, never PUT /domains/{id}/status', async () => {
  await withEmulator(async (emu, data, actions) => {
    const main = data.domains[0]!;
    await actions.suspendSubscription({ id: main.id, name: main.name });
    assert.equal(main.status, 'suspended');
    assert.deepEqual(emu.log.filter((r) => r.method === 'PUT'), [], 'what PUT /domains/{id}/status suspends is not documented');
    const cliCalls = emu.log.filter((r) => r.path === '/cli/subscription/call').map((r) => (r.body as { params: string[] }).params);
    assert.deepEqual(cliCalls, [['--webspace-off', main.name]]);
  });
});

test('suspending an unknown subscription fails with Plesk\'s own words', async () => {
  await withEmulator(async (_emu, _data, actions) => {
    await assert.rejects(actions.suspendSubscription({ id: 99999, name: 'nope.example' }), (e: unknown) => {
      const pe = e as PleskError;
      return isPleskError(e) && pe.code === ('E_PLESK_CLI' as string) && /Subscription does not exist/.test(pe.message) && /exit 1/.test(pe.message);
    });
  });
});

test('outgoing limit to 0 and back to the inherited value changes the mailbox in the panel', async () => {
  await withEmulator(async (_emu, data, actions) => {
    const box = data.mailboxes[3]!;
    box.outgoingLimit = '250'; // a custom limit the admin had set
    const before = await actions.mailboxOutgoingLimit(box.address);
    assert.equal(before, 250);
    await actions.setMailboxOutgoingLimit(box.address, 0);
    assert.equal(box.outgoingLimit, '0');
    assert.equal(await actions.mailboxOutgoingLimit(box.address), 0);
    await actions.setMailboxOutgoingLimit(box.address, before!);
    assert.equal(box.outgoingLimit, '250');
    await actions.setMailboxOutgoingLimit(box.address, 'default');
    assert.equal(box.outgoingLimit, 'default');
    await assert.rejects(actions.setMailboxOutgoingLimit(box.address, -1), /whole number/);
    await assert.rejects(actions.setMailboxOutgoingLimit('-rf@x.example', 0), /not a mailbox address/);
  });
});

test('an unknown mailbox is reported with Plesk\'s stderr text', async () => {
  await withEmulator(async (_emu, _data, actions) => {
    await assert.rejects(actions.setMailboxOutgoingLimit('ghost@nowhere.example', 0), (e: unknown) => isPleskError(e) && /Mail name does not exist/.test(e.message) && e.pleskText.includes('ghost@nowhere.example'));
  });
});

test('a mailbox password change reaches the panel and the password is never logged or echoed', async () => {
  const { logger, lines } = capturingLogger();
  await withEmulator(async (_emu, data, actions) => {
    const box = data.mailboxes[1]!;
    await actions.setMailboxPassword(box.address, 'N3w-S3cret!');
    assert.equal(box.password, 'N3w-S3cret!');
    // Plesk refuses a short one: its reason is shown, the password is not
    await assert.rejects(actions.setMailboxPassword(box.address, 'abc'), (e: unknown) => isPleskError(e) && /too short/.test(e.message) && !e.message.includes('abc@') && !JSON.stringify(e).includes('"abc"'));
    assert.equal(box.password, 'N3w-S3cret!');
  }, logger);
  const all = lines.join('\n');
  assert.ok(all.includes('changing mailbox password'), 'the action itself is logged');
  assert.ok(!all.includes('N3w-S3cret!'));
});

test('an API 500 on an action surfaces the status and Plesk\'s message', async () => {
  await withEmulator(async (emu, data, actions) => {
    emu.fault = () => ({ status: 500, body: { code: 1, message: 'Internal error: database is locked' } });
    await assert.rejects(actions.setMailboxOutgoingLimit(data.mailboxes[0]!.address, 0), (e: unknown) => isPleskError(e) && e.httpStatus === 500 && /database is locked/.test(e.message));
    assert.equal(data.mailboxes[0]!.outgoingLimit, 'default');
  });
});

/** Records the options of each run, so the environment can be checked. */
class RecordingHost extends FakeHost {
  readonly options: (RunOptions | undefined)[] = [];
  override run(program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.options.push(options);
    return super.run(program, args, options);
  }
}

test('the local CLI: argument arrays as documented, the password only in PSA_PASSWORD', async () => {
  const host = new RecordingHost(() => ({ stdout: 'SUCCESS\n', code: 0 }));
  const actions = new PleskActions({ cli: new PleskCliRunner(host, '/usr/sbin/plesk') });
  await actions.suspendSubscription({ name: 'example.com' });
  await actions.reactivateSubscription({ name: 'example.com' });
  await actions.setMailboxOutgoingLimit('info@example.com', 0);
  await actions.setMailboxPassword('info@example.com', 'p4ss word;$(x)');
  assert.deepEqual(host.calls.map((c) => [c.program, ...c.args]), [
    ['/usr/sbin/plesk', 'bin', 'subscription', '--webspace-off', 'example.com'],
    ['/usr/sbin/plesk', 'bin', 'subscription', '--webspace-on', 'example.com'],
    ['/usr/sbin/plesk', 'bin', 'mail', '--update', 'info@example.com', '-outgoing-messages-mbox-limit', '0'],
    ['/usr/sbin/plesk', 'bin', 'mail', '--update', 'info@example.com', '-passwd', ''],
  ]);
  assert.equal(host.options[3]?.env?.PSA_PASSWORD, 'p4ss word;$(x)');
  assert.ok(!host.allArgs().some((a) => a.includes('p4ss')));
});

test('the local CLI: a non-zero exit is an error with stderr; stderr on success is a warning', async () => {
  const host = new FakeHost((_p, args) =>
    args.includes('--webspace-off') ? { stderr: 'Unable to find subscription x.example: Subscription does not exist\n', code: 1 } : { stdout: 'SUCCESS\n', stderr: 'Warning: mail server is not running\n', code: 0 },
  );
  const actions = new PleskActions({ cli: new PleskCliRunner(host) });
  await assert.rejects(actions.suspendSubscription({ name: 'x.example' }), (e: unknown) => isPleskError(e) && /Subscription does not exist/.test(e.message));
  const out = await actions.setMailboxOutgoingLimit('a@x.example', 5);
  assert.deepEqual(out.warnings, ['plesk mail --update a@x.example: Warning: mail server is not running']);
});

test('when the API refuses the key, actions use the local plesk CLI and say so', async () => {
  const data = generatePleskData({ subscriptions: 3, seed: 2 });
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const api = new PleskRestClient({ baseUrl: emu.url, apiKey: 'wrong' });
  const host = new FakeHost(() => ({ stdout: 'SUCCESS\n', code: 0 }));
  try {
    const actions = new PleskActions({ api, cli: new PleskCliRunner(host) });
    const out = await actions.suspendSubscription({ id: 1, name: data.domains[0]!.name });
    assert.equal(out.via, 'cli');
    assert.ok(out.warnings.some((w) => /401/.test(w) && /local plesk CLI/.test(w)));
    assert.deepEqual(host.calls[0]!.args, ['bin', 'subscription', '--webspace-off', data.domains[0]!.name]);
  } finally {
    api.close();
    await emu.close();
  }
});
