// Types for peers.mjs (plain JS so benches run without a build).
export declare const PYTHON_EASTERN_VERSION: string;
export declare function cacheDir(): string;
export declare function peerDir(name: string, version: string): string;
export declare function withLock<T>(lockPath: string, fn: () => T, options?: { waitMs?: number; staleMs?: number }): T;
export declare function ensurePythonEastern(options?: { log?: (message: string) => void }): string;
export declare const peers: Record<string, (options?: { log?: (message: string) => void }) => string>;
