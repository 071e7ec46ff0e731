/**
 * The UI's message catalog: one key per text, English and German. The language comes
 * from the session (chosen by the user) or the browser's Accept-Language, which inside
 * the panel's iframe is the panel user's browser.
 */
import { DE } from './messages-de';
import { EN, type MessageKey } from './messages-en';

export type Locale = 'en' | 'de';
export const LOCALES: readonly Locale[] = ['en', 'de'];
export type { MessageKey };

const CATALOGS: Record<Locale, Record<MessageKey, string>> = { en: EN, de: DE };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A translator for one locale; `{name}` placeholders are replaced (the result is escaped by the view). */
export function translator(locale: Locale): Translate {
  const catalog = CATALOGS[locale];
  return (key, params) => {
    const text = catalog[key] ?? EN[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

export function isLocale(v: unknown): v is Locale {
  return v === 'en' || v === 'de';
}

/** "de-DE,de;q=0.9,en;q=0.8" -> de; anything unknown -> en. */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
      return { lang: (tag ?? '').trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.lang && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) if (isLocale(r.lang)) return r.lang;
  return 'en';
}

export function catalogKeys(locale: Locale): string[] {
  return Object.keys(CATALOGS[locale]);
}
