import { list } from './app-verbs.ts';

export const command = list;
