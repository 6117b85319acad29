import * as v from 'valibot';

/**
 * RESYNC (server → client): live pushes may have been lost (the cross-node bus recovered from an
 * outage, or this node fell behind it). The client runs a full `sync`; nothing else is implied.
 */
export const ResyncFrame = v.strictObject({
  type: v.literal('resync'),
  reason: v.picklist(['bus-recovered', 'server-restarted']),
});
export type ResyncFrame = v.InferOutput<typeof ResyncFrame>;
