/**
 * A hold point for crash tests (POST /_emulator/hold): once `afterWrites` writes have run and
 * `moreRequests` further Graph requests (or `$batch` write items) have arrived, every Graph request
 * that arrives after, and every `$batch` write item due to run after, is held unanswered and not yet
 * run until POST /_emulator/release. A test kills its client while the hold is engaged, so where the
 * kill lands is decided by the requests, never by how fast the machine is: a client cannot run ahead
 * of the kill while the test's process waits for a CPU. Held requests then run on release, as Graph
 * runs a request whose client died after sending it.
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
   * Before a write item of a `$batch` that arrived earlier runs: it counts as one of the further
   * requests, and is held like one once they have passed, so a kill can land while Graph is part-way
   * through a batch (a client that sent all its batches before the point still gets killed).
   */
  beforeBatchWrite(writesRun: number): Promise<void> | undefined {
    return this.arrive(writesRun);
  }

  /** Lets every held request run; the point holds nothing after. */
  release(): void {
    this.released = true;
    for (const run of this.waiting.splice(0)) run();
  }
}
