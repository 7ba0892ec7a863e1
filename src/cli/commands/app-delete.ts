import { remove } from './app-verbs.ts';

export const command = remove;
