package eastern.harness

/**
 * One pipeline run: the steps it called (with the enclosing steps of each), the
 * environment stack (agent env + withEnv), a file system per workspace, and `sh`
 * that either answers from canned rules ("record") or runs for real ("exec").
 *
 * Scenario fields (all optional):
 *   params, env                    build parameters and job environment
 *   agents: [{name, labels, env, workspace}]  node(label) takes the first agent offering label
 *   strictNodes                    fail when no agent offers a label (else a bare node is made)
 *   sh: {mode: record|exec, rules: [{when: {VAR: value}, scriptContains, status, stdout,
 *        files: {path: text}, abort}]}     paths and texts in files may use ${VAR}
 *   input: approve | abort | timeout
 *   checkout: {vars: {GIT_COMMIT: ...}, from: dir}   from = folder copied into the workspace (exec)
 *   files: {path: text}            files present in every workspace (record mode)
 *   workspaceRoot                  exec mode: where agent workspaces are made
 */
class Pipeline {
    final Map scenario
    final File libraryRoot
    final List<Map> calls = []
    final List<String> log = []
    final Map<String, String> globalEnv = [:]
    final CurrentBuild currentBuild = new CurrentBuild()
    /** The enclosing steps of the thread being run (the driver swaps it per CPS thread). */
    List<Map> stack = []
    /** Virtual time in milliseconds, set by the driver. */
    long clock
    private final Map<String, Map<String, String>> virtualFiles = [:]
    private final Map<String, Map> stashes = [:]
    private int milestonesPassed = 0

    Pipeline(Map scenario, File libraryRoot) {
        this.scenario = scenario
        this.libraryRoot = libraryRoot
        (scenario.env ?: [:]).each { k, v -> globalEnv[k.toString()] = v.toString() }
        currentBuild.number = (scenario.buildNumber ?: 1) as int
        BuildInfo newer = null
        for (Map b : ((scenario.newerBuilds ?: []) as List<Map>).reverse()) {
            newer = new BuildInfo(number: b.number as int, buildVariables: (b.variables ?: [:]) as Map, nextBuild: newer)
        }
        currentBuild.nextBuild = newer
    }

    // ---- context ----

    private Map currentNode() {
        for (int i = stack.size() - 1; i >= 0; i--) {
            if (stack[i].kind == 'node') return stack[i]
        }
        return null
    }

    private List<String> parents() {
        return stack.collect { it.name as String }
    }

    /** Environment as a `sh` would see it: job env, params, agent env, then withEnv, innermost last. */
    Map<String, String> environment(boolean includeProcess) {
        Map<String, String> result = [:]
        if (includeProcess) result.putAll(System.getenv())
        result.putAll(globalEnv)
        (scenario.params ?: [:]).each { k, v -> result[k.toString()] = String.valueOf(v) }
        Map node = currentNode()
        if (node) {
            (node.agent.env ?: [:]).each { k, v -> result[k.toString()] = v.toString() }
            result.WORKSPACE = node.workspace.path
            result.NODE_NAME = node.agent.name.toString()
        }
        for (Map frame : stack) {
            if (frame.kind == 'withEnv') applyEnv(result, frame.entries as List<String>)
        }
        return result
    }

    /** Only what withEnv set, the way the step passes values to the shell. */
    Map<String, String> overlay() {
        Map<String, String> result = [:]
        for (Map frame : stack) {
            if (frame.kind == 'withEnv') applyEnv(result, frame.entries as List<String>)
        }
        return result
    }

    private static void applyEnv(Map<String, String> env, List<String> entries) {
        for (String entry : entries) {
            int eq = entry.indexOf('=')
            if (eq < 0) throw new StepError("withEnv: '${entry}' is not KEY=VALUE")
            String key = entry.substring(0, eq)
            String value = entry.substring(eq + 1)
            int plus = key.indexOf('+')
            if (value.isEmpty()) {
                // Like Jenkins' EnvVars.override: an empty value unsets the variable.
                env.remove(plus > 0 ? key.substring(0, plus) : key)
            } else if (plus > 0) {
                String base = key.substring(0, plus)
                env[base] = env[base] ? "${value}${File.pathSeparator}${env[base]}".toString() : value
            } else {
                env[key] = value
            }
        }
    }

    // ---- recording ----

    static Object plain(Object value) {
        if (value == null || value instanceof Boolean || value instanceof Number) return value
        if (value instanceof CharSequence) return value.toString()
        if (value instanceof Closure) return '<closure>'
        if (value instanceof Map) {
            Map out = [:]
            value.each { k, v -> out[String.valueOf(k)] = plain(v) }
            return out
        }
        if (value instanceof Collection || value instanceof Object[]) return value.collect { plain(it) }
        if (value instanceof Symbol) return [symbol: value.name, args: plain(value.args)]
        return String.valueOf(value)
    }

    private Map record(String name, Object[] args) {
        List<Object> rest = args.findAll { !(it instanceof Closure) } as List
        Object shown = rest.size() == 1 && rest[0] instanceof Map ? plain(rest[0]) : plain(rest)
        Map call = [step: name, args: shown, parents: parents(), node: currentNode()?.agent?.name]
        calls.add(call)
        return call
    }

    // ---- steps ----

    Object step(String name, Object[] args) {
        Map call = record(name, args)
        Closure body = args.length > 0 && args[-1] instanceof Closure ? (Closure) args[-1] : null
        Map named = args.length > 0 && args[0] instanceof Map ? (Map) args[0] : [:]
        Object first = args.length > 0 && !(args[0] instanceof Closure) ? args[0] : null
        switch (name) {
            case 'echo':
                log.add(String.valueOf(first))
                return null
            case 'error':
                throw new StepError(String.valueOf(first instanceof Map ? first.message : first))
            case 'milestone':
                return milestone(named)
            case 'sleep':
                long amount = (first instanceof Map ? named.time : first) as long
                String unit = first instanceof Map ? (named.unit ?: 'SECONDS') : 'SECONDS'
                return new Wait(why: [until: clock + millis(amount, unit)])
            case 'deleteDir':
                return null
            case 'stash':
                stashes[named.name.toString()] = snapshot()
                return null
            case 'unstash':
                String stashName = first instanceof Map ? named.name : first
                if (!stashes.containsKey(stashName)) throw new StepError("No such saved stash ‘${stashName}’")
                restore(stashes[stashName])
                return null
            case 'isUnix':
                return true
            case 'input':
                return input(call)
            case 'properties':
                return null
            case 'parameters':
            case 'choice':
            case 'string':
            case 'booleanParam':
            case 'text':
            case 'buildDiscarder':
            case 'logRotator':
            case 'disableConcurrentBuilds':
            case 'pipelineTriggers':
            case 'cron':
                return new Symbol(name: name, args: args.length == 1 ? args[0] : (args as List))
            case 'checkout':
                return checkout(call)
            case 'sh':
                return sh(call, first instanceof Map ? named : [script: first])
            case 'writeFile':
                writeFile(named.file.toString(), named.text.toString())
                return null
            case 'readFile':
                return readFile(first instanceof Map ? named.file.toString() : first.toString())
            case 'fileExists':
                return fileExists(first instanceof Map ? named.file.toString() : first.toString())
            case 'libraryResource':
                File resource = new File(libraryRoot, "resources/${first instanceof Map ? named.resource : first}")
                if (!resource.isFile()) throw new StepError("No such library resource ${first} could be found.")
                return resource.getText('UTF-8')
            default:
                throw new UnknownStep("harness: no step named '${name}' (a typo, or a step Jenkins does not have)")
        }
    }

    static long millis(long amount, String unit) {
        switch (unit) {
            case 'MILLISECONDS': return amount
            case 'SECONDS': return amount * 1000L
            case 'MINUTES': return amount * 60000L
            case 'HOURS': return amount * 3600000L
            case 'DAYS': return amount * 86400000L
            default: throw new StepError("timeout: unknown unit ${unit}")
        }
    }

    /** The start of a step's body: the call is recorded and its frame (what it gives the body) made. */
    Map enter(String name, Object[] args, long now) {
        Map call = record(name, args)
        Object first = args.length > 0 && !(args[0] instanceof Closure) ? args[0] : null
        Map named = first instanceof Map ? (Map) first : [:]
        switch (name) {
            case 'node':
                return node(call, first instanceof Map ? named.label : first)
            case 'stage':
                return [kind: 'stage', name: "stage:${first instanceof Map ? named.name : first}".toString()]
            case 'withEnv':
                return [kind: 'withEnv', name: 'withEnv', entries: (first as List).collect { it.toString() }]
            case 'lock':
                return [kind: 'lock', name: "lock:${first instanceof Map ? (named.resource ?: named.label) : first}".toString()]
            case 'timeout':
                long amount = (first instanceof Map ? named.time : first) as long
                return [kind: 'timeout', name: 'timeout', deadline: now + millis(amount, (named.unit ?: 'MINUTES').toString())]
            case 'dir':
                return [kind: 'dir', name: "dir:${first}".toString(), path: first.toString()]
            default:
                return [kind: name, name: name]
        }
    }

    void recordParallel(List<String> branches, boolean failFast) {
        Map call = record('parallel', [] as Object[])
        call.branches = branches
        call.failFast = failFast
    }

    /** Job-wide milestone ordinals, as the plugin keeps them: a newer build that passed this ordinal aborts this one. */
    private Object milestone(Map named) {
        int ordinal = named.ordinal != null ? named.ordinal as int : milestonesPassed + 1
        milestonesPassed = ordinal
        Map newer = ((scenario.newerBuilds ?: []) as List<Map>).find { Map b -> ((b.milestones ?: 0) as int) >= ordinal }
        if (newer) throw new Aborted("Canceled since build #${newer.number} already got here")
        return null
    }

    private Map node(Map call, Object label) {
        String wanted = label == null ? null : label.toString()
        List agents = (scenario.agents ?: []) as List
        Map agent = agents.find { Map a -> wanted == null || a.name == wanted || (a.labels ?: []).contains(wanted) } as Map
        if (agent == null) {
            if (scenario.strictNodes) {
                throw new StepError("harness: no agent offers label '${wanted}' (agents: ${agents.collect { it.name }.join(', ')}); Jenkins would wait for one forever")
            }
            agent = [name: wanted ?: 'built-in', labels: wanted ? [wanted] : [], env: [:]]
        }
        File root = new File((scenario.workspaceRoot ?: System.getProperty('java.io.tmpdir')).toString())
        File workspace = agent.workspace ? new File(agent.workspace.toString()) : new File(root, "workspace-${agent.name}")
        Map frame = [kind: 'node', name: "node:${wanted}".toString(), agent: agent, workspace: workspace]
        if (((scenario.offline ?: []) as List).contains(agent.name)) {
            frame.waitingFor = wanted
        } else {
            call.agent = agent.name
        }
        return frame
    }

    /** The files of the current workspace (record mode: its virtual files; exec mode: read from disk). */
    private Map snapshot() {
        if (!sameMode('exec')) return new LinkedHashMap(virtualWorkspace())
        Map files = [:]
        File root = currentWorkspace()
        if (!root.isDirectory()) return files
        root.eachFileRecurse(groovy.io.FileType.FILES) { File f ->
            String path = root.toPath().relativize(f.toPath()).toString()
            if (!path.startsWith('.git/')) files[path] = f.bytes
        }
        return files
    }

    private void restore(Map files) {
        if (!sameMode('exec')) {
            virtualWorkspace().putAll(files)
            return
        }
        File root = currentWorkspace()
        files.each { String path, byte[] bytes ->
            File f = new File(root, path)
            f.parentFile.mkdirs()
            f.bytes = bytes
        }
    }

    private Object input(Map call) {
        call.insideTimeout = stack.any { it.kind == 'timeout' }
        switch ((scenario.input ?: 'approve').toString()) {
            case 'abort':
                throw new Aborted('Rejected by approver')
            case 'timeout':
                return new Wait(why: [input: call.args])
            default:
                return null
        }
    }

    private Object checkout(Map call) {
        Map config = (scenario.checkout ?: [:]) as Map
        String agent = currentNode()?.agent?.name
        if (((config.failOn ?: []) as List).contains(agent)) {
            throw new StepError("hudson.plugins.git.GitException: Command \"git fetch\" returned status code 128 on ${agent}")
        }
        if (config.commits instanceof List) {
            // Each checkout resolves the branch anew (a job that is not multibranch): the next commit each time.
            List commits = (List) config.commits
            int n = calls.count { it.step == 'checkout' } - 1
            return [GIT_COMMIT: commits[Math.min(n, commits.size() - 1)], GIT_BRANCH: 'origin/main']
        }
        if (config.from && sameMode('exec')) {
            File target = currentWorkspace()
            target.mkdirs()
            copyTree(new File(config.from.toString()), target)
        }
        Map vars = (config.vars ?: [GIT_COMMIT: '0123456789abcdef0123456789abcdef01234567', GIT_BRANCH: 'origin/main']) as Map
        return new LinkedHashMap(vars)
    }

    private static void copyTree(File from, File to) {
        from.eachFileRecurse(groovy.io.FileType.FILES) { File f ->
            File target = new File(to, from.toPath().relativize(f.toPath()).toString())
            target.parentFile.mkdirs()
            target.bytes = f.bytes
        }
    }

    private boolean sameMode(String mode) {
        return ((scenario.sh ?: [:]).mode ?: 'record') == mode
    }

    private File currentWorkspace() {
        Map node = currentNode()
        if (node == null) throw new StepError('Required context class hudson.FilePath is missing (this step needs a node)')
        File dir = node.workspace
        for (Map frame : stack) {
            if (frame.kind == 'dir') dir = new File(dir, frame.path.toString())
        }
        return dir
    }

    // ---- files: real in exec mode, per-workspace maps in record mode ----

    private Map<String, String> virtualWorkspace() {
        String key = currentWorkspace().path
        if (!virtualFiles.containsKey(key)) {
            Map<String, String> files = [:]
            (scenario.files ?: [:]).each { k, v -> files[k.toString()] = v.toString() }
            virtualFiles[key] = files
        }
        return virtualFiles[key]
    }

    void writeFile(String path, String text) {
        if (sameMode('exec')) {
            File file = new File(currentWorkspace(), path)
            file.parentFile.mkdirs()
            file.setText(text, 'UTF-8')
        } else {
            virtualWorkspace()[path] = text
        }
    }

    String readFile(String path) {
        if (sameMode('exec')) {
            File file = new File(currentWorkspace(), path)
            if (!file.isFile()) throw new StepError("java.nio.file.NoSuchFileException: ${file}")
            return file.getText('UTF-8')
        }
        String text = virtualWorkspace()[path]
        if (text == null) throw new StepError("java.nio.file.NoSuchFileException: ${path}")
        return text
    }

    boolean fileExists(String path) {
        return sameMode('exec') ? new File(currentWorkspace(), path).exists() : virtualWorkspace().containsKey(path)
    }

    // ---- sh ----

    private static String expand(String text, Map<String, String> env) {
        return text.replaceAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/) { all, name -> env[name] ?: '' }
    }

    private Object sh(Map call, Map options) {
        String script = options.script.toString()
        call.script = script
        call.env = overlay()
        Map<String, String> env = environment(sameMode('exec'))
        int status
        String stdout
        Map rule = null
        if (sameMode('exec')) {
            Map run = execute(script, env)
            status = run.status as int
            stdout = run.stdout
            call.stdout = run.stdout
            call.stderr = run.stderr
        } else {
            rule = ((scenario.sh ?: [:]).rules ?: []).find { Map r ->
                (r.when ?: [:]).every { k, v -> env[k.toString()] == v.toString() } &&
                    (!r.scriptContains || script.contains(r.scriptContains.toString()))
            } as Map
            if (rule?.abort) throw new Aborted('Aborted by user')
            ((rule?.files ?: [:]) as Map).each { k, v -> writeFile(expand(k.toString(), env), expand(v.toString(), env)) }
            status = (rule?.status ?: 0) as int
            stdout = (rule?.stdout ?: '').toString()
            if (rule?.failure) throw new StepError(rule.failure.toString())
        }
        call.status = status
        if (status != 0 && !options.returnStatus) throw new StepError("script returned exit code ${status}")
        Object value = options.returnStatus ? status : (options.returnStdout ? stdout : null)
        if (rule?.minutes) return new Wait(why: [until: clock + millis(rule.minutes as long, 'MINUTES'), value: value])
        return value
    }

    /** Runs the script as Jenkins does: a `#!` line names the interpreter, else `sh -xe`. */
    private Map execute(String script, Map<String, String> env) {
        File workspace = currentWorkspace()
        workspace.mkdirs()
        File file = File.createTempFile('harness-sh-', '.sh')
        file.setText(script, 'UTF-8')
        file.setExecutable(true)
        List<String> command
        if (script.startsWith('#!')) {
            command = script.readLines()[0].substring(2).trim().tokenize(' ') + [file.path]
        } else {
            command = ['sh', '-xe', file.path]
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(workspace)
        builder.environment().clear()
        builder.environment().putAll(env)
        Process process = builder.start()
        process.outputStream.close()
        StringBuilder out = new StringBuilder()
        StringBuilder err = new StringBuilder()
        Thread outReader = Thread.start { out.append(process.inputStream.getText('UTF-8')) }
        Thread errReader = Thread.start { err.append(process.errorStream.getText('UTF-8')) }
        int status = process.waitFor()
        outReader.join()
        errReader.join()
        file.delete()
        if (err) System.err.print(err.toString().readLines().collect { "[sh ${currentNode()?.agent?.name}] ${it}\n" }.join(''))
        return [status: status, stdout: out.toString(), stderr: err.toString()]
    }

}

/** A describable such as choice(...) or parameters([...]) as Jenkins would build it. */
class Symbol implements Serializable {
    String name
    Object args
    String toString() { "${name}(${args})" }
}

/** The parts of RunWrapper (currentBuild) that pipelines use. */
class CurrentBuild implements Serializable {
    BuildInfo nextBuild
    String description
    String displayName
    String result
    int number = 1
    String getCurrentResult() { result ?: 'SUCCESS' }
}

/** A newer build of the same job, as RunWrapper shows it (`currentBuild.nextBuild`). */
class BuildInfo implements Serializable {
    int number
    Map buildVariables
    BuildInfo nextBuild
}
