// GENERATED FILE - do not edit. Made by `eastern library generate` from
// src/library/templates/easternDeploy.groovy.hbs; change it and run `eastern library generate`
// (CI runs it with --check). The fleet's data is in vars/easternFleet.groovy only.

/*
 * easternDeploy: render and deploy Kubernetes templates with `eastern deploy` on the Jenkins
 * agent of every cluster that serves the chosen environment. Help: vars/easternDeploy.txt.
 *
 *   easternDeploy()                                   // EASTERN_ENVIRONMENT parameter, ./kubernetes.yaml
 *   easternDeploy(file: 'deploy/app.yaml', imageTag: env.GIT_COMMIT, vars: [REPLICAS: '3'])
 *
 * Returns a map: cluster name -> [status: 0, revision: '12', commit: '...', error: null].
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
        checkout: true,                  // check out `scm` (once, then stashed to every cluster)
        registerParameter: false,        // true: properties([parameters([EASTERN_ENVIRONMENT])]), replacing the job's
        supersede: true,                 // skip when a newer build of the job took this environment and project
        approvalTimeoutMinutes: 60,      // how long a protected deploy waits for approval
        nodeTimeoutMinutes: 15,          // how long to wait for each cluster's agent, 0 = for ever
    ]
    Map request = eastern.request('easternDeploy', args, defaults)
    String title = "${request.project} to ${request.environment}"
    Map how = [approve: 'Deploy', title: title, describe: true, what: "deploying ${title}"]
    return eastern.run(request, how) { String cluster, String commit ->
        eastern.runCli(request, 'deploy', cluster, commit)
    }
}
