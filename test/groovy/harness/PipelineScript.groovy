package eastern.harness

/**
 * Base class of every script the harness runs (Jenkinsfiles and vars/*.groovy), standing in
 * for Jenkins' CpsScript: each pipeline step becomes a call into the scenario's Pipeline,
 * which records it. Global variables (env, params, currentBuild, scm and the library's
 * steps) live in the shared binding.
 */
abstract class PipelineScript extends Script {

    Pipeline harnessPipeline() {
        return (Pipeline) binding.getVariable('__pipeline')
    }

    // Steps whose names Groovy or the GDK already use, so methodMissing would never see them.
    def sleep(Object... args) { harnessPipeline().step('sleep', args) }
    def properties(Object... args) { harnessPipeline().step('properties', args) }
    void print(Object value) { harnessPipeline().step('echo', [String.valueOf(value)] as Object[]) }
    void println(Object value) { harnessPipeline().step('echo', [String.valueOf(value)] as Object[]) }

    /** Declarative Pipeline (a subset: see Declarative.groovy). */
    def pipeline(Closure body) {
        return new Declarative(this, harnessPipeline()).run(body)
    }

    /** `script { }` inside declarative steps. */
    def script(Closure body) {
        body.delegate = this
        body.resolveStrategy = Closure.DELEGATE_FIRST
        return body.call()
    }

    def methodMissing(String name, Object args) {
        return harnessPipeline().step(name, (Object[]) args)
    }
}
