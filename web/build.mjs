// Builds the UI into one folder the server serves (see docs/ui.md):
//   <outdir>/index.html            references the hashed files; served with no-cache
//   <outdir>/assets/*-<hash>.js|css  content-hashed; served as immutable
//   <outdir>/favicon.svg
// Usage: node build.mjs [--outdir DIR] [--watch]   (default outdir: dist/)
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const watch = args.includes('--watch');
const outIndex = args.indexOf('--outdir');
const outdir = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(here, 'dist'));

const options = {
  absWorkingDir: here,
  entryPoints: ['src/main.tsx'],
  bundle: true,
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: path.join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [{
    name: 'index-html',
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length > 0) return;
        writeIndex(result.metafile);
      });
    },
  }],
};

function writeIndex(metafile) {
  let js = '';
  let css = '';
  for (const [file, out] of Object.entries(metafile.outputs)) {
    const rel = path.relative(outdir, path.resolve(here, file)).split(path.sep).join('/');
    if (out.entryPoint && rel.endsWith('.js')) js = rel;
    if (rel.endsWith('.css')) css = rel;
  }
  // Old hashed files are removed so the folder holds exactly one build.
  const keep = new Set(Object.keys(metafile.outputs).map((f) => path.resolve(here, f)));
  for (const f of fs.readdirSync(path.join(outdir, 'assets'))) {
    const full = path.join(outdir, 'assets', f);
    if (!keep.has(full)) fs.rmSync(full);
  }
  const template = fs.readFileSync(path.join(here, 'index.html'), 'utf8');
  const html = template
    .replace('<!--css-->', css ? `<link rel="stylesheet" href="/${css}">` : '')
    .replace('<!--js-->', `<script type="module" src="/${js}"></script>`);
  fs.writeFileSync(path.join(outdir, 'index.html'), html);
  for (const f of fs.readdirSync(path.join(here, 'public'))) {
    fs.copyFileSync(path.join(here, 'public', f), path.join(outdir, f));
  }
  const size = (f) => (f ? fs.statSync(path.join(outdir, f)).size : 0);
  console.log(`tracelake web UI: ${outdir} (${js} ${size(js)} B, ${css} ${size(css)} B)`);
}

fs.mkdirSync(path.join(outdir, 'assets'), { recursive: true });
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`watching; serve with: tracelake server --ui-dir ${outdir}`);
} else {
  await esbuild.build(options);
}
