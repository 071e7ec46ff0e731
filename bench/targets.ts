/** What the benchmark must show, and how far a measurement may stray before it is invalid. */

export const TARGET_OURS_OVER_B = 1.5; // ours <= 1.5 x (b)
export const TARGET_A_OVER_OURS = 50; // (a) >= 50 x ours
/** queue.examined must be within this fraction of the queue size, else the run is invalid */
export const EXAMINED_TOLERANCE = 0.03;
/** the queue may not change by more than this between the first and the last listing */
export const QUEUE_DRIFT_TOLERANCE = 0.01;
