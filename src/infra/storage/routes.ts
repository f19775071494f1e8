// Serves the public folders of local storage at /uploads/<folder>/<file>. Each public folder is its own static
// root, so private files (under UPLOAD_DIR/private/) are out of reach. Names are unique, so files never change.
import { mkdir } from 'node:fs/promises';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PUBLIC_FOLDERS } from './keys.js';
import { LocalStorage } from './local.js';

export async function localFileRoutes(app: FastifyInstance): Promise<void> {
  const { storage } = app.deps;
  if (!(storage instanceof LocalStorage)) return;
  for (const folder of PUBLIC_FOLDERS) {
    const root = storage.publicDir(folder);
    await mkdir(root, { recursive: true });
    await app.register(fastifyStatic, {
      root,
      prefix: `/uploads/${folder}/`,
      decorateReply: false,
      index: false,
      dotfiles: 'ignore',
      immutable: true,
      maxAge: '365d',
    });
  }
}
