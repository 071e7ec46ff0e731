/**
 * The panel actions against the Plesk emulator (the documented REST API and CLI
 * shapes): apply, an independent read of the panel's state, undo back to what it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PleskActions } from '../../../src/inventory/plesk/actions';
import { PleskRestClient } from '../../../src/inventory/plesk/rest-client';
import { PleskEmulator } from '../../plesk-emulator/server';
import { generatePleskData, type PleskData } from '../../plesk-emulator/data';
import { PleskMailLimitAction, PleskSuspendAction, parsePleskTarget } from '../../../src/act/panel-actions';

const KEY = 'act-key';

async function withPlesk(fn: (data: PleskData, actions: PleskActions, api: PleskRestClient) => Promise<void>): Promise<void> {
  const data = generatePleskData({ subscriptions: 6, seed: 5 });
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const api = new PleskRestClient({ baseUrl: emu.url, apiKey: KEY });
  try {
    await fn(data, new PleskActions({ api }), api);
  } finally {
    api.close();
    await emu.close();
  }
}

test('plesk-mail-limit sets the mailbox limit to 0 in the panel and undo gives back the inherited value', async () => {
  await withPlesk(async (data, plesk) => {
    const box = data.mailboxes[0]!;
    const action = new PleskMailLimitAction(plesk);
    const plan = await action.plan(box.address);
    assert.deepEqual(plan.before, { limit: 'default' });
    assert.match(plan.steps[0]!.kind === 'panel' ? plan.steps[0]!.call : '', /-outgoing-messages-mbox-limit 0/);
    await action.apply(plan);
    assert.equal(String(box.outgoingLimit), '0', 'the panel stored 0');
    assert.equal((await action.verify(plan)).ok, true);
    await action.undo(plan);
    assert.equal(box.outgoingLimit, 'default');
    assert.equal((await action.verifyUndone(plan)).ok, true);
  });
});

test('plesk-mail-limit says in the plan when Outgoing Mail Control is off (the limit would not be enforced), and not when it is on', async () => {
  await withPlesk(async (data, plesk) => {
    const action = new PleskMailLimitAction(plesk);
    data.outgoingMailControl = false;
    const off = await action.plan(data.mailboxes[0]!.address);
    assert.ok(off.warnings.some((w) => /Outgoing Mail Control is off/.test(w) && /block-login/.test(w)), off.warnings.join('\n'));
    data.outgoingMailControl = true;
    const on = await action.plan(data.mailboxes[0]!.address);
    assert.deepEqual(on.warnings, []);
  });
});

test('plesk-mail-limit undo restores a limit the admin had set', async () => {
  await withPlesk(async (data, plesk) => {
    const box = data.mailboxes[1]!;
    await plesk.setMailboxOutgoingLimit(box.address, 250);
    const action = new PleskMailLimitAction(plesk);
    const plan = await action.plan(box.address);
    await action.apply(plan);
    await action.undo(plan);
    assert.equal(String(box.outgoingLimit), '250');
  });
});

test('plesk-suspend suspends the subscription and undo reactivates it', async () => {
  await withPlesk(async (data, plesk) => {
    const main = data.domains[0]!;
    const action = new PleskSuspendAction(plesk);
    const plan = await action.plan(`${main.name}#${main.id}`);
    assert.deepEqual(plan.before, { status: 'active' });
    await action.apply(plan);
    assert.equal(await plesk.subscriptionStatus({ id: main.id, name: main.name }), 'suspended');
    assert.equal((await action.verify(plan)).ok, true);
    await action.undo(plan);
    assert.equal(await plesk.subscriptionStatus({ id: main.id, name: main.name }), 'active');
  });
});

test('a subscription the admin had suspended already is a no-op, and a malformed target is refused', async () => {
  await withPlesk(async (data, plesk) => {
    const main = data.domains[0]!;
    await plesk.suspendSubscription({ id: main.id, name: main.name });
    const plan = await new PleskSuspendAction(plesk).plan(`${main.name}#${main.id}`);
    assert.equal(plan.noop, true);
  });
  for (const bad of ['shop.de', 'shop.de#x', '-x.de#1', 'a..b#1', 'x.de#1;rm']) assert.throws(() => parsePleskTarget(bad));
});
