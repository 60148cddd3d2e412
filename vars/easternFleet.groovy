// GENERATED FILE - do not edit. Made by `eastern library generate` from the fleet
// (agents/gke.yaml, agents/kube1.yaml, agents/kube2.yaml), the CLI's project-name rule (src/project/name.ts) and
// src/library/templates/easternFleet.groovy.hbs. Change those and run `eastern library generate`;
// CI runs it with --check. The one file that changes with agents/ (besides the help pages).
import com.cloudbees.groovy.cps.NonCPS

/*
 * easternFleet: the routing table of the eastern steps, as data (nothing is read at run time).
 *
 *   properties([parameters([easternFleet.environmentParameter(), string(name: 'MINE')]), buildDiscarder(...)])
 */

/** The environments, in the order of the EASTERN_ENVIRONMENT choice (the first is the default). */
@NonCPS
List<String> environments() {
    return ['dev', 'staging', 'production']
}

/** The EASTERN_ENVIRONMENT choice parameter, to put in the job's own properties([parameters([...])]). */
def environmentParameter() {
    return choice(name: 'EASTERN_ENVIRONMENT', choices: environments(), description: parameterDescription())
}

/** Where each choice deploys, shown under the parameter. */
@NonCPS
String parameterDescription() {
    List<String> targets = [
        'dev (kube1)',
        'staging (kube1, kube2)',
        'production (gke, kube2; needs approval)',
    ]
    return "Where eastern deploys: ${targets.join(', ')}. Generated from agents/*.yaml."
}

/** Where each environment deploys: one cluster (its environment label), or several in parallel branches. */
@NonCPS
Map routes() {
    return [
        'dev': [
            clusters: ['kube1'],
            label: 'eastern-env-dev',
            clusterLabels: ['kube1': 'eastern-cluster-kube1'],
            'protected': false,
            approvers: [],
        ],
        'staging': [
            clusters: ['kube1', 'kube2'],
            label: 'eastern-env-staging',
            clusterLabels: ['kube1': 'eastern-cluster-kube1', 'kube2': 'eastern-cluster-kube2'],
            'protected': false,
            approvers: [],
        ],
        'production': [
            clusters: ['gke', 'kube2'],
            label: 'eastern-env-production',
            clusterLabels: ['gke': 'eastern-cluster-gke', 'kube2': 'eastern-cluster-kube2'],
            'protected': true,
            approvers: ['release-managers'],
        ],
    ]
}

/** Namespace globs each cluster's agent accepts (`!glob` excludes); checked before any node is taken. */
@NonCPS
Map clusterNamespaces() {
    return [
        'gke': ['production', 'shop-*', 'payments'],
        'kube1': ['*', '!kube-*'],
        'kube2': ['*', '!kube-*', '!default'],
    ]
}

/** The CLI's rule for project names (src/project/name.ts): a regex for the whole name, and its longest length. */
@NonCPS
Map projectNameRule() {
    return [pattern: '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?', maxLength: 63]
}
