// Builds the web client (web/*.ts and Leaflet's stylesheet) into dist/web with esbuild: minified bundles named by
// their content hash (cached for a year), each also stored gzip- and brotli-compressed (served as they are), and
// manifest.json mapping `app.js`/`app.css` to the hashed names the pages link. `npm run build` and `npm test` run it.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const WEB_OUT_DIR = join(root, 'dist', 'web');

export async function buildWebClient(outDir = WEB_OUT_DIR): Promise<Record<string, string>> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(root, 'web', 'main.ts'), style: join(root, 'web', 'style.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    outdir: outDir,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.png': 'file', '.svg': 'file' },
    metafile: true,
    logLevel: 'warning',
  });
  const manifest: Record<string, string> = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const name = basename(file);
    if (output.entryPoint) manifest[output.entryPoint.endsWith('.css') ? 'app.css' : 'app.js'] = name;
    if (/\.(js|css|svg)$/.test(name)) {
      const body = await readFile(join(outDir, name));
      await writeFile(join(outDir, `${name}.gz`), gzipSync(body, { level: 9 }));
      await writeFile(join(outDir, `${name}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    }
  }
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = await buildWebClient();
  console.log(`web client built: ${Object.values(manifest).join(', ')}`);
}
