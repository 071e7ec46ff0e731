/**
 * What a requested URL path says about the script behind it. Paths come straight from
 * access logs and are attacker-controlled: they are decoded defensively, never used to
 * touch the file system here, and a path that climbs out of the document root gets no
 * file path at all.
 */
import { posix } from 'node:path';

const SCRIPT_EXTENSION = /\.(php[3-8]?|phtml|phar|pht|cgi|pl|py)$/i;
const MAX_PATH = 2048;

/**
 * Folders meant for uploaded or generated content. PHP has no business there; a
 * script in one is the classic dropper left behind by an upload hole.
 */
export const UPLOAD_DIRS: readonly string[] = [
  'images', 'image', 'img', 'imgs', 'pics', 'pictures', 'photos', 'bilder',
  'uploads', 'upload', 'files', 'cache', 'tmp', 'temp',
];
const UPLOAD_DIR_SET = new Set(UPLOAD_DIRS);

/** Percent-decode once; on a malformed escape keep the raw text (it is evidence, not an error). */
export function decodePath(path: string): string {
  const raw = path.slice(0, MAX_PATH);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Last segment of the decoded path: "/images/xkqzvp.php" -> "xkqzvp.php"; "/" -> "". */
export function baseNameOf(path: string): string {
  const decoded = decodePath(path);
  return decoded.slice(decoded.lastIndexOf('/') + 1);
}

export function isScriptPath(path: string): boolean {
  return SCRIPT_EXTENSION.test(baseNameOf(path));
}

/**
 * Can this request have made PHP send mail? A POST to anything can (pretty URLs route
 * "/kontakt/" to index.php); other methods only when they name a script directly.
 * Page views of "/" or static files would otherwise soak up every submission.
 */
export function canTriggerMail(method: string, path: string): boolean {
  return method.toUpperCase() === 'POST' || isScriptPath(path);
}

/** The upload-type folder a script sits in ("images"), or null. */
export function uploadDirOf(path: string): string | null {
  if (!isScriptPath(path)) return null;
  const segments = decodePath(path).toLowerCase().split('/');
  segments.pop();
  for (const s of segments) if (UPLOAD_DIR_SET.has(s)) return s;
  return null;
}

/**
 * Document root + URL path, or null when the path is not a plain file path (NUL byte,
 * not absolute). ".." is resolved the way the web server does, so the result never
 * leaves the document root.
 */
export function filePathIn(docRoot: string, urlPath: string): string | null {
  const decoded = decodePath(urlPath);
  if (decoded.includes('\0') || !decoded.startsWith('/')) return null;
  const relative = posix.normalize(decoded);
  const root = docRoot.replace(/\/+$/, '');
  return root + relative;
}

/**
 * Where the script behind a URL path may live, one candidate per document root, for the
 * caller to stat. The vhost (when logged) picks the root whose path names it first.
 */
export function candidateFilePaths(urlPath: string, docRoots: readonly string[], vhost: string | null = null): string[] {
  const roots = [...docRoots];
  if (vhost) {
    const v = vhost.toLowerCase().replace(/:\d+$/, '');
    const names = (root: string): boolean => root.toLowerCase().split('/').includes(v);
    roots.sort((a, b) => Number(names(b)) - Number(names(a)));
  }
  const out: string[] = [];
  for (const root of roots) {
    const p = filePathIn(root, urlPath);
    if (p !== null && !out.includes(p)) out.push(p);
  }
  return out;
}
