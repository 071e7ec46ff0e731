/** What an access-log read did, updated while it runs (for progress) and kept for the report. */
export interface AccessLogReadStats {
  /** access-log files found in the directories */
  filesFound: number;
  /** not opened: last written (mtime) before the window began */
  filesSkippedByMtime: number;
  /** opened, but the first line already lies after the window */
  filesSkippedByFirstLine: number;
  /** opened and scanned (to the end, or until the lines were past the window; failures included) */
  filesRead: number;
  /** of filesRead: left before the end because the lines were past the window */
  filesStoppedEarly: number;
  /** of filesRead: could not be opened or decompressed to the end (in the skip tally with the reason) */
  filesFailed: number;
  /** bytes taken from the files, uncompressed (through a filtering host: the matching lines' bytes) */
  bytesRead: number;
  /** on-disk size of the files opened (compressed size for .gz) */
  bytesOnDisk: number;
  /** lines that passed the byte prefilter and were parsed */
  linesParsed: number;
  /** requests handed out */
  requests: number;
}

export function newReadStats(): AccessLogReadStats {
  return {
    filesFound: 0,
    filesSkippedByMtime: 0,
    filesSkippedByFirstLine: 0,
    filesRead: 0,
    filesStoppedEarly: 0,
    filesFailed: 0,
    bytesRead: 0,
    bytesOnDisk: 0,
    linesParsed: 0,
    requests: 0,
  };
}
