/**
 * The two ways the benchmark fails, each with its exit status: a usage error or a missing
 * prerequisite (2), a broken benchmark, i.e. an invalid measurement (1). A missed target is
 * neither: it is printed (MISSED) and the run exits 0.
 */

export class UsageError extends Error {}
export class BrokenBenchmark extends Error {}
