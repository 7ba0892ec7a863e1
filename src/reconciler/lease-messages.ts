/** The lease's messages on the wire (`aloft.<lattice>.lease.v1.*`), validated at the boundary. */
import { z } from 'zod';

const Id = z.string().min(1).max(256);
const Epoch = z.number().int().nonnegative();
const Members = z.array(Id).min(1).max(64);

export const VoteRequestMessage = z.object({
  candidate: Id,
  epoch: Epoch,
  round: z.string().min(1).max(64),
  members: Members,
  renewal: z.boolean().optional(),
});

export const VoteReplyMessage = z.object({
  voter: Id,
  candidate: Id,
  epoch: Epoch,
  round: z.string().min(1).max(64),
  granted: z.boolean(),
  last: z.object({ candidate: Id, epoch: Epoch }).nullable(),
  members: Members,
});

export const ReleaseMessage = z.object({ candidate: Id, epoch: Epoch, held: z.boolean() });

/** One reconciler's view of the lease, as it answers `aloft.<lattice>.lease.v1.status`. */
export const LeaseStatus = z.object({
  id: Id,
  role: z.enum(['follower', 'candidate', 'leader', 'stopped']),
  /** It may send commands right now. */
  acting: z.boolean(),
  epoch: Epoch,
  members: Members,
  /** Whom its vote is promised to (the holder, as far as it knows). */
  promisedTo: Id.nullable(),
});
export type LeaseStatus = z.infer<typeof LeaseStatus>;
