import { history } from './app-verbs.ts';

export const command = history;
