import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRandomScriptName, randomNameReason } from '../../../../src/trace/correlate/random-name';

const PERSON_MADE = [
  'kontakt.php', 'index.php', 'wp-login.php', 'xmlrpc.php', 'wp-cron.php', 'admin-ajax.php', 'wp-comments-post.php',
  'contact-form.php', 'sendmail.php', 'PHPMailer.php', 'class-smtp.php', 'functions.php', 'impressum.php',
  'newsletter.php', 'anfrage.php', 'kontaktformular.php', 'bestellung.php', 'thankyou.php', 'send_form.php',
  'load-scripts.php', 'setup-config.php', 'gallery.php', 'about-us.php', 'formmail.pl', 'mailer.php', 'test.php',
  'schnell.php', 'deutschland.php', 'registrierung.php', 'authentication.php', 'thumbnail.php', 'upload2.php',
  'sendMail.php', '404.php', 'x.php', 'mp3player.php', 'wordpress-importer.php', 'rhythm.php', 'strengths.php',
  'kunstschule.php',
];
const MACHINE_MADE = [
  'xkqzvp.php', 'wp-kqzvmx.php', 'a1b2c3d4.php', '5f4dcc3b5aa765d61d83.php', 'qxzwvkp.php', 'wp-content-xkqzvm.php',
  'vxkqzpa.php', 'lpqzrm.php', 'Xkqzvp.php', 'jsdkfwqpzlxmvncb.php', '8fd2e1a9c7b3.php',
];

for (const name of PERSON_MADE) {
  test(`${name} is a name a person chose, not a random one`, () => {
    assert.equal(randomNameReason(name), null);
  });
}

for (const name of MACHINE_MADE) {
  test(`${name} looks machine-made and says why`, () => {
    const why = randomNameReason(name);
    assert.ok(why, `expected ${name} to look random`);
    assert.match(why!, /vowels|consonants|digits|hash|unpronounceable|entropy/);
  });
}

test('a name without letters or with a hostile length does not throw and is judged on its first 100 characters', () => {
  assert.equal(isRandomScriptName(''), false);
  assert.equal(isRandomScriptName('.php'), false);
  assert.equal(isRandomScriptName(`${'kontakt'.repeat(10_000)}.php`), false);
});
