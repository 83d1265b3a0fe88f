/** Errors of the repairer: REPAIR_GONE (content no longer at the origin), REPAIR_FAILED. */
import { SeamdError, type RepairCode } from '../errors.js';

export class RepairError extends SeamdError<RepairCode> {}
