import { status } from './app-verbs.ts';

export const command = status;
