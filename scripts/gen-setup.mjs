// Regenerates docs/setup/create-apps.sh (Azure CLI) and docs/setup/terraform/main.tf (azuread
// provider) from the permission matrix and src/setup/ (through the build in dist/). Run
// `npm run build && node scripts/gen-setup.mjs` after changing either; a test fails while the
// committed files differ from what src/setup/appRegistrations.ts renders.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

const { renderAzScript, renderTerraform } = await import(new URL('../dist/setup/appRegistrations.js', import.meta.url).href);
const at = (rel) => new URL(`../docs/setup/${rel}`, import.meta.url);
mkdirSync(at('terraform/'), { recursive: true });
writeFileSync(at('create-apps.sh'), renderAzScript());
chmodSync(at('create-apps.sh'), 0o755);
writeFileSync(at('terraform/main.tf'), renderTerraform());
