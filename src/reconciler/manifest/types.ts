/**
 * A manifest after validation, normalised: defaults filled in, wadm aliases resolved, Aloft
 * extensions lifted out of their `aloft.dev/…` keys. This is what placement works from.
 */
export interface Manifest {
  /** `metadata.name`: the application's name, a subject token. */
  name: string;
  /** `metadata.annotations.version`; undefined when the manifest does not pin one. */
  version: string | undefined;
  description: string | undefined;
  annotations: Record<string, string>;
  components: ComponentSpec[];
}

export type ComponentKind = 'component' | 'capability';

export interface ComponentSpec {
  /** Unique within the application; the name the component runs under on hosts. */
  name: string;
  /** `component` (wasm) or `capability` (a provider). */
  kind: ComponentKind;
  /** `properties.image`: an OCI reference, a path, an http(s) URL or `sha256:<hex>`. */
  image: string;
  /** `properties.id`, when set. */
  id: string | undefined;
  config: ConfigRef[];
  /** `aloft.dev/limits`. */
  limits: ComponentLimits | undefined;
  /** `aloft.dev/idempotent`: operations that callers may retry after a timeout. */
  idempotent: string[];
  /** The placement trait (spreadscaler or daemonscaler); undefined: not placed. */
  scaler: Scaler | undefined;
  links: LinkSpec[];
}

export interface ComponentLimits {
  memoryMiB?: number;
  deadlineMs?: number;
  maxConcurrent?: number;
}

/** A named configuration; with `properties` the application owns it, without it refers to one. */
export interface ConfigRef {
  name: string;
  properties: Record<string, string> | undefined;
}

export type Fallback = 'any' | 'none';

export interface Spread {
  name: string;
  /** Labels a host must carry, all of them, with these exact values. */
  requirements: Record<string, string>;
  /** Relative weight (default 100). */
  weight: number;
  /** `aloft.dev/fallback`: `any` (default) places replicas elsewhere when no host matches; `none` refuses. */
  fallback: Fallback;
}

export interface Scaler {
  /** `spread`: `instances` in total over all hosts; `daemon`: `instances` on every matching host. */
  kind: 'spread' | 'daemon';
  instances: number;
  /** Empty: one implicit spread matching every host. */
  spreads: Spread[];
}

export interface LinkSpec {
  /** The component (or capability) serving the interfaces. */
  target: string;
  namespace: string;
  package: string;
  interfaces: string[];
  /** Link name (default `default`). */
  name: string;
  targetConfig: ConfigRef[];
  sourceConfig: ConfigRef[];
}
