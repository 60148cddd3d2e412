package eastern.harness

import com.cloudbees.groovy.cps.Continuable
import com.cloudbees.groovy.cps.CpsTransformer
import com.cloudbees.groovy.cps.Envs
import com.cloudbees.groovy.cps.NonCPS
import com.cloudbees.groovy.cps.ObjectInputStreamWithLoader
import com.cloudbees.groovy.cps.Outcome
import com.cloudbees.groovy.cps.impl.CpsCallableInvocation
import com.cloudbees.groovy.cps.sandbox.DefaultInvoker
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer
import org.codehaus.groovy.runtime.InvokerHelper

/**
 * Runs one pipeline through the real CPS interpreter (groovy-cps), the way a Jenkins
 * controller does: the Jenkinsfile, the vars and the library's src/ classes are compiled
 * with CpsTransformer; the program runs as Continuables (one per parallel branch) until it
 * suspends at a step; there the whole program is serialised, deserialised and the copy
 * resumed (what a controller restart does). Found and reported as the run's `cps` problems:
 * a NotSerializableException, a CPS mismatch (a CPS closure or method called from plain
 * Java or @NonCPS code), a step called from @NonCPS code.
 *
 * Time is virtual: `timeout`, `sleep`, `waitUntil`, long `sh` rules and System.currentTimeMillis
 * in the program use the driver's clock, which jumps ahead when every thread waits. When
 * nothing can ever wake a waiting thread, the build is stuck (as Jenkins would be for ever).
 */
class Driver {
    private static final ThreadLocal<Driver> CURRENT = new ThreadLocal<>()

    final Pipeline pipeline
    final GroovyClassLoader loader
    final List<String> cpsProblems = []
    final Map<Object, String> singletons = new IdentityHashMap<>()
    final Map<String, Object> singletonByKey = [:]
    long clock = 1700000000000L
    /** Declarative model objects reading a section (see CpsPipelineScript.methodMissing). */
    final List<Object> delegates = []
    private final List<CpsThread> threads = []
    private int nextId = 0

    Driver(Pipeline pipeline, GroovyClassLoader loader) {
        this.pipeline = pipeline
        this.loader = loader
    }

    Object bodySteps(Script script) {
        return loader.loadClass('eastern.harness.BodySteps').newInstance(script)
    }

    static Driver current() {
        return CURRENT.get()
    }

    /** A class loader that CPS-transforms what it compiles: the library (vars and src/) and the harness' BodySteps. */
    static GroovyClassLoader cpsLoader(ClassLoader parent, List<File> sourceRoots) {
        CompilerConfiguration config = new CompilerConfiguration()
        config.scriptBaseClass = CpsPipelineScript.name
        config.addCompilationCustomizers(new ImportCustomizer().addImports('org.jenkinsci.plugins.workflow.libs.Library'))
        config.addCompilationCustomizers(new CpsTransformer())
        GroovyClassLoader loader = new GroovyClassLoader(parent, config)
        for (File root : sourceRoots) {
            loader.addClasspath(root.path)
        }
        return loader
    }

    /** Objects the program refers to but Jenkins would not serialise with it (globals, the build). */
    void singleton(String key, Object value) {
        singletons.put(value, key)
        singletonByKey[key] = value
    }

    // ---- the program's threads ----

    static class CpsThread {
        int id
        String name
        Continuable program
        Outcome resume = new Outcome(null, null)
        List<Map> frames = []
        /** Why the thread cannot run: [until: millis] or [node: label] or [input: true] or [join: fork]. */
        Map waiting
        Map fork
        Outcome result
    }

    private CpsThread start(String name, Continuable program, List<Map> frames, Map fork) {
        CpsThread t = new CpsThread(id: nextId++, name: name, program: program, frames: new ArrayList<Map>(frames), fork: fork)
        threads.add(t)
        return t
    }

    /** Runs the script to its end; returns its outcome (value or exception). */
    Outcome run(Script script) {
        CURRENT.set(this)
        CpsCallableInvocation.registerMismatchHandler { Object expectedReceiver, String expectedMethod, Object actualReceiver, String actualMethod ->
            cpsProblems.add("CPS mismatch: expected to call ${describe(expectedReceiver)}.${expectedMethod} but wound up catching ${describe(actualReceiver)}.${actualMethod} (a CPS closure or method called from plain Java or @NonCPS code)".toString())
        }
        try {
            CpsThread main = start('main', new Continuable(script, Envs.empty(new ClockInvoker(this))), [], null)
            while (main.result == null) {
                CpsThread ready = threads.find { it.waiting == null && it.result == null }
                if (ready == null) {
                    if (!advanceClock()) {
                        String what = threads.findAll { it.result == null }.collect { "${it.name}: ${it.waiting}" }.join('; ')
                        throw new Stuck("the build waits for ever (${what}); in Jenkins it would hold its executors and locks until aborted")
                    }
                    continue
                }
                step(ready)
            }
            return main.result
        } finally {
            CURRENT.remove()
            CpsCallableInvocation.registerMismatchHandler(null)
        }
    }

    private static String describe(Object o) {
        return o instanceof Class ? ((Class) o).name : (o == null ? 'null' : o.getClass().name)
    }

    private void step(CpsThread t) {
        pipeline.stack = t.frames
        Outcome outcome = t.program.run0(t.resume, IteratorCategory.CATEGORIES)
        t.resume = null
        if (!t.program.isResumable()) {
            finish(t, outcome)
            return
        }
        handle(t, (Event) checkpoint(outcome.normal))
    }

    private void finish(CpsThread t, Outcome outcome) {
        t.result = outcome
        threads.remove(t)
        if (t.fork != null) {
            Map fork = t.fork
            fork.results[t.name] = outcome
            if (outcome.isFailure() && fork.failFast && !fork.failed) {
                fork.failed = true
                fork.cause = outcome.abnormal
                for (CpsThread other : threads.findAll { it.fork.is(fork) }) {
                    interrupt(other, new Aborted("Failed in branch ${t.name}"))
                }
            }
            if (fork.results.size() == fork.branches.size()) {
                joinFork(fork)
            }
        }
    }

    /**
     * Every thread's program serialised together (shared objects stay shared) with the event
     * that suspended it; the copies go on (the event's closures too: they belong to the copy).
     */
    private Object checkpoint(Object event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream()
        try {
            new PickleOutput(bytes, singletons).withCloseable { PickleOutput out ->
                out.writeObject(threads.collect { it.program })
                out.writeObject(event)
            }
        } catch (NotSerializableException e) {
            throw new CpsProblem("java.io.NotSerializableException: ${e.message} (held by the program across a step; " +
                'Jenkins cannot save it: make it a local of a @NonCPS method, or keep only serialisable values)', e)
        }
        List copies
        Object eventCopy
        new PickleInput(new ByteArrayInputStream(bytes.toByteArray()), loader, singletonByKey).withCloseable { PickleInput input ->
            copies = (List) input.readObject()
            eventCopy = input.readObject()
        }
        // The copies go on; a fork's bookkeeping (which branch ended how) is the driver's, as in Jenkins.
        threads.eachWithIndex { CpsThread t, int i -> t.program = (Continuable) copies[i] }
        return eventCopy
    }

    // ---- what a suspended thread asked for ----

    private void handle(CpsThread t, Event event) {
        pipeline.clock = clock
        try {
            switch (event.kind) {
                case 'step':
                    Object value = pipeline.step(event.name, event.args)
                    if (value instanceof Wait) {
                        t.waiting = ((Wait) value).why
                    } else {
                        t.resume = new Outcome(value, null)
                    }
                    break
                case 'enter':
                    Map frame = pipeline.enter(event.name, event.args, clock)
                    t.frames.add(frame)
                    if (frame.waitingFor) {
                        t.waiting = [node: frame.waitingFor]
                    } else {
                        t.resume = new Outcome(null, null)
                    }
                    break
                case 'exit':
                    t.frames.remove(t.frames.size() - 1)
                    t.resume = new Outcome(null, null)
                    break
                case 'sleep':
                    t.waiting = [until: clock + event.millis]
                    break
                case 'fork':
                    fork(t, (Map) event.args[0])
                    break
                default:
                    throw new IllegalStateException("harness: unknown event ${event}")
            }
        } catch (Throwable e) {
            t.waiting = null
            t.resume = new Outcome(null, e)
        }
    }

    private void fork(CpsThread parent, Map branches) {
        Map fork = [branches: new LinkedHashMap(branches), results: [:], parent: parent, failFast: branches.failFast ?: false, failed: false,
                    cause: null]
        fork.branches.remove('failFast')
        pipeline.recordParallel(fork.branches.keySet().collect { it.toString() }, fork.failFast as boolean)
        parent.waiting = [join: 'parallel']
        fork.branches.each { Object name, Object body ->
            Script runner = (Script) loader.loadClass('eastern.harness.BranchRunner').newInstance()
            runner.binding = new Binding([body: body])
            List<Map> frames = parent.frames + [[kind: 'parallel', name: "parallel:${name}".toString()]]
            start(name.toString(), new Continuable(runner, Envs.empty(new ClockInvoker(this))), frames, fork)
        }
        if (fork.branches.isEmpty()) {
            joinFork(fork)
        }
    }

    private void joinFork(Map fork) {
        CpsThread parent = (CpsThread) fork.parent
        parent.waiting = null
        Map values = [:]
        Throwable failure = null
        fork.results.each { String name, Outcome o ->
            if (o.isFailure()) {
                failure = failure instanceof InterruptedException ? failure : (failure ?: o.abnormal)
                if (o.abnormal instanceof InterruptedException && !(failure instanceof InterruptedException)) {
                    failure = o.abnormal
                }
            } else {
                values[name] = o.normal
            }
        }
        // failFast: like Jenkins, the branch that failed first is what parallel throws, not the aborts it caused.
        if (fork.cause != null) {
            failure = (Throwable) fork.cause
        }
        parent.resume = failure ? new Outcome(null, failure) : new Outcome(values, null)
    }

    private void interrupt(CpsThread t, Throwable why) {
        t.waiting = null
        t.resume = new Outcome(null, why)
        if (t.fork != null) {
            // Nested forks: their branches are interrupted too.
            for (CpsThread child : threads.findAll { it.fork?.parent?.is(t) }) {
                interrupt(child, why)
            }
        }
    }

    /** Moves the clock to the next wake-up or timeout; false when nothing will ever happen. */
    private boolean advanceClock() {
        Long next = null
        for (CpsThread t : threads) {
            if (t.waiting == null) {
                continue
            }
            if (t.waiting.until != null) {
                next = next == null ? t.waiting.until : Math.min(next, (long) t.waiting.until)
            }
            for (Map frame : t.frames) {
                if (frame.deadline != null) {
                    next = next == null ? frame.deadline : Math.min(next, (long) frame.deadline)
                }
            }
        }
        if (next == null) {
            return false
        }
        clock = Math.max(clock, next)
        for (CpsThread t : new ArrayList<CpsThread>(threads)) {
            if (t.waiting == null) {
                continue
            }
            Map expired = t.frames.find { it.deadline != null && it.deadline <= clock }
            if (expired != null) {
                expired.deadline = null
                interrupt(t, new Aborted('Timeout has been exceeded'))
            } else if (t.waiting.until != null && t.waiting.until <= clock) {
                Object value = t.waiting.value
                t.waiting = null
                t.resume = new Outcome(value, null)
            }
        }
        return true
    }

    // ---- checks ----

    /** Jenkins refuses a step called from @NonCPS code; so does the harness (the step is recorded as a problem). */
    void checkNotFromNonCps(String step) {
        for (StackTraceElement frame : new Throwable().stackTrace) {
            String name = frame.className
            if (name.startsWith('java.') || name.startsWith('jdk.') || name.startsWith('sun.') || name.startsWith('groovy.') ||
                name.startsWith('org.codehaus.') || name.startsWith('com.cloudbees.') || name.startsWith('eastern.harness.')) {
                continue
            }
            Class type
            try {
                type = loader.loadClass(name)
            } catch (ClassNotFoundException ignored) {
                continue
            }
            if (!(type.classLoader instanceof GroovyClassLoader.InnerLoader || type.classLoader.is(loader))) {
                continue
            }
            boolean nonCps = type.declaredMethods.any { it.name == frame.methodName && it.isAnnotationPresent(NonCPS) }
            boolean plainClosure = frame.methodName == 'doCall' && Closure.isAssignableFrom(type)
            if (nonCps || plainClosure) {
                String problem = "step ${step} called from @NonCPS code (${name}.${frame.methodName}, line ${frame.lineNumber}): " +
                    'steps only run in CPS code'
                cpsProblems.add(problem)
                throw new CpsProblem(problem, null)
            }
        }
    }
}

/** What a step returns to the driver when it cannot finish yet (an offline node, a pending input, a long sh). */
class Wait {
    Map why
}

/** The program cannot go on: it would wait for ever. */
class Stuck extends RuntimeException {
    Stuck(String message) { super(message) }
}

/** A CPS rule broken by the program: reported by the run, never a build result. */
class CpsProblem extends RuntimeException {
    CpsProblem(String message, Throwable cause) { super(message, cause) }
}

/** Calls from the program go through here: the clock is the driver's. */
class ClockInvoker extends DefaultInvoker {
    private static final long serialVersionUID = 1L
    private transient Driver driver

    ClockInvoker(Driver driver) {
        this.driver = driver
    }

    @Override
    Object methodCall(Object receiver, String method, Object[] args) throws Throwable {
        if (receiver.is(System) && method == 'currentTimeMillis') {
            return Driver.current().clock
        }
        return super.methodCall(receiver, method, args)
    }
}

/** Writes the program; the driver's singletons (globals, the build) become references, as Jenkins' pickles. */
@groovy.transform.CompileStatic
class PickleOutput extends ObjectOutputStream {
    private final Map<Object, String> singletons

    PickleOutput(OutputStream out, Map<Object, String> singletons) {
        super(out)
        this.singletons = singletons
        enableReplaceObject(true)
    }

    @Override
    protected Object replaceObject(Object obj) {
        String key = singletons.get(obj)
        return key == null ? obj : new Reference(key: key)
    }
}

@groovy.transform.CompileStatic
class PickleInput extends ObjectInputStreamWithLoader {
    private final Map<String, Object> singletons

    PickleInput(InputStream input, ClassLoader loader, Map<String, Object> singletons) {
        super(input, loader)
        this.singletons = singletons
        enableResolveObject(true)
    }

    @Override
    protected Object resolveObject(Object obj) {
        return obj instanceof Reference ? singletons.get(((Reference) obj).key) : obj
    }
}

class Reference implements Serializable {
    private static final long serialVersionUID = 1L
    String key
}
