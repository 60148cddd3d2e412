// GENERATED FILE - do not edit. Made by `eastern library generate` from
// src/library/templates/easternDiff.groovy.hbs; change it and run `eastern library generate`
// (CI runs it with --check). The fleet's data is in vars/easternFleet.groovy only.

/*
 * easternDiff: show what easternDeploy would change (`eastern diff`) on every cluster that
 * serves the chosen environment, in the build log. Read-only: no approval and no lock.
 * Help: vars/easternDiff.txt.
 *
 *   easternDiff()
 *   easternDiff(environment: 'production', failOnChanges: true)   // drift gate
 *
 * Returns a map: cluster name -> [status: 0, revision: '', commit: '...', error: null].
 */
def call(Map args = [:]) {
    Map defaults = [
        file: 'kubernetes.yaml',         // top-level template, relative to the checkout
        namespace: null,                 // default: the environment name
        environment: null,               // default: the EASTERN_ENVIRONMENT build parameter
        vars: [:],                       // template variables, each passed as --set KEY=VALUE
        imageTag: null,                  // sets the IMAGE_TAG variable
        project: null,                   // default: template folder, else the job
        checkout: true,                  // check out `scm` (once, then stashed to every cluster)
        registerParameter: false,        // true: properties([parameters([EASTERN_ENVIRONMENT])]), replacing the job's
        failOnChanges: false,            // fail the build when a cluster differs (eastern diff --exit-code)
        nodeTimeoutMinutes: 15,          // how long to wait for each cluster's agent, 0 = for ever
    ]
    Map request = eastern.request('easternDiff', args, defaults)
    String title = "${request.project} in ${request.environment}"
    String differs = 'exit 1: it differs from the templates, or the diff itself failed'
    Map meanings = request.config.failOnChanges ? [1: differs] : [:]
    Map how = [title: title, describe: false, what: "diff of ${title}", meanings: meanings]
    return eastern.run(request, how) { String cluster, String commit ->
        eastern.runCli(request, 'diff', cluster, commit)
    }
}
