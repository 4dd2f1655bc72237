/**
 * The one time limit of the test suite. Tests decide on behaviour, never on the machine's speed:
 * this limit only stops a test (or a CLI run inside it) that hangs, so it is generous, the same for
 * every test, and a busy shared runner never turns it into a verdict. ENTRA_ROLLOUT_TEST_TIMEOUT_MS
 * changes it (e.g. shorter while debugging a hang).
 */
export const TEST_TIMEOUT_MS = Number(process.env.ENTRA_ROLLOUT_TEST_TIMEOUT_MS ?? 600_000);
