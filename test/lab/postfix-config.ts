/**
 * The Postfix configuration the lab applies: main.cf settings (`postconf -e`), the transport
 * and alias tables, Cyrus SASL with sasldb, then `postfix check`. Why each setting: README.md.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ALIASES_FILE,
  CHROOT_SASLDB,
  LAB_CONF_DIR,
  LAB_HOSTNAME,
  LOCAL_CLIENTS_FILE,
  MAIL_LOG,
  RELAY_NETWORK,
  ROOT_ALIAS_TARGET,
  SASLDB,
  SASL_ACCOUNTS,
  SASL_SMTPD_CONF,
  TRANSPORT_FILE,
} from './config';
import { writeAtomic } from './lab-files';
import { getent } from './lab-users';
import { CATCHALL, PERSONAS, transportFor } from './personas';
import { run } from './run-program';

/** The main.cf settings the lab applies with `postconf -e` (one argument per setting). */
export function labPostconfSettings(): Record<string, string> {
  const host = os.hostname();
  const localNames = ['$myhostname', ...(/^[A-Za-z0-9.-]+$/.test(host) && host !== LAB_HOSTNAME ? [host] : []), 'localhost.localdomain', 'localhost'];
  const catchall = transportFor(CATCHALL);
  return {
    myhostname: LAB_HOSTNAME,
    myorigin: '$myhostname',
    mydestination: localNames.join(', '),
    inet_interfaces: 'loopback-only',
    inet_protocols: 'ipv4',
    mynetworks: `127.0.0.0/8 ${RELAY_NETWORK}`,
    relayhost: '',
    // network rule: nothing leaves loopback, no DNS at all
    default_transport: catchall,
    relay_transport: catchall,
    transport_maps: `hash:${TRANSPORT_FILE}`,
    smtp_dns_support_level: 'disabled',
    smtp_host_lookup: 'native',
    smtpd_peername_lookup: 'no',
    smtp_tls_security_level: 'none',
    alias_maps: `hash:${ALIASES_FILE}, hash:/etc/aliases`,
    // The default (permit_inet_interfaces) tests the real socket peer, which is always 127.0.0.1
    // in the lab, so XCLIENT clients would get rewrite_context=local. Matching the (XCLIENT)
    // client address against loopback gives what production gives: local only for local clients.
    local_header_rewrite_clients: `check_address_map cidr:${LOCAL_CLIENTS_FILE}`,
    maillog_file: MAIL_LOG,
    // SASL (Cyrus, sasldb) and XCLIENT from the lab's own client
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_type: 'cyrus',
    smtpd_sasl_path: 'smtpd',
    cyrus_sasl_config_path: path.dirname(SASL_SMTPD_CONF),
    smtpd_sasl_security_options: 'noanonymous',
    smtpd_tls_auth_only: 'no',
    smtpd_authorized_xclient_hosts: '127.0.0.1',
    smtpd_relay_restrictions: 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
    // deferred mail stays deferred while tests look at it
    minimal_backoff_time: '4h',
    maximal_backoff_time: '8h',
    queue_run_delay: '1h',
  };
}

export function transportTable(): string {
  const lines = [
    '# spamtrace lab: every provider domain -> its fake-MX persona on 127.0.0.1 (brackets: no MX lookup)',
    `# everything else -> default_transport ${transportFor(CATCHALL)} (catchall)`,
  ];
  for (const p of PERSONAS) {
    for (const d of p.domains) lines.push(`${d}\t${transportFor(p)}`);
  }
  return lines.join('\n') + '\n';
}

export function aliasesTable(): string {
  return [
    '# spamtrace lab: root mail goes to an external admin at a greylisting domain, so it stays deferred',
    `root: ${ROOT_ALIAS_TARGET}`,
    '',
  ].join('\n');
}

export const SASL_SMTPD_CONF_TEXT = 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\n';

export async function configurePostfix(log: (s: string) => void): Promise<string[]> {
  await fs.mkdir(LAB_CONF_DIR, { recursive: true, mode: 0o755 });
  await writeAtomic(TRANSPORT_FILE, transportTable());
  await writeAtomic(ALIASES_FILE, aliasesTable());
  await writeAtomic(LOCAL_CLIENTS_FILE, '# spamtrace lab: clients whose mail gets rewrite_context=local (like permit_inet_interfaces on a loopback-only server)\n127.0.0.0/8\tOK\n');
  await run('postmap', [`hash:${TRANSPORT_FILE}`]);
  await run('postalias', [`hash:${ALIASES_FILE}`]);

  // Cyrus SASL with sasldb; smtpd is chrooted on Debian, so it reads the chroot's copy
  await fs.mkdir(path.dirname(SASL_SMTPD_CONF), { recursive: true, mode: 0o755 });
  await writeAtomic(SASL_SMTPD_CONF, SASL_SMTPD_CONF_TEXT);
  for (const a of SASL_ACCOUNTS) {
    const at = a.login.lastIndexOf('@');
    await run('saslpasswd2', ['-p', '-c', '-u', a.login.slice(at + 1), a.login.slice(0, at)], { input: a.password });
  }
  const postfixGroup = await getent('group', 'postfix');
  await fs.mkdir(path.dirname(CHROOT_SASLDB), { recursive: true, mode: 0o755 });
  await fs.copyFile(SASLDB, CHROOT_SASLDB);
  await fs.chmod(CHROOT_SASLDB, 0o640);
  // root-owned (postfix check insists), group postfix may read
  await fs.chown(CHROOT_SASLDB, 0, postfixGroup ? Number(postfixGroup[2]) : 0);

  const settings = labPostconfSettings();
  await run('postconf', ['-e', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
  log(`postconf: applied ${Object.keys(settings).length} settings; transport_maps ${TRANSPORT_FILE}, alias_maps ${ALIASES_FILE}`);

  // postfix-script reports check warnings to the mail log (maillog_file), not to stdout
  const logSize = await fs.stat(MAIL_LOG).then((st) => st.size, () => 0);
  const check = await run('postfix', ['check'], { allowFail: true });
  const logged = await fs.readFile(MAIL_LOG).then((b) => b.subarray(logSize).toString('utf8'), () => '');
  const warnings = [...(check.stdout + check.stderr).split('\n'), ...logged.split('\n').filter((l) => /warning|fatal|error/i.test(l))]
    .map((l) => l.trim())
    .filter(Boolean);
  if (check.code !== 0) throw new Error(`lab up: postfix check failed: ${warnings.join(' | ')}`);
  return warnings;
}
