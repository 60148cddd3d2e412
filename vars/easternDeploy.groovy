// GENERATED FILE - do not edit. Made by `eastern library generate` from the
// fleet (agents/gke.yaml, agents/kube1.yaml, agents/kube2.yaml) and src/library/templates/easternDeploy.groovy.hbs.
// Change those and run `eastern library generate`; CI runs it with --check.
import com.cloudbees.groovy.cps.NonCPS

/*
 * easternDeploy: render and deploy Kubernetes templates with `eastern deploy` on the Jenkins
 * agent of every cluster that serves the chosen environment. Help: vars/easternDeploy.txt.
 *
 *   easternDeploy()                                   // EASTERN_ENVIRONMENT parameter, ./kubernetes.yaml
 *   easternDeploy(file: 'deploy/app.yaml', imageTag: env.GIT_COMMIT, vars: [REPLICAS: '3'])
 *
 * Returns a map: cluster name -> [status: 0, revision: '12', commit: '...'].
 */
def call(Map args = [:]) {
    Map defaults = [
        file: 'kubernetes.yaml',         // top-level template, relative to the checkout
        namespace: null,                 // default: the environment name
        environment: null,               // default: the EASTERN_ENVIRONMENT build parameter
        vars: [:],                       // template variables, each passed as --set KEY=VALUE
        imageTag: null,                  // sets the IMAGE_TAG variable
        project: null,                   // release and lock name; default: template folder, else the job
        timeout: 300,                    // rollout timeout in seconds, 0 = none
        prune: false,                    // delete objects the previous revision had and this one has not
        rollbackOnFailure: false,        // re-apply the previous good revision when the rollout fails
        checkout: true,                  // run `checkout scm` on each agent first
        registerParameter: true,         // register the EASTERN_ENVIRONMENT choice parameter
        milestone: true,                 // newer builds abort older ones waiting to deploy (see help)
        approvalTimeoutMinutes: 60,      // how long a protected deploy waits for approval
    ]
    List<String> problems = easternArgumentProblems(args, defaults)
    if (problems) {
        error("easternDeploy: ${problems.join('; ')}")
    }
    Map config = defaults + args

    if (config.registerParameter) {
        properties([parameters([environmentParameter()])])
    }
    String environment = easternResolveEnvironment('easternDeploy', config.environment)
    Map route = easternEnvironments()[environment]
    String namespace = config.namespace ?: environment
    String file = config.file
    problems.addAll(easternFileProblems(file))
    problems.addAll(easternNamespaceProblems(namespace, route.clusters))
    String project = easternProjectName(config.project, file, env.JOB_NAME, env.BRANCH_NAME, problems)
    List<String> shellEnv = [
        "EASTERN_ENVIRONMENT=${environment}",
        "EASTERN_FILE=${file}",
        "EASTERN_NAMESPACE=${namespace}",
        "EASTERN_PROJECT=${project}",
        "EASTERN_TIMEOUT=${config.timeout}",
        "EASTERN_PRUNE=${config.prune}",
        "EASTERN_ROLLBACK_ON_FAILURE=${config.rollbackOnFailure}",
    ]
    shellEnv.addAll(easternVariableEnv(config.vars ?: [:], config.imageTag, problems))
    if (problems) {
        error("easternDeploy: ${problems.join('; ')}")
    }
    echo("easternDeploy: ${project} to ${environment} (namespace ${namespace}) on ${route.clusters.join(', ')}")

    if (route.protected) {
        easternApprove('Deploy', route, environment, project, config)
    }
    Map results = [:]
    lock(resource: "eastern-${environment}-${project}", inversePrecedence: true) {
        if (config.milestone) {
            milestone(label: "eastern-${environment}-${project}")
        }
        easternOnClusters(route) { String cluster ->
            String commit = ''
            if (config.checkout) {
                Map scmVars = checkout(scm)
                commit = scmVars?.GIT_COMMIT ?: ''
            }
            String resultFile = ".eastern/deploy-${cluster}.json"
            List<String> clusterEnv = [
                "EASTERN_TARGET_CLUSTER=${cluster}",
                "EASTERN_RESULT_FILE=${resultFile}",
                "GIT_COMMIT=${commit}",           // recorded in the release; empty unsets it
            ]
            withEnv(shellEnv + clusterEnv) {
                int status = sh(script: easternDeployScript(), returnStatus: true, label: "eastern deploy (${cluster})")
                results[cluster] = [status: status, revision: easternReadRevision(resultFile), commit: commit]
            }
        }
    }

    easternDescribe(easternSummary(environment, route.clusters, results, ''))
    String what = "deploying ${project} to ${environment}"
    String failures = easternFailures('easternDeploy', what, route.clusters, results)
    if (failures) {
        error(failures)
    }
    return results
}

/**
 * The only shell the step runs: constant text; every value arrives in an environment
 * variable set by withEnv and is expanded inside double quotes, never parsed as shell.
 */
@NonCPS
String easternDeployScript() {
    return '''#!/bin/sh
set -eu
if [ "${EASTERN_CLUSTER:-}" != "$EASTERN_TARGET_CLUSTER" ]; then
  echo "eastern: this node serves cluster '${EASTERN_CLUSTER:-none}', not '$EASTERN_TARGET_CLUSTER'" >&2
  echo "eastern: its agent runs: eastern agent start --config agents/$EASTERN_TARGET_CLUSTER.yaml" >&2
  exit 78
fi
set -- --output json --timeout "$EASTERN_TIMEOUT" "--name=$EASTERN_PROJECT"
i=0
while [ "$i" -lt "$EASTERN_VAR_COUNT" ]; do
  eval 'value=${EASTERN_VAR_'"$i"'}'
  set -- "$@" "--set=$value"
  i=$((i + 1))
done
if [ "$EASTERN_PRUNE" = true ]; then set -- "$@" --prune; fi
if [ "$EASTERN_ROLLBACK_ON_FAILURE" = true ]; then set -- "$@" --rollback-on-failure; fi
mkdir -p "$(dirname "$EASTERN_RESULT_FILE")"
exec "${EASTERN_BIN:-eastern}" deploy "$@" -- "$EASTERN_FILE" "$EASTERN_NAMESPACE" > "$EASTERN_RESULT_FILE"
'''
}

// ---- Shared by easternDeploy, easternRollback and easternDiff (partials/common.hbs) ----

/** The environments, in the order of the EASTERN_ENVIRONMENT choice (the first is the default). */
@NonCPS
List<String> environments() {
    return ['dev', 'staging', 'production']
}

/** The EASTERN_ENVIRONMENT choice parameter, for jobs that call properties() themselves. */
def environmentParameter() {
    return choice(name: 'EASTERN_ENVIRONMENT', choices: environments(), description: easternParameterDescription())
}

/** Where each choice deploys, shown under the parameter. */
@NonCPS
String easternParameterDescription() {
    List<String> targets = [
        'dev (kube1)',
        'staging (kube1, kube2)',
        'production (gke, kube2; needs approval)',
    ]
    return "Where eastern deploys: ${targets.join(', ')}. Generated from agents/*.yaml."
}

/** Where each environment deploys: one cluster, or several in parallel branches. */
@NonCPS
Map easternEnvironments() {
    return [
        'dev': [
            'clusters': ['kube1'],
            'label': 'eastern-env-dev',
            'clusterLabels': ['kube1': 'eastern-cluster-kube1'],
            'protected': false,
            'approvers': [],
        ],
        'staging': [
            'clusters': ['kube1', 'kube2'],
            'label': 'eastern-env-staging',
            'clusterLabels': ['kube1': 'eastern-cluster-kube1', 'kube2': 'eastern-cluster-kube2'],
            'protected': false,
            'approvers': [],
        ],
        'production': [
            'clusters': ['gke', 'kube2'],
            'label': 'eastern-env-production',
            'clusterLabels': ['gke': 'eastern-cluster-gke', 'kube2': 'eastern-cluster-kube2'],
            'protected': true,
            'approvers': ['release-managers'],
        ],
    ]
}

/** Namespace globs each cluster's agent accepts (`!glob` excludes); checked before any node is taken. */
@NonCPS
Map easternClusterNamespaces() {
    return [
        'gke': ['production', 'shop-*', 'payments'],
        'kube1': ['*', '!kube-*'],
        'kube2': ['*', '!kube-*', '!default'],
    ]
}

/** The chosen environment: the `environment` argument, else the build parameter. */
String easternResolveEnvironment(String step, Object requested) {
    String chosen = requested ?: params.EASTERN_ENVIRONMENT ?: ''
    if (!chosen) {
        error("${step}: no environment chosen. This build has just registered the EASTERN_ENVIRONMENT " +
            "parameter: run the job again with 'Build with Parameters', or pass environment: '<name>' to ${step}. " +
            "Environments: ${environments().join(', ')}.")
    }
    if (!easternEnvironments().containsKey(chosen)) {
        error("${step}: unknown environment '${chosen}'. Known environments: ${environments().join(', ')} " +
            '(from agents/*.yaml). Choose one of them, or add an agent that serves it and run ' +
            '`eastern library generate`.')
    }
    return chosen
}

/** Unknown argument names and values of the wrong type, as messages. */
@NonCPS
List<String> easternArgumentProblems(Map args, Map defaults) {
    List<String> problems = []
    for (Object key : args.keySet()) {
        String name = key
        if (!defaults.containsKey(name)) {
            problems.add("unknown argument '${name}' (known: ${defaults.keySet().join(', ')})".toString())
            continue
        }
        Object value = args[key]
        Object example = defaults[name]
        if (value == null) {
            continue
        }
        if (example instanceof Boolean && !(value instanceof Boolean)) {
            problems.add("${name} must be true or false, got '${value}'".toString())
        } else if (example instanceof Integer && !(value.toString() ==~ /\d{1,9}/)) {
            problems.add("${name} must be a whole number, got '${value}'".toString())
        } else if (example instanceof Map && !(value instanceof Map)) {
            problems.add("${name} must be a map such as [KEY: 'value'], got '${value}'".toString())
        } else if (!(example instanceof Boolean || example instanceof Integer || example instanceof Map) &&
            !(value instanceof CharSequence || value instanceof Number)) {
            problems.add("${name} must be a string, got '${value}'".toString())
        }
    }
    return problems
}

/** Whether `namespace` matches one plain glob and no `!glob` (same rule as the agent). */
@NonCPS
boolean easternNamespaceAllowed(List<String> globs, String namespace) {
    boolean allowed = false
    for (String glob : globs) {
        boolean exclude = glob.startsWith('!')
        String pattern = exclude ? glob.substring(1) : glob
        String regex = pattern.replace('*', '.*').replace('?', '.')
        if (namespace ==~ regex) {
            if (exclude) {
                return false
            }
            allowed = true
        }
    }
    return allowed
}

/** Problems with the namespace on any of the clusters it would go to. */
@NonCPS
List<String> easternNamespaceProblems(String namespace, List<String> clusters) {
    List<String> problems = []
    if (!(namespace ==~ /[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/)) {
        problems.add(("namespace must be a Kubernetes namespace name (lower-case letters, digits, '-'), " +
            "got '${namespace}'").toString())
        return problems
    }
    Map allowed = easternClusterNamespaces()
    for (String cluster : clusters) {
        List<String> globs = allowed[cluster]
        if (!easternNamespaceAllowed(globs, namespace)) {
            problems.add(("namespace '${namespace}' is not allowed on cluster ${cluster} (its agent accepts: " +
                "${globs.join(', ')}; see agents/${cluster}.yaml kubernetes.namespaces)").toString())
        }
    }
    return problems
}

/** Whether a template variable value is flat (variables are strings). */
@NonCPS
boolean easternFlatValue(Object value) {
    return value instanceof CharSequence || value instanceof Number || value instanceof Boolean
}

/**
 * Template variables as environment entries: EASTERN_VAR_COUNT and EASTERN_VAR_<i> = KEY=VALUE.
 * The shell script turns each into one --set argument, so values never pass through shell parsing.
 */
@NonCPS
List<String> easternVariableEnv(Map vars, Object imageTag, List<String> problems) {
    List<String> entries = []
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
        } else if (!easternFlatValue(value)) {
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
    entries.add("EASTERN_VAR_COUNT=${assignments.size()}".toString())
    for (int i = 0; i < assignments.size(); i++) {
        entries.add("EASTERN_VAR_${i}=${assignments[i]}".toString())
    }
    return entries
}

/**
 * The project: the unit of release, lock and prune. Explicit, else the template's folder
 * (as the CLI does), else the job (the repository for multibranch jobs).
 */
@NonCPS
String easternProjectName(Object explicit, String file, String jobName, String branchName, List<String> problems) {
    if (explicit != null) {
        String name = explicit
        if (!(name ==~ /[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?/)) {
            problems.add("project must be lower-case letters, digits and '-' (at most 53), got '${name}'".toString())
        }
        return name
    }
    List<String> folders = file.tokenize('/')
    String source = folders.size() > 1 ? folders[-2] : ''
    if (!source || source == '.') {
        List<String> parts = (jobName ?: 'project').tokenize('/')
        source = branchName && parts.size() > 1 ? parts[-2] : parts[-1]
    }
    String name = URLDecoder.decode(source, 'UTF-8').toLowerCase().replaceAll(/[^a-z0-9-]+/, '-')
    name = name.replaceAll(/^-+/, '').replaceAll(/-+$/, '')
    if (name.length() > 53) {
        name = name.substring(0, 53).replaceAll(/-+$/, '')
    }
    if (!name) {
        problems.add("cannot derive a project name from '${source}'; pass project: 'name'".toString())
    }
    return name
}

/** Problems with a template path given to the CLI. */
@NonCPS
List<String> easternFileProblems(String file) {
    List<String> problems = []
    if (!file || file.startsWith('-') || file.contains('\n')) {
        problems.add("file must be a template path such as 'kubernetes.yaml', got '${file}'".toString())
    }
    return problems
}

/** Approval for a protected environment: outside any node, inside a timeout. */
void easternApprove(String verb, Map route, String environment, String project, Map config) {
    if (config.milestone) {
        milestone(label: "eastern-${environment}-${project} approval")
    }
    Map request = [
        message: "${verb} ${project} to ${environment} (${route.clusters.join(', ')})?".toString(),
        ok: verb,
    ]
    if (route.approvers) {
        request.submitter = route.approvers.join(',')
    }
    timeout(time: config.approvalTimeoutMinutes as int, unit: 'MINUTES') {
        input(request)
    }
}

/**
 * Runs body(cluster) on the agent of each cluster serving the route: on the environment
 * label when one cluster serves it, else in parallel branches, one per cluster label.
 * Every branch runs to its end (failFast: false) so no rollout is cut off half-way.
 */
void easternOnClusters(Map route, Closure body) {
    List<String> clusters = route.clusters
    if (clusters.size() == 1) {
        String only = clusters[0]
        node(route.label) {
            body(only)
        }
        return
    }
    Map branches = [failFast: false]
    for (int i = 0; i < clusters.size(); i++) {
        String cluster = clusters[i]
        String label = route.clusterLabels[cluster]
        branches[cluster] = {
            node(label) {
                body(cluster)
            }
        }
    }
    parallel(branches)
}

/** What an exit status of the eastern CLI (or of the step's shell script) means. */
@NonCPS
String easternExitMessage(int status) {
    switch (status) {
        case 0: return 'done'
        case 1: return 'exit 1: invalid input, or the cluster refused; nothing further was applied'
        case 2: return 'exit 2: the rollout did not finish before the timeout'
        case 3: return 'exit 3: the rollout failed'
        case 64: return 'exit 64: the eastern CLI on the agent rejected the arguments (is it older than this library?)'
        case 78: return 'exit 78: this node is not the eastern agent of that cluster (EASTERN_CLUSTER differs)'
        case 126: return 'exit 126: eastern is not executable on the agent'
        case 127: return 'exit 127: eastern is not installed on the agent (not on PATH, EASTERN_BIN unset)'
        default: return "exit ${status}".toString()
    }
}

/** The release revision from the JSON the CLI prints with --output json ('' when absent). */
@NonCPS
String easternRevision(String json) {
    if (!json?.trim()) {
        return ''
    }
    Object parsed
    try {
        parsed = new groovy.json.JsonSlurperClassic().parseText(json)
    } catch (groovy.json.JsonException ignored) {
        return ''
    }
    if (!(parsed instanceof Map)) {
        return ''
    }
    Object revision = parsed.revision
    if (revision == null && parsed.release instanceof Map) {
        revision = parsed.release.revision
    }
    return revision == null ? '' : revision.toString()
}

/** Reads the result file the step's shell script wrote, on the current node. */
String easternReadRevision(String file) {
    if (!fileExists(file)) {
        return ''
    }
    return easternRevision(readFile(file))
}

/** One line for the build description: environment, each cluster's outcome, commit. */
@NonCPS
String easternSummary(String environment, List<String> clusters, Map results, String suffix) {
    List<String> parts = []
    for (String key : clusters) {
        Map result = results[key]
        String outcome
        if (result == null) {
            outcome = 'not run'
        } else if (result.status == 0) {
            outcome = result.revision ? "rev ${result.revision}" : 'ok'
        } else {
            outcome = "FAILED (exit ${result.status})"
        }
        parts.add("${key} ${outcome}".toString())
    }
    String commit = ''
    for (String key : clusters) {
        Map result = results[key]
        if (!commit && result?.commit) {
            commit = result.commit.toString().take(12)
        }
    }
    String text = "${environment}${suffix}: ${parts.join(', ')}"
    return commit ? "${text} @ ${commit}".toString() : text.toString()
}

/** Failed clusters as one message, or '' when every cluster succeeded. */
@NonCPS
String easternFailures(String step, String what, List<String> clusters, Map results, Map meanings = [:]) {
    List<String> failed = []
    List<String> succeeded = []
    for (String key : clusters) {
        Map result = results[key]
        if (result == null) {
            failed.add("${key} (did not run)".toString())
        } else if (result.status == 0) {
            succeeded.add(key.toString())
        } else {
            String meaning = meanings[result.status] ?: easternExitMessage(result.status as int)
            failed.add("${key} (${meaning})".toString())
        }
    }
    if (!failed) {
        return ''
    }
    String message = "${step}: ${what} failed on ${failed.join(', ')}"
    if (succeeded) {
        message += "; it succeeded on ${succeeded.join(', ')}"
    }
    return "${message}. The [cluster/namespace] lines above show why.".toString()
}

/** Appends to the build description, so several steps in one build all show. */
void easternDescribe(String summary) {
    String current = currentBuild.description
    currentBuild.description = current ? "${current}; ${summary}".toString() : summary
}
