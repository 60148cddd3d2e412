// GENERATED FILE - do not edit. Made by `eastern library generate` from
// src/library/templates/eastern.groovy.hbs; change it and run `eastern library generate`
// (CI runs it with --check). The fleet's data is in vars/easternFleet.groovy only.
import eastern.jenkins.Checks
import eastern.jenkins.Outcomes

/*
 * eastern: the code easternDeploy, easternRollback and easternDiff share (internal; the
 * steps are the interface). Validation lives in src/eastern/jenkins (@NonCPS classes), the
 * fleet's routing table in the generated easternFleet.
 */

/**
 * A step's request, every problem found before any approval, lock or node: arguments, the
 * environment, namespace and project, the options for the shell, and whether `scm` exists.
 */
Map request(String step, Map args, Map defaults) {
    fail(step, Checks.argumentProblems(args, defaults))
    Map config = defaults + args
    if (config.registerParameter) {
        // Replaces the job's properties: only for jobs with none of their own (see the help page).
        properties([parameters([easternFleet.environmentParameter()])])
    }
    String environment = resolveEnvironment(step, config.environment)
    Map route = easternFleet.routes()[environment]
    String namespace = config.namespace ?: environment
    List<String> problems = Checks.namespaceProblems(namespace, route.clusters, easternFleet.clusterNamespaces())
    Map job = [name: env.JOB_NAME, branch: env.BRANCH_NAME]
    String project = Checks.projectName(config.project, config.file, job, easternFleet.projectNameRule(), problems)
    List<String> shellEnv = [
        "EASTERN_ENVIRONMENT=${environment}".toString(),
        "EASTERN_NAMESPACE=${namespace}".toString(),
        "EASTERN_PROJECT=${project}".toString(),
    ]
    shellEnv.addAll(Checks.optionEnv(config, defaults, problems))
    if (config.checkout && !scmAvailable()) {
        problems.add('checkout: this job has no `scm` (only Multibranch and "Pipeline script from SCM" jobs have ' +
            'one); check out the source yourself and pass checkout: false')
    }
    fail(step, problems)
    return [step: step, config: config, environment: environment, route: route, namespace: namespace,
            project: project, shellEnv: shellEnv, key: "${environment}/${project}".toString()]
}

/** Fails the build with every problem in one message (empty strings are no problem). */
void fail(String step, List<String> problems) {
    String message = Checks.joined(problems)
    if (message) {
        error("${step}: ${message}")
    }
}

/** Whether the job has `scm` (Jenkins throws for jobs whose script is not from SCM). */
@SuppressWarnings('CatchException')
boolean scmAvailable() {
    try {
        return scm != null
    } catch (Exception ignored) {
        return false
    }
}

/** The chosen environment: the `environment` argument, else the build parameter. */
String resolveEnvironment(String step, Object requested) {
    String chosen = requested ?: params.EASTERN_ENVIRONMENT ?: ''
    List<String> known = easternFleet.environments()
    if (!chosen) {
        error("${step}: no environment chosen: pass environment: '<name>', or give the job the " +
            'EASTERN_ENVIRONMENT parameter, e.g. properties([parameters([easternFleet.environmentParameter()])]) ' +
            "with your own properties, then run it with 'Build with Parameters'. Environments: ${known.join(', ')}.")
    }
    if (!known.contains(chosen)) {
        error("${step}: unknown environment '${chosen}'. Known environments: ${known.join(', ')} " +
            '(from agents/*.yaml). Choose one of them, or add an agent that serves it and run ' +
            '`eastern library generate`.')
    }
    return chosen
}

/**
 * Approval (protected environments) and the lock of environment and project around body().
 * A newer build of this job that already took this lock supersedes this one: the deploy is
 * skipped rather than rolling the environment back (per environment, unlike `milestone`).
 */
void exclusive(Map request, String verb, Closure body) {
    Integer newer = supersededBy(request)
    if (newer == null && request.route.protected) {
        approve(verb, request)
        newer = supersededBy(request)
    }
    if (newer == null) {
        lock(resource: "eastern-${request.environment}-${request.project}", inversePrecedence: true) {
            newer = supersededBy(request)
            if (newer == null) {
                env.EASTERN_LOCKED = Checks.addListed(env.EASTERN_LOCKED, request.key)
                body()
            }
        }
    }
    if (newer != null) {
        request.supersededBy = newer
        echo("${request.step}: skipped: build #${newer} of this job already took ${request.key} (newer builds win)")
    }
}

/** The number of a newer build of this job that took the lock for the same environment and project. */
Integer supersededBy(Map request) {
    if (!request.config.supersede) {
        return null
    }
    def build = currentBuild.nextBuild
    while (build != null) {
        if (Checks.listed(build.buildVariables.EASTERN_LOCKED, request.key)) {
            return build.number
        }
        build = build.nextBuild
    }
    return null
}

/** Approval for a protected environment: outside any node, inside a timeout, approvers from the fleet. */
void approve(String verb, Map request) {
    Map route = request.route
    String clusters = route.clusters.join(', ')
    Map ask = [message: "${verb} ${request.project} to ${request.environment} (${clusters})?".toString(), ok: verb]
    if (route.approvers) {
        ask.submitter = route.approvers.join(',')
    }
    timeout(time: request.config.approvalTimeoutMinutes as int, unit: 'MINUTES') {
        input(ask)
    }
}

/**
 * The phases every step shares: approval and lock (`how.approve`: the verb; none for a
 * read-only step), the clusters, then the outcome: the description (even when the build is
 * aborted) and one error naming every failed cluster, after all of them finished.
 */
Map run(Map request, Map how, Closure body) {
    echo("${request.step}: ${how.title} (namespace ${request.namespace}) on ${request.route.clusters.join(', ')}")
    request.results = [:]
    try {
        if (how.approve) {
            exclusive(request, how.approve) {
                onClusters(request, body)
            }
        } else {
            onClusters(request, body)
        }
    } finally {
        if (request.supersededBy != null) {
            describe("${how.title}: skipped, build #${request.supersededBy} took it".toString())
        } else if (how.describe) {
            describe(Outcomes.summary(how.title, request.route.clusters, request.results))
        }
    }
    if (request.supersededBy == null) {
        fail(request.step, [Outcomes.failures(how.what, request.route.clusters, request.results, how.meanings ?: [:])])
    }
    return request.results
}

/**
 * Runs body(cluster, commit) on the agent of each cluster of the route (several: parallel
 * branches, each to its end), keeping every cluster's result in request.results, an
 * exception included. Several clusters deploy the same source: checked out once, then
 * stashed to each.
 */
@SuppressWarnings('CatchException')    // an infrastructure failure is a cluster's outcome, not the end of the others
void onClusters(Map request, Closure body) {
    List<String> clusters = request.route.clusters
    Map source = [commit: '', stash: '']
    if (request.config.checkout && clusters.size() > 1) {
        try {
            source = fetchSource(request, clusters[0])
        } catch (InterruptedException e) {
            throw e
        } catch (Exception e) {
            for (String cluster : clusters) {
                request.results[cluster] = Outcomes.failed("checkout on ${clusters[0]}: ${e}", '')
            }
            return
        }
    }
    if (clusters.size() == 1) {
        onCluster(request, clusters[0], request.route.label, source, body)
        return
    }
    Map branches = [failFast: false]
    for (String cluster : clusters) {
        String name = cluster
        branches[name] = { onCluster(request, name, request.route.clusterLabels[name], source, body) }
    }
    parallel(branches)
}

/** `checkout scm` once, on the first cluster's agent; the others unstash what it got. */
Map fetchSource(Map request, String cluster) {
    Map source = [commit: '', stash: "eastern-source-${request.project}".toString()]
    onNode(request, cluster, request.route.clusterLabels[cluster]) {
        source.commit = checkout(scm)?.GIT_COMMIT ?: ''
        stash(name: source.stash, useDefaultExcludes: true)
    }
    return source
}

@SuppressWarnings('CatchException')
void onCluster(Map request, String cluster, String label, Map source, Closure body) {
    String commit = source.commit
    try {
        onNode(request, cluster, label) {
            if (source.stash) {
                unstash(source.stash)
            } else if (request.config.checkout) {
                commit = checkout(scm)?.GIT_COMMIT ?: ''
            }
            request.results[cluster] = body(cluster, commit)
        }
    } catch (InterruptedException e) {
        request.results[cluster] = Outcomes.failed('aborted', commit)
        throw e
    } catch (Exception e) {
        request.results[cluster] = Outcomes.failed(e, commit)
    }
}

/**
 * node(label), waiting at most nodeTimeoutMinutes for an executor (0 = for ever): a watchdog
 * branch fails the wait, naming the label and the agent to start. The body itself has no limit.
 */
void onNode(Map request, String cluster, String label, Closure body) {
    int minutes = request.config.nodeTimeoutMinutes as int
    if (minutes <= 0) {
        node(label) {
            body()
        }
        return
    }
    Map wait = [allocated: false]
    long deadline = System.currentTimeMillis() + minutes * 60000L
    Map branches = [failFast: true]
    branches[cluster] = {
        node(label) {
            wait.allocated = true
            body()
        }
    }
    branches["${cluster}: waiting for an agent".toString()] = {
        waitUntil(initialRecurrencePeriod: 1000, quiet: true) {
            wait.allocated || System.currentTimeMillis() > deadline
        }
        if (!wait.allocated) {
            error("no agent with label ${label} took the job within ${minutes} minutes; is the agent of ${cluster} " +
                "running? Start it on its host: eastern agent start --config agents/${cluster}.yaml")
        }
    }
    parallel(branches)
}

/** Runs `eastern <command>` for one cluster with the constant script of resources/eastern/<command>.sh. */
Map runCli(Map request, String command, String cluster, String commit) {
    String resultFile = ".eastern/${command}-${cluster}.json"
    List<String> clusterEnv = [
        "EASTERN_TARGET_CLUSTER=${cluster}".toString(),
        "EASTERN_RESULT_FILE=${resultFile}".toString(),
        "GIT_COMMIT=${commit}".toString(),    // recorded in the release; empty unsets it
    ]
    int status = 0
    withEnv(request.shellEnv + clusterEnv) {
        String script = libraryResource("eastern/${command}.sh")
        status = sh(script: script, returnStatus: true, label: "eastern ${command} (${cluster})")
    }
    String revision = fileExists(resultFile) ? Outcomes.revision(readFile(resultFile)) : ''
    return [status: status, revision: revision, commit: commit, error: null]
}

/** Appends to the build description, so several steps in one build all show. */
void describe(String summary) {
    String current = currentBuild.description
    currentBuild.description = current ? "${current}; ${summary}".toString() : summary
}
