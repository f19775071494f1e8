import { Type } from '@sinclair/typebox';

/** The body of both POST and DELETE /notifications/token (API.md §16: DELETE takes the same body). */
export const DeviceTokenBody = Type.Object({
  device_token: Type.String({ minLength: 1, maxLength: 4096, description: 'FCM registration token' }),
  platform: Type.String({ pattern: '^(ios|android)$', description: 'ios | android' }),
});

export const StatusOk = Type.Object({ status: Type.Literal('ok') });
