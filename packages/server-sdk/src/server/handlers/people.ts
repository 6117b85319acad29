// PLACEHOLDER (people engineer replaces this file): refuses the frames until they are built.
import { ErrorCode, ParleyError, type BlocksFrame, type ReportFrame, type UsersFrame } from '@parley/protocol';
import type { Connection, ServerContext } from '../context.js';

const notYet = () => Promise.reject(new ParleyError(ErrorCode.BAD_FRAME, 'not supported yet'));
export const handleUsers = (_ctx: ServerContext, _conn: Connection, _frame: UsersFrame): Promise<void> => notYet();
export const handleBlocks = (_ctx: ServerContext, _conn: Connection, _frame: BlocksFrame): Promise<void> => notYet();
export const handleReport = (_ctx: ServerContext, _conn: Connection, _frame: ReportFrame): Promise<void> => notYet();
