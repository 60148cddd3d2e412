// Types for setup.mjs (plain ESM so that test/run.mjs can import it without tsx).
export declare const GROOVY_VERSION: string;
export declare const NPM_GROOVY_LINT_VERSION: string;
export declare const JAVA_HOME: string;
export interface GroovyTools {
  groovy: string;
  groovyc: string;
  java: string;
  env: NodeJS.ProcessEnv;
  lib: string;
  classpath: string;
  npmGroovyLint: string;
  /** groovy-cps, guava, groovy-all jars (':'-separated). */
  cpsClasspath: string;
}
export declare const GROOVY_CPS_VERSION: string;
export declare function ensureCpsJars(env?: NodeJS.ProcessEnv): string;
export declare function ensureGroovy(): GroovyTools;
export declare function ensureGroovyLint(): string;
