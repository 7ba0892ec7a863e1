import { rollback } from './app-verbs.ts';

export const command = rollback;
