// Where the package's own files are, for code that reads them at run time. This module sits at the
// top of src/ (dist/ once built), as does the CLI bundle it is inlined into (dist/cli.bundle.cjs,
// scripts/bundle-cli.mjs), so `import.meta.url` names the same folder either way: a path written
// relative to a deeper module would move when that module is bundled.

/** dist/ (src/ when run from source). */
export const CODE_DIR = new URL('./', import.meta.url);
/** The package root: package.json, schemas/. */
export const PACKAGE_ROOT = new URL('../', import.meta.url);
