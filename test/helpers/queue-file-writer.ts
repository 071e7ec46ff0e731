/**
 * Builds Postfix queue files byte by byte for tests of the direct reader: the record
 * encoding of global/record.c rec_put() (type byte, length in base-128 digits, low
 * first, data), and the fixed-width size and pointer records of rec_type.h.
 */

export type RecordSpec = [type: string, data: string | Buffer];

export function encodeRecord(type: string, data: string | Buffer): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    len.push(b);
  } while (n);
  return Buffer.concat([Buffer.from([type.charCodeAt(0), ...len]), body]);
}

export function encodeRecords(records: readonly RecordSpec[]): Buffer {
  return Buffer.concat(records.map(([t, d]) => encodeRecord(t, d)));
}

/** "%15ld" as REC_TYPE_PTR_FORMAT writes it */
export const ptr = (offset: number): RecordSpec => ['p', String(offset).padStart(15, ' ')];

/** REC_TYPE_SIZE: data size, data offset, recipients, qmgr flags, content length */
export const sizeRecord = (dataSize: number, dataOffset: number, rcpts = 1): RecordSpec => [
  'C',
  [dataSize, dataOffset, rcpts, 0, dataSize].map((n) => String(n).padStart(15, ' ')).join(' '),
];

export interface SimpleFile {
  arrival?: number;
  sender?: string;
  attributes?: [string, string][];
  recipients?: string[];
  headers?: string[];
  body?: string[];
  extracted?: RecordSpec[];
}

/**
 * A complete queue file as cleanup(8) writes one: size record (with the right data
 * offset and size), time, attributes, sender, recipients, content, extracted, end.
 */
export function simpleQueueFile(f: SimpleFile): Buffer {
  const envelope: RecordSpec[] = [
    ['T', `${f.arrival ?? 1_700_000_000} 123456`],
    ...(f.attributes ?? [['rewrite_context', 'local']]).map(([n, v]): RecordSpec => ['A', `${n}=${v}`]),
    ['S', f.sender ?? 'sender@example.org'],
    ...(f.recipients ?? ['rcpt@example.net']).flatMap((r): RecordSpec[] => [['O', r], ['R', r]]),
  ];
  const content: RecordSpec[] = [
    ...(f.headers ?? ['Subject: hello']).map((h): RecordSpec => ['N', h]),
    ['N', ''],
    ...(f.body ?? ['the body']).map((b): RecordSpec => ['N', b]),
  ];
  const tail: RecordSpec[] = [['X', ''], ...(f.extracted ?? []), ['E', '']];
  // the size record is fixed width, so the offsets do not depend on its values
  const probe = encodeRecords([sizeRecord(0, 0), ...envelope, ['M', '']]);
  const dataOffset = probe.length;
  const dataSize = encodeRecords(content).length;
  return encodeRecords([sizeRecord(dataSize, dataOffset, (f.recipients ?? ['x']).length), ...envelope, ['M', ''], ...content, ...tail]);
}
