/**
 * meta.xml, the Plesk extension descriptor: read the flat <module> element and write the
 * packaged copy with <version> and <description> taken from package.json.
 * The descriptor is a flat list of text elements, so a strict reader of exactly that
 * shape is enough; anything else (attributes, nesting, entities other than the five XML
 * ones) is refused rather than guessed at.
 */

/** Fields Plesk's sample descriptors carry; all must be present and non-empty. */
export const META_FIELDS = ['id', 'name', 'description', 'category', 'version', 'release', 'vendor', 'url', 'plesk_min_version', 'os'] as const;

export type MetaField = (typeof META_FIELDS)[number];

export function parseMetaXml(xml: string): Record<string, string> {
  const body = xml
    .replace(/^\uFEFF?<\?xml[^?]*\?>\s*/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
  const m = /^<module>([\s\S]*)<\/module>$/.exec(body);
  if (!m) throw new Error('meta.xml: the document element must be <module> without attributes');
  const fields: Record<string, string> = {};
  const inner = (m[1] ?? '').trim();
  const element = /<([a-z_]+)>([^<]*)<\/\1>\s*/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = element.exec(inner)) !== null) {
    const [, name, text] = match as unknown as [string, string, string];
    if (name in fields) throw new Error(`meta.xml: <${name}> appears twice`);
    fields[name] = unescapeXml(text.trim());
    consumed = element.lastIndex;
  }
  if (consumed !== inner.length) throw new Error(`meta.xml: unexpected content near "${inner.slice(consumed, consumed + 40)}"`);
  return fields;
}

/** The template with <version> and <description> replaced; every other byte kept. */
export function fillMetaXml(template: string, values: { version: string; description: string }): string {
  const fields = parseMetaXml(template);
  for (const f of META_FIELDS) {
    if (!fields[f]) throw new Error(`meta.xml: <${f}> is missing or empty`);
  }
  return template
    .replace(/<version>[^<]*<\/version>/, `<version>${escapeXml(values.version)}</version>`)
    .replace(/<description>[^<]*<\/description>/, `<description>${escapeXml(values.description)}</description>`);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|[^;]*);/g, (all, name: string) => {
    const map: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const v = map[name];
    if (v === undefined) throw new Error(`meta.xml: unsupported entity ${all}`);
    return v;
  });
}
