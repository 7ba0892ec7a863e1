import { undeploy } from './app-verbs.ts';

export const command = undeploy;
