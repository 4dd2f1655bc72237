// The crash test (kill.ts) for the `users` workflow: one file per workflow so the three long runs
// spread over the test workers.
import { killTests } from './kill.js';

killTests('users');
