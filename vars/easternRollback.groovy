// GENERATED FILE - do not edit. Made by `eastern library generate` from
// src/library/templates/easternRollback.groovy.hbs; change it and run `eastern library generate`
// (CI runs it with --check). The fleet's data is in vars/easternFleet.groovy only.

/*
 * easternRollback: re-apply an earlier release of a project with `eastern rollback` on the
 * agent of every cluster that serves the chosen environment, then wait for the rollout.
 * Same routing, approval and lock as easternDeploy; no checkout. Help: vars/easternRollback.txt.
 *
 *   easternRollback()                                 // last good revision before the current one
 *   easternRollback(project: 'shop', to: 12)
 *
 * Returns a map: cluster name -> [status: 0, revision: '14', commit: '', error: null].
 */
def call(Map args = [:]) {
    Map defaults = [
        project: null,                   // default: derived from file, as easternDeploy does
        file: 'kubernetes.yaml',         // only used to derive the project name
        namespace: null,                 // default: the environment name
        environment: null,               // default: the EASTERN_ENVIRONMENT build parameter
        to: null,                        // revision to restore; default: the last good one before the current
        timeout: 300,                    // rollout timeout in seconds, 0 = none
        registerParameter: false,        // true: properties([parameters([EASTERN_ENVIRONMENT])]), replacing the job's
        supersede: true,                 // skip when a newer build of the job took this environment and project
        approvalTimeoutMinutes: 60,      // how long a protected rollback waits for approval
        nodeTimeoutMinutes: 15,          // how long to wait for each cluster's agent, 0 = for ever
    ]
    Map request = eastern.request('easternRollback', args, defaults)
    String title = "${request.project} in ${request.environment}"
    Map how = [approve: 'Roll back', title: title, describe: true, what: "rolling back ${title}"]
    return eastern.run(request, how) { String cluster, String commit ->
        eastern.runCli(request, 'rollback', cluster, commit)
    }
}
