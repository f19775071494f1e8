// Uploaded images: the type comes from the file's first bytes only (the declared part type and the filename are
// ignored), and every accepted image is decoded and re-encoded, so what we store is a plain JPEG we produced:
// orientation applied, at most AVATAR_SIZE (IMAGE_SIZE) pixels a side, no metadata at all (EXIF with GPS, XMP, ICC, comments).
import sharp from 'sharp';
import { AppError } from '../../infra/errors.js';

export const AVATAR_SIZE = 512;
/** Crew logos and covers: a cover fills a phone's width. */
export const IMAGE_SIZE = 1600;
// A decompression-bomb guard: a few MiB of PNG can declare billions of pixels. 64 MP covers 48 MP phone cameras.
export const MAX_INPUT_PIXELS = 64_000_000;

type ImageKind = 'jpeg' | 'png' | 'webp' | 'heic';

// HEIF brands used by HEIC photos (iPhone). AVIF ('avif', 'avis') is a different codec and is not sniffed as HEIC.
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

const unsupported = (message: string) => new AppError(400, 'UNSUPPORTED_IMAGE', message);

/** The image type named by the file's magic bytes, or null. */
export function sniffImage(bytes: Buffer): ImageKind | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.toString('latin1', 4, 8) === 'ftyp' && HEIC_BRANDS.has(bytes.toString('latin1', 8, 12))) return 'heic';
  return null;
}

/** Decodes an uploaded image and returns the JPEG to store; 400/413/422 AppErrors for what it refuses. */
export async function toJpeg(upload: Buffer, size: number): Promise<Buffer> {
  const kind = sniffImage(upload);
  if (kind === 'heic') {
    // sharp's prebuilt libvips decodes HEIF only with the AV1 codec (AVIF), not HEVC (format.heif.input lists
    // only .avif), so HEIC photos cannot be read here.
    throw unsupported('HEIC images are not supported; send JPEG, PNG or WebP');
  }
  if (!kind) throw unsupported('The file is not a JPEG, PNG or WebP image');

  const image = sharp(upload, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
  let format: string | undefined;
  try {
    ({ format } = await image.metadata());
  } catch (err) {
    if (err instanceof Error && /pixel limit/i.test(err.message)) {
      throw new AppError(413, 'UPLOAD_TOO_LARGE', `The image has more than ${MAX_INPUT_PIXELS / 1_000_000} megapixels`);
    }
    throw invalid();
  }
  if (format !== kind) throw invalid();

  try {
    return await image
      .autoOrient()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' }) // JPEG has no transparency
      .jpeg({ quality: 85, mozjpeg: true })
      .timeout({ seconds: 20 })
      .toBuffer();
  } catch {
    throw invalid();
  }
}

function invalid(): AppError {
  return new AppError(422, 'INVALID_IMAGE', 'The image could not be decoded');
}
