package eastern.harness

/** One parallel branch: a CPS thread of its own that calls the branch's closure (in the binding as `body`). */
class BranchRunner extends com.cloudbees.groovy.cps.SerializableScript {
    private static final long serialVersionUID = 1L

    Object run() {
        Closure branch = (Closure) binding.getVariable('body')
        return branch.call()
    }
}
