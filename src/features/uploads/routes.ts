// POST /uploads/avatar (API.md §13, DECISIONS M4) and /uploads/image (APP_V2.md): multipart field `file`, at most
// MAX_UPLOAD_SIZE_MB MiB.
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { AppError } from '../../infra/errors.js';
import { validatorCompiler } from '../../infra/http/validation.js';
import { dropRestOfBody, refuseDeclaredOversize, uploadTooLarge, UploadSlots } from '../../infra/http/uploads.js';
import { AvatarUploadBody, AvatarUploaded, ImageUploaded } from './schemas.js';
import { replaceAvatar, storeImage } from './service.js';

const MiB = 1024 * 1024;
const error = Type.Ref('ErrorBody');
/** Images are read into memory and decoded: a few at a time keep memory bounded under a flood of uploads. */
const AVATAR_SLOTS = 4;
const AVATAR_SLOT_WAIT_MS = 10_000;

// The multipart stream is read by the handler, not parsed into request.body, so the body schema only documents it.
const skipBodyValidation: FastifySchemaCompiler<object> = (route) =>
  route.httpPart === 'body' ? () => true : validatorCompiler(route);

// Shaped like a schema failure so the client gets the usual 422 VALIDATION_ERROR body.
function missingFile(): Error {
  return Object.assign(new Error("must have required property 'file'"), {
    validationContext: 'body',
    validation: [{ instancePath: '', keyword: 'required', params: { missingProperty: 'file' }, message: 'field required' }],
  });
}

async function readFilePart(request: FastifyRequest, maxMiB: number): Promise<Buffer> {
  let part: MultipartFile | undefined;
  try {
    part = await request.file();
    if (!part || part.fieldname !== 'file') throw missingFile();
    // Not toBuffer(): it reads the rest of the body before failing, and returns the file cut at the limit when
    // the limit falls on a chunk boundary. Busboy emits 'limit' (and marks the part truncated) once past it.
    const file = part.file;
    if (file.truncated) throw uploadTooLarge(maxMiB);
    file.once('limit', () => file.destroy(uploadTooLarge(maxMiB))); // ends the loop below at once
    const chunks: Buffer[] = [];
    for await (const chunk of file) chunks.push(chunk as Buffer);
    if (file.truncated) throw uploadTooLarge(maxMiB);
    return Buffer.concat(chunks);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw uploadTooLarge(maxMiB);
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with the image in the field "file"');
    }
    // The multipart parser's own errors ("Unexpected end of multipart data"...) carry no status: the body is malformed.
    if (err instanceof Error && !('statusCode' in err) && !('validation' in err)) {
      throw new AppError(400, 'INVALID_MULTIPART', 'The multipart/form-data body is malformed');
    }
    throw err;
  }
}

export const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const maxMiB = app.deps.config.MAX_UPLOAD_SIZE_MB;
  // Scoped to this plugin: only the upload routes accept multipart bodies.
  await app.register(multipart, { limits: { fileSize: maxMiB * MiB, files: 1, fields: 5, fieldSize: 1024, parts: 6 } });
  const slots = new UploadSlots(AVATAR_SLOTS, AVATAR_SLOT_WAIT_MS);

  app.post(
    '/avatar',
    {
      validatorCompiler: skipBodyValidation,
      onRequest: refuseDeclaredOversize(maxMiB),
      onResponse: dropRestOfBody,
      schema: {
        tags: ['uploads'],
        summary: "Upload the caller's avatar",
        description:
          'JPEG, PNG or WebP, decided from the bytes (the declared type is ignored, so `image/jpg` works). The image ' +
          'is re-encoded as a JPEG of at most 512x512 without metadata, becomes the profile avatar_url, and the ' +
          'previous avatar file is deleted. HEIC is refused (400, as the app expects for a wrong type). A file over ' +
          'the limit is refused (413) as soon as that is known. A few uploads are processed at a time; one that waits ' +
          'too long for its turn gets 503 UPLOADS_BUSY with Retry-After.',
        consumes: ['multipart/form-data'],
        body: AvatarUploadBody,
        response: { 200: AvatarUploaded, 400: error, 413: error, 415: error, 422: error, 503: error },
      },
    },
    (request) =>
      slots.run(async () => {
        const upload = await readFilePart(request, maxMiB);
        const url = await replaceAvatar(app.deps, request.log, request.userId, upload);
        return { url };
      }),
  );

  app.post(
    '/image',
    {
      validatorCompiler: skipBodyValidation,
      onRequest: refuseDeclaredOversize(maxMiB),
      onResponse: dropRestOfBody,
      schema: {
        tags: ['uploads'],
        summary: 'Upload an image for a crew logo or cover',
        description:
          'JPEG, PNG or WebP, decided from the bytes, as for avatars. The image is re-encoded as a JPEG of at most ' +
          '1600x1600 without metadata. The URL returned is the only kind a crew logo_url or cover_image_url accepts. ' +
          'Shares the avatar uploads\' slots (503 UPLOADS_BUSY with Retry-After when they stay busy).',
        consumes: ['multipart/form-data'],
        body: AvatarUploadBody,
        response: { 200: ImageUploaded, 400: error, 413: error, 415: error, 422: error, 503: error },
      },
    },
    (request) =>
      slots.run(async () => {
        const upload = await readFilePart(request, maxMiB);
        return { url: await storeImage(app.deps, upload) };
      }),
  );
};
