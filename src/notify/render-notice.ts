/**
 * Renders a notice from views/notify/: subject, plain text and HTML in the customer's
 * language. Templates are compiled once per process. In HTML `<%=` escapes; in the
 * subject and plain text it only passes the (already control-character-free) text on.
 */
import ejs from 'ejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import type { NoticeLocale, NoticeModel } from './notice-model';
import { safeText } from './safe-text';

export const NOTICE_LOCALES: readonly NoticeLocale[] = ['de', 'en'];

export interface RenderedNotice {
  locale: NoticeLocale;
  subject: string;
  text: string;
  html: string;
}

type Part = 'subject' | 'text' | 'html';

const compiled = new Map<string, ejs.TemplateFunction>();

export function notifyViewsDir(): string {
  return join(packageRoot(__dirname), 'views', 'notify');
}

function template(dir: string, locale: NoticeLocale, part: Part): ejs.TemplateFunction {
  const file = join(dir, `${locale}.${part}.ejs`);
  let fn = compiled.get(file);
  if (!fn) {
    const options: ejs.Options = { filename: file, strict: false, rmWhitespace: false };
    if (part !== 'html') options.escape = (s: unknown) => safeText(s, 100_000);
    fn = ejs.compile(readFileSync(file, 'utf8'), options) as ejs.TemplateFunction;
    compiled.set(file, fn);
  }
  return fn;
}

export function renderNotice(model: NoticeModel, viewsDir: string = notifyViewsDir()): RenderedNotice {
  const data = model as unknown as ejs.Data;
  const subject = safeText(template(viewsDir, model.locale, 'subject')(data), 250);
  const text = tidyText(String(template(viewsDir, model.locale, 'text')(data)));
  const html = String(template(viewsDir, model.locale, 'html')(data)).replace(/\n\s*\n/g, '\n');
  return { locale: model.locale, subject, text, html };
}

/** At most one blank line in a row, lines without trailing blanks, one final newline. */
function tidyText(text: string): string {
  return `${text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
