/**
 * A hold point for crash tests (POST /_emulator/hold): once `afterWrites` writes have run and
 * `moreRequests` further Graph requests have arrived, every Graph request that arrives after is held
 * unanswered, not yet run, until POST /_emulator/release (and so is every write item of a `$batch`
 * due to run then). A test kills its client while the hold is
 * engaged, so where the kill lands is decided by the requests, never by how fast the machine is: a
 * client cannot run ahead of the kill while the test's process waits for a CPU. Held requests then
 * run on release, as Graph runs a request whose client died after sending it.
 */
export class HoldPoint {
  /** Requests (and `$batch` items) held so far. */
  held = 0;
  private reached = false;
  private passedSince = 0;
  private released = false;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly afterWrites: number,
    private readonly moreRequests: number,
  ) {}

  /** Whether what comes now is held (`writesRun`: writes the log holds). */
  private engaged(writesRun: number): boolean {
    if (this.released) return false;
    if (writesRun >= this.afterWrites) this.reached = true;
    return this.reached && this.passedSince >= this.moreRequests;
  }

  private hold(): Promise<void> {
    this.held++;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** At a Graph request's arrival: undefined when it may run, else a promise that settles at release. */
  arrive(writesRun: number): Promise<void> | undefined {
    if (this.engaged(writesRun)) return this.hold();
    if (this.reached && !this.released) this.passedSince++;
    return undefined;
  }

  /**
   * Before a write item of a `$batch` that arrived earlier runs: held like a request once the point
   * is passed, so a kill can land while Graph is part-way through a batch.
   */
  beforeBatchWrite(writesRun: number): Promise<void> | undefined {
    return this.engaged(writesRun) ? this.hold() : undefined;
  }

  /** Lets every held request run; the point holds nothing after. */
  release(): void {
    this.released = true;
    for (const run of this.waiting.splice(0)) run();
  }
}
