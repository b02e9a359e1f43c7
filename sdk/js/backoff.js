// Capped exponential backoff with full jitter, for reconnects and token-provider retries: the n-th
// delay is uniform in [0, min(max, initial * multiplier^n)], so clients that failed together do
// not retry together.

export class Backoff {
    /**
     * @param {{initial?: number, max?: number, multiplier?: number}} [policy] milliseconds
     * @param {() => number} [random] uniform in [0, 1); Math.random by default, fixed in tests
     */
    constructor(policy = {}, random = Math.random) {
        this.initial = policy.initial ?? 250;
        this.max = policy.max ?? 30_000;
        this.multiplier = Math.max(policy.multiplier ?? 2, 1);
        this.random = random;
        this.attempts = 0;
    }

    /** The ceiling of the next delay (before jitter). */
    ceiling() {
        return Math.min(this.max, this.initial * this.multiplier ** Math.min(this.attempts, 64));
    }

    /** The delay before the next attempt, in ms; counts the attempt. */
    next() {
        const ceiling = Math.max(this.ceiling(), 0);
        this.attempts += 1;
        return Math.floor(this.random() * ceiling);
    }

    /** After a success: the next delay starts from `initial` again. */
    reset() { this.attempts = 0; }
}
