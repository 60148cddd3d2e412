package eastern.jenkins

import com.cloudbees.groovy.cps.NonCPS

/**
 * Validation of a step's arguments, before any approval, lock or node. Plain functions
 * (@NonCPS, no steps): the fleet data they need (namespaces, the project-name rule) is
 * passed in by the helper var `eastern`, which reads it from the generated `easternFleet`.
 * Only calls in script-security's default whitelist, so the library also runs untrusted.
 */
class Checks implements Serializable {

    private static final long serialVersionUID = 1L

    /** Unknown argument names and values of the wrong type, as messages. */
    @NonCPS
    static List<String> argumentProblems(Map args, Map defaults) {
        List<String> problems = []
        for (Object key : args.keySet()) {
            String name = key
            if (!defaults.containsKey(name)) {
                problems.add("unknown argument '${name}' (known: ${defaults.keySet().join(', ')})".toString())
                continue
            }
            String problem = typeProblem(name, args[key], defaults[name])
            if (problem) {
                problems.add(problem)
            }
        }
        return problems
    }

    @NonCPS
    private static String typeProblem(String name, Object value, Object example) {
        if (value == null) {
            return ''
        }
        if (example instanceof Boolean && !(value instanceof Boolean)) {
            return "${name} must be true or false, got '${value}'".toString()
        }
        if (example instanceof Integer && !(value.toString() ==~ /\d{1,9}/)) {
            return "${name} must be a whole number, got '${value}'".toString()
        }
        if (example instanceof Map && !(value instanceof Map)) {
            return "${name} must be a map such as [KEY: 'value'], got '${value}'".toString()
        }
        boolean flat = value instanceof CharSequence || value instanceof Number
        if (!(example instanceof Boolean || example instanceof Integer || example instanceof Map) && !flat) {
            return "${name} must be a string, got '${value}'".toString()
        }
        return ''
    }

    /** Whether `namespace` matches one plain glob and no `!glob` (the agent's rule). */
    @NonCPS
    static boolean namespaceAllowed(List<String> globs, String namespace) {
        boolean allowed = false
        for (String glob : globs) {
            boolean exclude = glob.startsWith('!')
            String regex = (exclude ? glob.substring(1) : glob).replace('*', '.*').replace('?', '.')
            if (namespace ==~ regex) {
                if (exclude) {
                    return false
                }
                allowed = true
            }
        }
        return allowed
    }

    /** Problems with the namespace on any cluster it would go to (`allowed`: cluster -> globs). */
    @NonCPS
    static List<String> namespaceProblems(String namespace, List<String> clusters, Map allowed) {
        if (!(namespace ==~ /[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/)) {
            String problem = "namespace must be a Kubernetes namespace name (lower-case letters, digits, '-'), " +
                "got '${namespace}'"
            return [problem.toString()]
        }
        List<String> problems = []
        for (String cluster : clusters) {
            List<String> globs = allowed[cluster]
            if (!namespaceAllowed(globs, namespace)) {
                problems.add(("namespace '${namespace}' is not allowed on cluster ${cluster} (its agent accepts: " +
                    "${globs.join(', ')}; see agents/${cluster}.yaml kubernetes.namespaces)").toString())
            }
        }
        return problems
    }

    /**
     * The project: the unit of release, lock and prune. Explicit, else the template's folder
     * (as the CLI does), else the job (the repository of a multibranch job; `job`: [name:
     * JOB_NAME, branch: BRANCH_NAME]). `rule` is the CLI's rule, generated into easternFleet:
     * [pattern: regex, maxLength: n].
     */
    @NonCPS
    static String projectName(Object explicit, String file, Map job, Map rule, List<String> problems) {
        String jobName = job.name
        String branchName = job.branch
        String pattern = rule.pattern
        int max = rule.maxLength as int
        if (explicit != null) {
            String name = explicit
            if (!(name ==~ pattern)) {
                problems.add("project must be lower-case letters, digits and '-' (at most ${max}), got '${name}'"
                    .toString())
            }
            return name
        }
        List<String> folders = (file ?: '').tokenize('/')
        String source = folders.size() > 1 ? folders[-2] : ''
        if (!source || source == '.') {
            List<String> parts = (jobName ?: 'project').tokenize('/')
            source = branchName && parts.size() > 1 ? parts[-2] : parts[-1]
        }
        String name = URLDecoder.decode(source, 'UTF-8').toLowerCase().replaceAll(/[^a-z0-9-]+/, '-')
        name = name.replaceAll(/^-+/, '').replaceAll(/-+$/, '')
        if (name.length() > max) {
            name = name.substring(0, max).replaceAll(/-+$/, '')
        }
        if (!name) {
            problems.add("cannot derive a project name from '${source}'; pass project: 'name'".toString())
        }
        return name
    }

    /** Environment variables that carry each option the step has (its defaults name them) to the shell. */
    @NonCPS
    static List<String> optionEnv(Map config, Map defaults, List<String> problems) {
        Map<String, String> names = [
            file: 'EASTERN_FILE', timeout: 'EASTERN_TIMEOUT', prune: 'EASTERN_PRUNE',
            rollbackOnFailure: 'EASTERN_ROLLBACK_ON_FAILURE', failOnChanges: 'EASTERN_EXIT_CODE',
            to: 'EASTERN_TO_REVISION',
        ]
        List<String> entries = []
        for (String option : names.keySet()) {
            if (defaults.containsKey(option)) {
                entries.add("${names[option]}=${config[option] == null ? '' : config[option]}".toString())
            }
        }
        if (defaults.containsKey('file')) {
            String file = config.file
            if (!file || file.startsWith('-') || file.contains('\n')) {
                problems.add("file must be a template path such as 'kubernetes.yaml', got '${file}'".toString())
            }
        }
        if (config.to != null && !(config.to.toString() ==~ /[1-9]\d{0,8}/)) {
            problems.add("to must be a revision number (1, 2, ...), got '${config.to}'".toString())
        }
        if (defaults.containsKey('vars')) {
            entries.addAll(variableEnv(config.vars ?: [:], config.imageTag, problems))
        }
        return entries
    }

    @NonCPS
    private static boolean flatValue(Object value) {
        return value instanceof CharSequence || value instanceof Number || value instanceof Boolean
    }

    /**
     * Template variables as EASTERN_VAR_COUNT and EASTERN_VAR_<i> = KEY=VALUE. The shell script
     * turns each into one --set argument, so values never pass through shell parsing.
     */
    @NonCPS
    static List<String> variableEnv(Map vars, Object imageTag, List<String> problems) {
        List<String> assignments = []
        for (Object key : vars.keySet()) {
            String name = key
            Object value = vars[key]
            if (!(name ==~ /[A-Za-z_][A-Za-z0-9_]*/)) {
                problems.add("vars: '${name}' is not a valid variable name (letters, digits, '_')".toString())
            } else if (name == 'NAMESPACE') {
                problems.add('vars: NAMESPACE is set from the namespace argument; pass namespace: instead')
            } else if (name == 'IMAGE_TAG' && imageTag != null) {
                problems.add('vars: IMAGE_TAG is also given as imageTag; keep one of them')
            } else if (!flatValue(value)) {
                problems.add(("vars: ${name} must be a string, number or boolean (variables are flat strings), " +
                    "got '${value}'").toString())
            } else {
                assignments.add("${name}=${value}".toString())
            }
        }
        if (imageTag != null) {
            String tag = imageTag
            if (tag ==~ /[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/) {
                assignments.add("IMAGE_TAG=${tag}".toString())
            } else {
                problems.add("imageTag must be a container image tag (letters, digits, '_', '.', '-'), got '${tag}'"
                    .toString())
            }
        }
        List<String> entries = ["EASTERN_VAR_COUNT=${assignments.size()}".toString()]
        for (int i = 0; i < assignments.size(); i++) {
            entries.add("EASTERN_VAR_${i}=${assignments[i]}".toString())
        }
        return entries
    }

    /** The non-empty problems, joined with '; ' ('' when there is none). */
    @NonCPS
    static String joined(List<String> problems) {
        List<String> real = []
        for (String problem : problems) {
            if (problem) {
                real.add(problem)
            }
        }
        return real.join('; ')
    }

    /** `list` with `item` added (a comma-separated list, as kept in an environment variable). */
    @NonCPS
    static String addListed(String list, String item) {
        return listed(list, item) ? list : (list ? "${list},${item}" : item).toString()
    }

    @NonCPS
    static boolean listed(String list, String item) {
        return (list ?: '').tokenize(',').contains(item)
    }
}
