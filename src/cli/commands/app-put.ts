import { put } from './app-verbs.ts';

export const command = put;
