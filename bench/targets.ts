/** What the benchmark must show, and how far a measurement may stray before it is invalid. */

export const TARGET_OURS_OVER_B = 1.3; // ours <= 1.3 x (b)
/** peak RSS of ours, MB (issue 16: flat in queue size, below this at 100,000 messages) */
export const TARGET_OURS_RSS_MB = 300;
export const TARGET_A_OVER_OURS = 50; // (a) >= 50 x ours
/** queue.examined must be within this fraction of the queue size, else the run is invalid */
export const EXAMINED_TOLERANCE = 0.03;
/** the queue may not change by more than this between the first and the last listing */
export const QUEUE_DRIFT_TOLERANCE = 0.01;
