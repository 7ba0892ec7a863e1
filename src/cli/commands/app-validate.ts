import { validate } from './app-verbs.ts';

export const command = validate;
