package eastern.jenkins

import com.cloudbees.groovy.cps.NonCPS
import groovy.json.JsonException
import groovy.json.JsonSlurper

/**
 * What each cluster's run came to, in words: the build description, the error that fails
 * the build, the revision the CLI reported. A cluster's result is a map [status: exit
 * status or null, revision:, commit:, error: the exception when the run did not get to an
 * exit status (checkout, lost agent, no agent in time)].
 */
class Outcomes implements Serializable {

    private static final long serialVersionUID = 1L

    /** What an exit status of the eastern CLI (or of the step's shell script) means. */
    @NonCPS
    static String exitMessage(int status) {
        switch (status) {
            case 0: return 'done'
            case 1: return 'exit 1: invalid input, or the cluster refused; nothing further was applied'
            case 2: return 'exit 2: the rollout did not finish before the timeout'
            case 3: return 'exit 3: the rollout failed'
            case 64: return 'exit 64: the eastern CLI on the agent rejected the arguments (older than this library?)'
            case 78: return 'exit 78: this node is not the eastern agent of that cluster (EASTERN_CLUSTER differs)'
            case 126: return 'exit 126: eastern is not executable on the agent'
            case 127: return 'exit 127: eastern is not installed on the agent (not on PATH, EASTERN_BIN unset)'
            default: return "exit ${status}".toString()
        }
    }

    /**
     * The release revision from the JSON the CLI prints with --output json ('' when absent).
     * JsonSlurper (whitelisted) rather than JsonSlurperClassic; its lazy maps never leave this method.
     */
    @NonCPS
    static String revision(String json) {
        if (!json?.trim()) {
            return ''
        }
        Object parsed
        try {
            parsed = new JsonSlurper().parseText(json)
        } catch (JsonException ignored) {
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

    /** The result of a cluster whose run ended in an exception instead of an exit status. */
    @NonCPS
    static Map failed(Object error, String commit) {
        return [status: null, revision: '', commit: commit ?: '', error: String.valueOf(error)]
    }

    @NonCPS
    private static String outcome(Map result, boolean brief) {
        if (result == null) {
            return brief ? 'not run' : 'did not run'
        }
        if (result.error) {
            String error = result.error
            return brief ? "FAILED (${error.length() > 80 ? error.substring(0, 77) + '...' : error})".toString() : error
        }
        if (result.status == 0) {
            return result.revision ? "rev ${result.revision}".toString() : 'ok'
        }
        return brief ? "FAILED (exit ${result.status})".toString() : exitMessage(result.status as int)
    }

    /** One line for the build description, e.g. `shop to staging: kube1 rev 5, kube2 FAILED (exit 3) @ 1a2b3c4d5e`. */
    @NonCPS
    static String summary(String title, List<String> clusters, Map results) {
        List<String> parts = []
        String commit = ''
        for (String key : clusters) {
            Map result = results[key]
            parts.add("${key} ${outcome(result, true)}".toString())
            if (!commit && result?.commit) {
                String full = result.commit
                commit = full.length() > 12 ? full.substring(0, 12) : full
            }
        }
        String text = "${title}: ${parts.join(', ')}"
        return commit ? "${text} @ ${commit}".toString() : text.toString()
    }

    /** Every failed cluster (exit status or exception) as one message, or '' when all succeeded. */
    @NonCPS
    static String failures(String what, List<String> clusters, Map results, Map meanings) {
        List<String> failed = []
        List<String> succeeded = []
        for (String key : clusters) {
            Map result = results[key]
            if (result != null && !result.error && result.status == 0) {
                succeeded.add(key)
            } else {
                String meaning = result?.status != null ? meanings[result.status] : null
                failed.add("${key} (${meaning ?: outcome(result, false)})".toString())
            }
        }
        if (!failed) {
            return ''
        }
        String message = "${what} failed on ${failed.join(', ')}"
        if (succeeded) {
            message += "; it succeeded on ${succeeded.join(', ')}"
        }
        return "${message}. The [cluster/namespace] lines above show why.".toString()
    }
}
