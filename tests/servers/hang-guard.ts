/**
 * Mocha's timeout for a test on real servers: a guard against a hang, never a speed goal. Every
 * wait inside such a test has its own deadline naming what it awaited, and a slow or busy machine
 * is slower, not wrong: a CI run failed when migration.spec's second test took a little over its
 * 420 s timeout, having lost nothing (397 s on our machine, where CI's is about 1.1 to 1.3 times
 * slower). So the guard is four times the slowest run of the test seen on either machine.
 */
export function hangGuard(slowestSeenMs: number): number {
    return 4 * slowestSeenMs;
}
