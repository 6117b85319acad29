import * as v from 'valibot';

/**
 * RESYNC (server → client): live pushes may have been lost (the cross-node bus recovered from an
 * outage, this node fell behind it, or the store stayed away while a stored event was being
 * pushed). The client runs a full `sync`; nothing else is implied.
 */
export const ResyncFrame = v.strictObject({
  type: v.literal('resync'),
  reason: v.picklist(['bus-recovered', 'server-restarted', 'push-failed']),
});
export type ResyncFrame = v.InferOutput<typeof ResyncFrame>;
