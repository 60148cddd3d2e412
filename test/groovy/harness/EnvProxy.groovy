package eastern.harness

/** The `env` global: reads see withEnv and the agent's environment, writes set job-wide variables. */
class EnvProxy extends GroovyObjectSupport {
    private final Pipeline pipeline

    EnvProxy(Pipeline pipeline) {
        this.pipeline = pipeline
    }

    @Override
    Object getProperty(String name) {
        return pipeline.environment(false)[name]
    }

    @Override
    void setProperty(String name, Object value) {
        pipeline.globalEnv[name] = value == null ? null : value.toString()
    }

    Map<String, String> getEnvironment() {
        return pipeline.environment(false)
    }
}
