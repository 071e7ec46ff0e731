import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeaderText, printable, stripControlChars } from '../../../src/collect/queue/rfc2047';

test('a B-encoded UTF-8 word is decoded', () => {
  assert.equal(decodeHeaderText('=?UTF-8?B?8J+SsCBXaW4gbm93?=').text, '\u{1F4B0} Win now');
});

test('a Q-encoded ISO-8859-1 word is decoded, underscores are spaces', () => {
  assert.equal(decodeHeaderText('=?iso-8859-1?Q?Gr=FC=DFe_aus_Tirol?=').text, 'Grüße aus Tirol');
  assert.equal(decodeHeaderText('=?iso-8859-1?q?gr=fc=df?=').text, 'grüß');
});

test('the seed\'s iso-8859-5 charset decodes to Cyrillic', () => {
  assert.equal(decodeHeaderText('=?iso-8859-5?Q?=BF=E0=D8=D2=D5=E2?=').text, 'Привет');
});

test('adjacent encoded words are joined without the whitespace between them', () => {
  assert.equal(decodeHeaderText('=?UTF-8?Q?Hallo_?= =?UTF-8?Q?Welt?=').text, 'Hallo Welt');
  assert.equal(decodeHeaderText('=?UTF-8?Q?a?=\t =?UTF-8?Q?b?=').text, 'ab');
});

test('whitespace between an encoded word and plain text is kept', () => {
  assert.equal(decodeHeaderText('Re: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= und mehr').text, 'Re: Grüße und mehr');
});

test('a charset Node cannot decode keeps the word raw and is counted', () => {
  const r = decodeHeaderText('=?x-unknown?B?YWJj?= and =?utf-7?Q?x?=');
  assert.equal(r.text, '=?x-unknown?B?YWJj?= and =?utf-7?Q?x?=');
  assert.equal(r.unknownCharsets, 2);
});

test('a charset WHATWG maps to "replacement" is kept raw instead of becoming one U+FFFD', () => {
  const r = decodeHeaderText('=?iso-2022-kr?B?YWJj?=');
  assert.equal(r.text, '=?iso-2022-kr?B?YWJj?=');
  assert.equal(r.unknownCharsets, 1);
});

test('malformed base64 keeps the word raw and is counted', () => {
  const r = decodeHeaderText('=?UTF-8?B?a*b?=');
  assert.equal(r.text, '=?UTF-8?B?a*b?=');
  assert.equal(r.malformed, 1);
});

test('a language tag after the charset (RFC 2231) is tolerated', () => {
  assert.equal(decodeHeaderText('=?UTF-8*de?Q?Hallo?=').text, 'Hallo');
});

test('NUL, ESC, C1 controls and bidi overrides never survive decoding', () => {
  const encoded = Buffer.from('<script>alert(1)</script>\u001b[2J\u0000 Gewinn \u202Eexe.gpj\u009b\r\n').toString('base64');
  const r = decodeHeaderText(`=?UTF-8?B?${encoded}?=`);
  assert.equal(r.text, '<script>alert(1)</script>[2J Gewinn exe.gpj');
  assert.equal(r.controlsRemoved, 6);
  assert.doesNotMatch(r.text, /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e]/);
});

test('Q-encoded NUL and ESC are removed too', () => {
  assert.equal(decodeHeaderText('=?UTF-8?Q?Your_Bank=00=1B[31m?=').text, 'Your Bank[31m');
});

test('a tab is printable and stays', () => {
  assert.deepEqual(stripControlChars('a\tb\u0007c'), { text: 'a\tbc', removed: 1 });
  assert.equal(printable('x\u2028y\u2066z'), 'xyz');
});
