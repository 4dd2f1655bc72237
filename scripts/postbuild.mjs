// tsc keeps the shebang but not the executable bit; npm links dist/cli.js as the bin.
import { chmodSync } from 'node:fs';
import { vendorBundle } from './vendor-bundle.mjs';

chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
vendorBundle();
