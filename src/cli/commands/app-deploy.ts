import { deploy } from './app-verbs.ts';

export const command = deploy;
