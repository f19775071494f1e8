import { Type, type Static } from '@sinclair/typebox';

/** The body of both POST and DELETE /notifications/token (API.md §16: DELETE takes the same body). */
export const DeviceTokenBody = Type.Object({
  device_token: Type.String({ minLength: 1, maxLength: 4096, description: 'FCM registration token' }),
  platform: Type.String({ pattern: '^(ios|android)$', description: 'ios | android' }),
});

export const StatusOk = Type.Object({ status: Type.Literal('ok') });

/** One switch per kind of push notification; every kind is on until the user turns it off. */
export const NotificationSettings = Type.Object(
  {
    new_follower: Type.Boolean({ description: 'Someone started following you' }),
    course_review: Type.Boolean({ description: 'Someone reviewed one of your courses' }),
    review_reply: Type.Boolean({ description: "A course's creator replied to your review" }),
    ranking_first_place_lost: Type.Boolean({ description: 'Someone took your first place on a course leaderboard' }),
    event_reminder: Type.Boolean({ description: 'An event you joined is about to start' }),
    event_cancelled: Type.Boolean({ description: 'An event you joined was cancelled' }),
    crew_join_request: Type.Boolean({ description: 'Someone asked to join a crew you own or administer' }),
    crew_join_approved: Type.Boolean({ description: 'You became a member of a crew (request approved, or invited)' }),
    crew_course_lost: Type.Boolean({ description: 'Another crew took a course your crew held' }),
    group_run_invite: Type.Boolean({ description: 'Someone invited you to a group run' }),
    group_run_reminder: Type.Boolean({ description: 'A group run you accepted is about to start' }),
    challenge_completed: Type.Boolean({ description: 'You reached the goal of a challenge you joined' }),
    community_comment: Type.Boolean({ description: 'Someone commented on your community post' }),
    friend_request: Type.Boolean({ description: 'Someone sent you a friend request' }),
    friend_accepted: Type.Boolean({ description: 'Someone accepted your friend request' }),
  },
  { description: 'Which push notifications the user receives (true: on)' },
);
export type NotificationSettings = Static<typeof NotificationSettings>;

export const NotificationSettingsPatch = Type.Partial(NotificationSettings, {
  description: 'The switches to change; absent keys keep their value',
});
export type NotificationSettingsPatch = Static<typeof NotificationSettingsPatch>;

export type PushKind = keyof NotificationSettings;
export const PUSH_KINDS = Object.keys(NotificationSettings.properties) as PushKind[];
