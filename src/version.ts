import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from './layout.js';

const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string };
export const toolVersion: string = pkg.version;
