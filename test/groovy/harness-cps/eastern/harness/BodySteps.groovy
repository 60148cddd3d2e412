package eastern.harness

import com.cloudbees.groovy.cps.Continuable

/**
 * The steps that take a body, compiled by the CPS transformer at run time like the library
 * (Jenkins runs a step's body inside the CPS program, too). Each tells the driver where the
 * body starts and ends (Enter/Exit suspend the program: the driver serialises and resumes
 * it there, as at every asynchronous step); `parallel` forks one CPS thread per branch.
 * (suspend is given its own name: the CPS mismatch check expects exactly the method called.)
 */
class BodySteps implements Serializable {
    private static final long serialVersionUID = 1L

    final Script script

    BodySteps(Script script) {
        this.script = script
    }

    private static Closure body(Object[] args) {
        return args.length > 0 && args[-1] instanceof Closure ? (Closure) args[-1] : null
    }

    private Object around(String name, Object[] args) {
        Closure body = body(args)
        Continuable.suspend('suspend', new Event(kind: 'enter', name: name, args: args))
        try {
            return body == null ? null : body.call()
        } finally {
            Continuable.suspend('suspend', new Event(kind: 'exit', name: name))
        }
    }

    def node(Object[] args) { return around('node', args) }
    def stage(Object[] args) { return around('stage', args) }
    def withEnv(Object[] args) { return around('withEnv', args) }
    def lock(Object[] args) { return around('lock', args) }
    def timeout(Object[] args) { return around('timeout', args) }
    def dir(Object[] args) { return around('dir', args) }
    def timestamps(Object[] args) { return around('timestamps', args) }
    def ansiColor(Object[] args) { return around('ansiColor', args) }
    def retry(Object[] args) { return around('retry', args) }

    def script(Object[] args) {
        Closure body = body(args)
        return body.call()
    }

    /** Polls the body until it is true, sleeping (virtual time) in between, as Jenkins does. */
    def waitUntil(Object[] args) {
        Closure condition = body(args)
        Continuable.suspend('suspend', new Event(kind: 'enter', name: 'waitUntil', args: args))
        try {
            long period = 250
            while (!condition.call()) {
                Continuable.suspend('suspend', new Event(kind: 'sleep', millis: period))
                period = Math.min(period * 2, 15000L)
            }
        } finally {
            Continuable.suspend('suspend', new Event(kind: 'exit', name: 'waitUntil'))
        }
        return null
    }

    def parallel(Object[] args) {
        return Continuable.suspend('suspend', new Event(kind: 'fork', name: 'parallel', args: args))
    }

    def pipeline(Object[] args) {
        return new Declarative(script).run(body(args))
    }
}
