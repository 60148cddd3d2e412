// Types for monorepo.mjs (plain JS so the bench runs without a build).
export declare function generateMonorepo(dir: string, options?: { projects?: number; seed?: number }): string[];
export declare function generateLargeTemplate(dir: string, options?: {
  documents?: number; loadsPerDocument?: number; distinctPartials?: number; linesPerPartial?: number;
}): { template: string; loads: number };
