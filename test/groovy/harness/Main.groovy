package eastern.harness

import com.cloudbees.groovy.cps.Outcome
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

/**
 * Runs pipeline scenarios against a shared library through the real CPS interpreter and
 * writes what happened as JSON.
 *
 *   java -cp <groovy-cps, groovy-all, harness classes> eastern.harness.Main input.json output.json
 *
 * input: {library: <root holding vars/, src/ and resources/>, harnessCps: <BodySteps' source root>,
 * scenarios: [{name, jenkinsfile (path) or script (text), ...Pipeline fields}]}
 * output: [{name, result: SUCCESS|FAILURE|ABORTED, error, exception, calls, log, description,
 * returned, cps: [problems of the CPS rules]}]
 */
class Main {
    static void main(String[] args) {
        if (args.length != 2) {
            System.err.println('usage: eastern.harness.Main input.json output.json')
            System.exit(64)
        }
        Map input = (Map) new JsonSlurper().parse(new File(args[0]), 'UTF-8')
        File library = new File(input.library.toString())
        GroovyClassLoader loader = Driver.cpsLoader(Main.classLoader, [new File(library, 'src'), new File(input.harnessCps.toString())])
        Map<String, Class> steps = [:]
        new File(library, 'vars').listFiles().findAll { it.name.endsWith('.groovy') }.sort { it.name }.each { File file ->
            steps[file.name - '.groovy'] = loader.parseClass(file)
        }
        List results = input.scenarios.collect { Map scenario -> runScenario(loader, steps, library, scenario) }
        new File(args[1]).setText(JsonOutput.prettyPrint(JsonOutput.toJson(results)), 'UTF-8')
    }

    static Map runScenario(GroovyClassLoader loader, Map<String, Class> steps, File library, Map scenario) {
        Pipeline pipeline = new Pipeline(scenario, library)
        Driver driver = new Driver(pipeline, loader)
        Binding binding = new Binding()
        bind(driver, binding, 'env', new EnvProxy(pipeline))
        bind(driver, binding, 'currentBuild', pipeline.currentBuild)
        binding.setVariable('params', Collections.unmodifiableMap(new LinkedHashMap(scenario.params ?: [:])))
        if (scenario.scm != false) {
            binding.setVariable('scm', 'scm')
        }
        steps.each { String name, Class type -> bind(driver, binding, name, type.newInstance(binding)) }

        Map result = [name: scenario.name, result: 'SUCCESS', error: null, exception: null]
        Outcome outcome
        try {
            String text = scenario.jenkinsfile ? new File(scenario.jenkinsfile.toString()).getText('UTF-8') : scenario.script.toString()
            Script script = (Script) loader.parseClass(text, 'Jenkinsfile').newInstance(binding)
            outcome = driver.run(script)
        } catch (Throwable e) {
            outcome = new Outcome(null, e)
        }
        Throwable e = outcome.abnormal
        if (e == null) {
            result.returned = Pipeline.plain(outcome.normal)
        } else if (e instanceof InterruptedException) {
            result.result = 'ABORTED'
        } else {
            result.result = 'FAILURE'
        }
        if (e != null) {
            result.error = e instanceof StepError || e instanceof InterruptedException ? e.message : e.toString()
            result.exception = e.class.name
            if (!(e instanceof StepError || e instanceof InterruptedException || e instanceof CpsProblem || e instanceof Stuck)) {
                // Anything else is a bug in the step (or the harness): show where.
                StringWriter trace = new StringWriter()
                e.printStackTrace(new PrintWriter(trace))
                result.stack = trace.toString().readLines().take(30).join('\n')
            }
            if (e instanceof CpsProblem && !driver.cpsProblems.contains(e.message)) {
                driver.cpsProblems.add(e.message)
            }
        }
        result.cps = driver.cpsProblems
        result.calls = pipeline.calls
        result.log = pipeline.log
        result.description = pipeline.currentBuild.description
        return result
    }

    private static void bind(Driver driver, Binding binding, String name, Object value) {
        binding.setVariable(name, value)
        driver.singleton(name, value)
    }
}
