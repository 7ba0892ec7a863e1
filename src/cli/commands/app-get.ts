import { get } from './app-verbs.ts';

export const command = get;
