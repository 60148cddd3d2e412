package eastern.harness

import com.cloudbees.groovy.cps.Continuable
import com.cloudbees.groovy.cps.SerializableScript

/**
 * Base class of every script the CPS harness runs (Jenkinsfiles and vars/*.groovy), standing
 * in for Jenkins' CpsScript: a step is a suspension of the program (Continuable.suspend with
 * the step's name, so the CPS mismatch check knows it was expected); steps with a body run
 * it inside the program (BodySteps, CPS-compiled). Globals (env, params, currentBuild, scm,
 * the library's vars) live in the shared binding.
 */
abstract class CpsPipelineScript extends SerializableScript {
    private static final long serialVersionUID = 1L
    static final Set<String> BODY_STEPS = ['node', 'stage', 'withEnv', 'lock', 'timeout', 'dir', 'timestamps', 'ansiColor',
                                           'retry', 'script', 'waitUntil', 'parallel', 'pipeline'] as Set

    CpsPipelineScript() {
        super()
    }

    CpsPipelineScript(Binding binding) {
        super(binding)
    }

    // Steps whose names Groovy or the GDK already use, so methodMissing would never see them.
    def sleep(Object... args) { return harnessCall('sleep', args) }
    def properties(Object... args) { return harnessCall('properties', args) }
    void print(Object value) { harnessCall('echo', [String.valueOf(value)] as Object[]) }
    void println(Object value) { harnessCall('echo', [String.valueOf(value)] as Object[]) }

    /**
     * Declarative's sections (`agent none`, `stages {}`...) are read by running their closures
     * with a model object as delegate; implicit calls in a CPS closure reach the script, so the
     * script hands them to that delegate while Declarative reads a section (Driver.delegates).
     */
    def propertyMissing(String name) {
        Object delegate = Driver.current().delegates ? Driver.current().delegates[-1] : null
        if (delegate != null) {
            return delegate."${name}"
        }
        throw new MissingPropertyException(name, getClass())
    }

    def methodMissing(String name, Object args) {
        Object delegate = Driver.current().delegates ? Driver.current().delegates[-1] : null
        if (delegate != null) {
            return delegate.invokeMethod(name, args)
        }
        return harnessCall(name, (Object[]) args)
    }

    Object harnessCall(String name, Object[] args) {
        Driver.current().checkNotFromNonCps(name)
        if (BODY_STEPS.contains(name)) {
            Object steps = Driver.current().bodySteps(this)
            return steps."${name}"(args)
        }
        return Continuable.suspend(name, new Event(kind: 'step', name: name, args: args))
    }
}
