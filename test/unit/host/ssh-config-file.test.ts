import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeTarget, SshConfigFile } from '../../../src/host/ssh/ssh-config-file';
import { SshError } from '../../../src/host/ssh/ssh-errors';

const CONFIG = `# the admin's config
Host mail1 mail2
  HostName 10.0.0.2
  User root
  Port 2222
  IdentityFile ~/.ssh/fleet_ed25519
  ProxyJump bastion

Host web-*
  User admin

Match exec "touch /tmp/spamtrace-match-exec-ran"
  User nobody

Host *
  IdentitiesOnly yes
`;

test('aliases, HostName, User, Port, IdentityFile and ProxyJump come from the SSH config; Match exec never runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-sshcfg-'));
  try {
    writeFileSync(join(dir, 'config'), CONFIG);
    rmSync('/tmp/spamtrace-match-exec-ran', { force: true });
    const cfg = await SshConfigFile.load(join(dir, 'config'));
    assert.deepEqual(cfg.aliases(), ['mail1', 'mail2']);
    const t = cfg.target('mail2');
    assert.deepEqual(t, { alias: 'mail2', hostName: '10.0.0.2', user: 'root', port: 2222, identityFiles: ['~/.ssh/fleet_ed25519'], proxyJump: 'bastion', declared: true });
    assert.equal(describeTarget(t), 'root@10.0.0.2:2222 via bastion');
    assert.equal(cfg.target('web-7').user, 'admin');
    assert.equal(cfg.target('web-7').declared, true, 'a Host pattern covers it');
    const typo = cfg.target('mial1');
    assert.equal(typo.declared, false, 'only Host * matches a typo');
    assert.equal(typo.hostName, 'mial1');
    assert.equal(existsSync('/tmp/spamtrace-match-exec-ran'), false);
    await assert.rejects(SshConfigFile.load(join(dir, 'missing')), (e: unknown) => e instanceof SshError && e.kind === 'config' && /ENOENT/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
