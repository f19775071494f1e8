import { Type } from '@sinclair/typebox';

/** Documents the multipart body; the handler reads the stream itself (see routes.ts). */
export const AvatarUploadBody = Type.Object({
  file: Type.String({ format: 'binary', description: 'JPEG, PNG or WebP image (decided from its bytes)' }),
});

export const AvatarUploaded = Type.Object({
  url: Type.String({ description: 'Absolute URL of the stored avatar (now also the profile avatar_url)' }),
});

export const ImageUploaded = Type.Object({
  url: Type.String({ description: 'Absolute URL of the stored image, for a crew logo_url or cover_image_url' }),
});
