package eastern.harness

import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer
import org.codehaus.groovy.runtime.InvokerHelper

/**
 * Runs pipeline scenarios against a shared library and writes what happened as JSON.
 *
 *   java -cp <groovy jars>:<harness classes> eastern.harness.Main input.json output.json
 *
 * input: {library: <library root holding vars/ and resources/>, scenarios: [{name,
 * jenkinsfile (path) or script (text), ...Pipeline fields}]}
 * output: [{name, result: SUCCESS|FAILURE|ABORTED, error, exception, calls, log,
 * description, returned}]
 */
class Main {
    static void main(String[] args) {
        if (args.length != 2) {
            System.err.println('usage: eastern.harness.Main input.json output.json')
            System.exit(64)
        }
        Map input = (Map) new JsonSlurper().parse(new File(args[0]), 'UTF-8')
        File library = new File(input.library.toString())
        GroovyClassLoader loader = loader()
        Map<String, Class> steps = loadSteps(loader, new File(library, 'vars'))
        List results = input.scenarios.collect { Map scenario -> runScenario(loader, steps, library, scenario) }
        new File(args[1]).setText(JsonOutput.prettyPrint(JsonOutput.toJson(results)), 'UTF-8')
    }

    static GroovyClassLoader loader() {
        CompilerConfiguration config = new CompilerConfiguration()
        config.scriptBaseClass = PipelineScript.name
        // Jenkins imports @Library into every Jenkinsfile.
        config.addCompilationCustomizers(new ImportCustomizer().addImports('org.jenkinsci.plugins.workflow.libs.Library'))
        return new GroovyClassLoader(Main.classLoader, config)
    }

    /** Every vars/<name>.groovy as a class named <name>, compiled once. */
    static Map<String, Class> loadSteps(GroovyClassLoader loader, File vars) {
        Map<String, Class> steps = [:]
        vars.listFiles().findAll { it.name.endsWith('.groovy') }.sort { it.name }.each { File file ->
            steps[file.name - '.groovy'] = loader.parseClass(file)
        }
        return steps
    }

    static Map runScenario(GroovyClassLoader loader, Map<String, Class> steps, File library, Map scenario) {
        Pipeline pipeline = new Pipeline(scenario, library)
        Binding binding = new Binding()
        binding.setVariable('__pipeline', pipeline)
        binding.setVariable('env', new EnvProxy(pipeline))
        binding.setVariable('params', Collections.unmodifiableMap(new LinkedHashMap(scenario.params ?: [:])))
        binding.setVariable('currentBuild', pipeline.currentBuild)
        binding.setVariable('scm', 'scm')
        steps.each { String name, Class type -> binding.setVariable(name, InvokerHelper.createScript(type, binding)) }

        String text = scenario.jenkinsfile ? new File(scenario.jenkinsfile.toString()).getText('UTF-8') : scenario.script.toString()
        Script script = InvokerHelper.createScript(loader.parseClass(text, 'Jenkinsfile'), binding)
        Map result = [name: scenario.name, result: 'SUCCESS', error: null, exception: null]
        try {
            result.returned = Pipeline.plain(script.run())
        } catch (InterruptedException e) {
            result.result = 'ABORTED'
            result.error = e.message
            result.exception = e.class.name
        } catch (StepError e) {
            result.result = 'FAILURE'
            result.error = e.message
            result.exception = e.class.name
        } catch (Throwable e) {
            // Anything else is a bug in the step (or the harness): show where.
            result.result = 'FAILURE'
            result.error = e.toString()
            result.exception = e.class.name
            StringWriter trace = new StringWriter()
            e.printStackTrace(new PrintWriter(trace))
            result.stack = trace.toString().readLines().take(25).join('\n')
        }
        result.calls = pipeline.calls
        result.log = pipeline.log
        result.description = pipeline.currentBuild.description
        return result
    }
}
