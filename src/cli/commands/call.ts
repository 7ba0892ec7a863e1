import { readFileSync } from 'node:fs';
import { createCaller, watchHosts } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import { traceHeaders } from '../../telemetry/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';
import { cliTracing } from '../telemetry-options.ts';

/** The code and message of a failed call, for its span. */
const failure = (err: unknown): { code: string; message: string } => {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' && code !== '' ? code : 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
  };
};

export const command: Command = {
  summary:
    "Call a component's operation wherever it runs and print the result (traced when OTEL_EXPORTER_OTLP_ENDPOINT is set)",
  usage:
    'aloft call <component> <operation> [--data TEXT | --file PATH] [--idempotent] [--timeout-ms N]',
  options: {
    ...latticeOptions,
    data: { type: 'string' },
    file: { type: 'string' },
    idempotent: { type: 'boolean' },
  },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const [component, operation] = positionals;
      if (!component || !operation)
        throw new AloftError('USAGE', 'give a component and an operation');
      const payload = values.file
        ? new Uint8Array(readFileSync(values.file as string))
        : new TextEncoder().encode((values.data as string | undefined) ?? '');
      const { tracing, parent } = await cliTracing(io.env);
      const view = await watchHosts(nc, { lattice });
      // The call's client span: the invocation it reaches, wherever that runs, is its child.
      const span = tracing.startSpan(`call ${component} ${operation}`, {
        kind: 'client',
        parent,
        attributes: tracing.enabled
          ? { 'aloft.component': component, 'aloft.operation': operation, 'aloft.lattice': lattice }
          : undefined,
      });
      try {
        const caller = createCaller(nc, { lattice, view });
        const out = await caller.call(component, operation, payload, {
          timeoutMs: Number(values['timeout-ms'] ?? 10_000),
          idempotent: values.idempotent === true,
          ...(span.context ? { headers: traceHeaders(span.context) } : {}),
        });
        span.end();
        process.stdout.write(out);
        if (out.length > 0 && out[out.length - 1] !== 10) process.stdout.write('\n');
        return 0;
      } catch (err) {
        span.end(failure(err));
        throw err;
      } finally {
        await view.stop();
        await tracing.shutdown();
      }
    }),
};
