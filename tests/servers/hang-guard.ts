/**
 * Mocha's timeout for a test on real servers: a guard against a hang, never a speed goal. Every
 * wait inside such a test has its own deadline naming what it awaited, and a slower machine is
 * not a wrong program (docs/testing.md). Four times the slowest run of the test seen here or in CI.
 */
export function hangGuard(slowestSeenMs: number): number {
    return 4 * slowestSeenMs;
}
