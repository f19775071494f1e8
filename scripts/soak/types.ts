// The contract between scripts/soak.ts, its scenarios, and the tests that run them in short form.
export type Scale = 'short' | 'full';

export interface SoakReport {
  name: string;
  /** HTTP requests (or operations) sent */
  requests: number;
  /** faults injected: database restarts, dropped connections, floods, kills */
  faults: number;
  /** anything that broke a promise: a 5xx where none is allowed, a lost or doubled run, a hang... */
  failures: number;
  /** figures worth printing (throughput, worst latency, memory high-water mark...) */
  notes: string[];
}

export interface SoakScenario {
  run(scale: Scale): Promise<SoakReport>;
}
