package eastern.harness

/**
 * Enough of Declarative Pipeline to run the example Jenkinsfiles: agent (none, any,
 * label), parameters, options, environment, stages with when { branch; expression },
 * steps, script, and post (always, success, failure, aborted). Like Jenkins it
 * registers `parameters` as a job property at the start of the run. Compiled by the CPS
 * transformer (it calls the Jenkinsfile's closures), and it calls steps through the script.
 */
class Declarative implements Serializable {
    private static final long serialVersionUID = 1L
    private final Script script

    Declarative(Script script) {
        this.script = script
    }

    static Object with(Object delegate, Closure body) {
        Closure copy = (Closure) body.clone()
        copy.delegate = delegate
        copy.resolveStrategy = Closure.DELEGATE_FIRST
        List<Object> delegates = Driver.current().delegates
        delegates.add(delegate)
        try {
            return copy.call()
        } finally {
            delegates.remove(delegates.size() - 1)
        }
    }

    Object run(Closure body) {
        DeclarativeSpec spec = new DeclarativeSpec()
        Declarative.with(spec, body)
        if (spec.parameters) {
            script.properties([script.parameters(spec.parameters)])
        }
        Closure all = {
            String outcome = 'SUCCESS'
            Throwable failure = null
            try {
                for (DeclarativeStageSpec stage : spec.stages) {
                    runStage(stage)
                }
            } catch (InterruptedException e) {
                outcome = 'ABORTED'
                failure = e
            } catch (Throwable e) {
                outcome = 'FAILURE'
                failure = e
            }
            for (String condition : ['always', outcome.toLowerCase()]) {
                if (spec.post[condition]) steps(spec.post[condition])
            }
            if (failure) throw failure
            return null
        }
        return withAgentAndEnv(spec.agent, spec.environment, all)
    }

    private Object withAgentAndEnv(Object agent, Map<String, String> environment, Closure body) {
        Closure inner = body
        if (environment) {
            List<String> entries = environment.collect { k, v -> "${k}=${v}".toString() }
            Closure plain = inner
            inner = { script.withEnv(entries, plain) }
        }
        if (agent == null || agent == 'none') return inner.call()
        String label = agent == 'any' ? null : agent.toString()
        return label == null ? script.node(inner) : script.node(label, inner)
    }

    private void runStage(DeclarativeStageSpec stage) {
        script.stage(stage.name) {
            if (stage.when && !stage.when.holds(script)) {
                script.echo("Stage \"${stage.name}\" skipped due to when conditional".toString())
                return null
            }
            return withAgentAndEnv(stage.agent, stage.environment, { steps(stage.steps) })
        }
    }

    private Object steps(Closure body) {
        if (body == null) return null
        Closure copy = (Closure) body.clone()
        copy.delegate = script
        copy.resolveStrategy = Closure.DELEGATE_FIRST
        return copy.call()
    }
}

class DeclarativeSpec implements Serializable {
    Object agent
    List parameters = []
    Map<String, String> environment = [:]
    List<DeclarativeStageSpec> stages = []
    Map<String, Closure> post = [:]

    Object propertyMissing(String name) { return name }   // none, any
    void agent(Object value) { agent = value }
    void agent(Closure body) { DeclarativeAgentSpec a = new DeclarativeAgentSpec(); Declarative.with(a, body); agent = a.label }
    void parameters(Closure body) { DeclarativeParameterSpec p = new DeclarativeParameterSpec(); Declarative.with(p, body); parameters.addAll(p.definitions) }
    void options(Closure body) { Declarative.with(new DeclarativeIgnore(), body) }
    void triggers(Closure body) { Declarative.with(new DeclarativeIgnore(), body) }
    void environment(Closure body) { environment.putAll(DeclarativeEnvSpec.read(body)) }
    void stages(Closure body) { DeclarativeStagesSpec s = new DeclarativeStagesSpec(); Declarative.with(s, body); stages.addAll(s.stages) }
    void post(Closure body) { DeclarativePostSpec p = new DeclarativePostSpec(); Declarative.with(p, body); post.putAll(p.conditions) }
}

class DeclarativeAgentSpec implements Serializable {
    String label
    void label(String value) { label = value }
    Object propertyMissing(String name) { return name }
}

class DeclarativeParameterSpec implements Serializable {
    List definitions = []
    Object methodMissing(String name, Object args) {
        Object[] list = (Object[]) args
        definitions.add(new Symbol(name: name, args: list.length == 1 ? list[0] : (list as List)))
        return null
    }
}

class DeclarativeEnvSpec implements Serializable {
    Map<String, String> values = [:]
    void propertyMissing(String name, Object value) { values[name] = String.valueOf(value) }
    /**
     * `NAME = 'value'` lines. In a CPS closure an assignment to a free name lands in the
     * script's binding, so the block runs against the binding and what it added is taken out.
     */
    static Map<String, String> read(Closure body) {
        Binding binding = ((Script) body.thisObject).binding
        Set<String> before = new HashSet<String>(binding.variables.keySet())
        DeclarativeEnvSpec spec = new DeclarativeEnvSpec()
        Declarative.with(spec, body)
        Map<String, String> values = new LinkedHashMap<String, String>(spec.values)
        for (Object key : new ArrayList(binding.variables.keySet())) {
            if (!before.contains(key)) {
                values[key.toString()] = String.valueOf(binding.variables[key])
                binding.variables.remove(key)
            }
        }
        return values
    }
}

class DeclarativeIgnore implements Serializable {
    Object methodMissing(String name, Object args) { return null }
}

class DeclarativeStagesSpec implements Serializable {
    List<DeclarativeStageSpec> stages = []
    void stage(String name, Closure body) {
        DeclarativeStageSpec s = new DeclarativeStageSpec(name: name)
        Declarative.with(s, body)
        stages.add(s)
    }
}

class DeclarativeStageSpec implements Serializable {
    String name
    Object agent
    Map<String, String> environment = [:]
    DeclarativeWhenSpec when
    Closure steps

    Object propertyMissing(String name) { return name }
    void agent(Object value) { agent = value }
    void agent(Closure body) { DeclarativeAgentSpec a = new DeclarativeAgentSpec(); Declarative.with(a, body); agent = a.label }
    void environment(Closure body) { environment.putAll(DeclarativeEnvSpec.read(body)) }
    void when(Closure body) { DeclarativeWhenSpec w = new DeclarativeWhenSpec(); Declarative.with(w, body); when = w }
    void steps(Closure body) { steps = body }
    void options(Closure body) { Declarative.with(new DeclarativeIgnore(), body) }
}

class DeclarativeWhenSpec implements Serializable {
    List<Closure> expressions = []
    List<String> branches = []
    void branch(String pattern) { branches.add(pattern) }
    void expression(Closure body) { expressions.add(body) }

    boolean holds(Script script) {
        String current = script.env.BRANCH_NAME
        for (String pattern : branches) {
            if (!(current ==~ pattern.replace('*', '.*'))) return false
        }
        for (Closure expression : expressions) {
            Closure copy = (Closure) expression.clone()
            copy.delegate = script
            copy.resolveStrategy = Closure.DELEGATE_FIRST
            if (!copy.call()) return false
        }
        return true
    }
}

class DeclarativePostSpec implements Serializable {
    Map<String, Closure> conditions = [:]
    Object methodMissing(String name, Object args) {
        conditions[name] = (Closure) ((Object[]) args)[0]
        return null
    }
}

